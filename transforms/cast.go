package transforms

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/uuid"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/vectorops"
)

// CanCast reports whether values of type from can be cast to type to. A
// possible cast can still reject single values (a text that is not a date,
// a vector of the wrong length): those rows go to the dead-letter output.
func CanCast(from, to lake.Type) bool {
	if from.Equal(to) {
		return true
	}
	switch to.Kind {
	case lake.KindText:
		return from.Kind != lake.KindArray
	case lake.KindSmallInt, lake.KindInt, lake.KindBigInt, lake.KindReal, lake.KindDouble:
		return from.IsNumeric() || from.Kind == lake.KindText || from.Kind == lake.KindBoolean
	case lake.KindBoolean:
		return from.Kind == lake.KindText || from.IsNumeric()
	case lake.KindTimestamp, lake.KindDate:
		return from.Kind == lake.KindText || from.Kind == lake.KindTimestamp || from.Kind == lake.KindDate
	case lake.KindUUID:
		return from.Kind == lake.KindText || from.Kind == lake.KindSmallInt || from.Kind == lake.KindInt || from.Kind == lake.KindBigInt
	case lake.KindJSONB:
		return from.Kind == lake.KindText
	case lake.KindVector:
		return from.Kind == lake.KindVector || from.Kind == lake.KindText ||
			from.Kind == lake.KindArray && from.ElemType().IsNumeric()
	case lake.KindArray:
		return from.Kind == lake.KindArray && CanCast(from.ElemType(), to.ElemType()) ||
			from.Kind == lake.KindVector && to.ElemType().IsNumeric() ||
			from.Kind == lake.KindText && CanCast(lake.Text, to.ElemType())
	}
	return false
}

type cellError struct {
	row    int
	value  string
	reason string
}

// castArray casts a whole column. Rows it cannot cast become NULL in the
// result and are reported. binary says the column holds bytes, not text
// (a Parquet BYTE_ARRAY without a string annotation, lake.BinaryMetaKey):
// only such a column casts to VECTOR(n) as 4n little-endian bytes; text
// casts to a vector only as the text of an array.
func castArray(a arrow.Array, from, to lake.Type, binary bool) (arrow.Array, []cellError) {
	if arrow.TypeEqual(a.DataType(), to.ArrowType()) && from.Equal(to) {
		a.Retain()
		return a, nil
	}
	if to.Kind == lake.KindVector {
		if l, ok := a.(*array.List); ok {
			return listToVector(l, to.Dim)
		}
	}
	conv := convert
	if binary && to.Kind == lake.KindVector {
		conv = func(v any, _, to lake.Type) (any, error) { return vectorFromBytes(v, to.Dim) }
	}
	b := array.NewBuilder(memory.DefaultAllocator, to.ArrowType())
	defer b.Release()
	b.Reserve(a.Len())
	var errs []cellError
	for i := 0; i < a.Len(); i++ {
		v := lake.ValueAt(a, i)
		c, err := conv(v, from, to)
		if err == nil {
			err = lake.AppendValue(b, to, c)
		}
		if err != nil {
			errs = append(errs, cellError{row: i, value: lake.Render(v), reason: err.Error()})
			b.AppendNull()
		}
	}
	return b.NewArray(), errs
}

// vectorFromBytes reads a binary value as little-endian float32s.
func vectorFromBytes(v any, dim int) (any, error) {
	if v == nil {
		return nil, nil
	}
	x, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("not binary")
	}
	if len(x) != 4*dim {
		return nil, fmt.Errorf("binary vector of %d bytes, expected %d (%d little-endian float32s)", len(x), 4*dim, dim)
	}
	out := make([]float32, dim)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32([]byte(x[4*i:])))
	}
	return out, nil
}

// nonFinite returns the rows of a VECTOR column that hold a NaN or an
// infinite value: no distance is defined on them, so they are row errors
// whichever way the vector arrived (cast, or read as one).
func nonFinite(a arrow.Array) []cellError {
	l, ok := a.(*array.FixedSizeList)
	if !ok {
		return nil
	}
	vals, ok := l.ListValues().(*array.Float32)
	if !ok {
		return nil
	}
	dim := int(l.DataType().(*arrow.FixedSizeListType).Len())
	all := vals.Float32Values()
	first := l.Offset() * dim
	if vectorops.Finite(all[first : first+l.Len()*dim]) {
		return nil
	}
	var errs []cellError
	for i := 0; i < l.Len(); i++ {
		row := all[first+i*dim : first+(i+1)*dim]
		if l.IsValid(i) && !vectorops.Finite(row) {
			errs = append(errs, cellError{row: i, value: lake.Render(lake.ValueAt(l, i)), reason: "vector has a NaN or infinite value"})
		}
	}
	return errs
}

// listToVector is the fast path for list<float> => VECTOR(n): each row's
// length is checked and the values copied in bulk, or not copied at all
// when every row is present with exactly dim float32 values (the common
// case), since the list's values then already are the vector's.
func listToVector(l *array.List, dim int) (arrow.Array, []cellError) {
	if v := reuseAsVector(l, dim); v != nil {
		return v, nil
	}
	b := array.NewFixedSizeListBuilder(memory.DefaultAllocator, int32(dim), arrow.PrimitiveTypes.Float32)
	defer b.Release()
	vb := b.ValueBuilder().(*array.Float32Builder)
	vb.Reserve(l.Len() * dim)
	var errs []cellError
	vals := l.ListValues()
	f32, _ := vals.(*array.Float32)
	for i := 0; i < l.Len(); i++ {
		if l.IsNull(i) {
			b.AppendNull()
			continue
		}
		lo, hi := l.ValueOffsets(i)
		if int(hi-lo) != dim {
			errs = append(errs, cellError{row: i, value: lake.Render(lake.ValueAt(l, i)),
				reason: fmt.Sprintf("vector has %d dimensions, expected %d", hi-lo, dim)})
			b.AppendNull()
			continue
		}
		if vals.NullN() > 0 {
			hasNull := false
			for k := lo; k < hi; k++ {
				hasNull = hasNull || vals.IsNull(int(k))
			}
			if hasNull {
				errs = append(errs, cellError{row: i, value: lake.Render(lake.ValueAt(l, i)), reason: "vector has a NULL element"})
				b.AppendNull()
				continue
			}
		}
		if f32 != nil {
			b.Append(true)
			vb.AppendValues(f32.Float32Values()[lo:hi], nil)
			continue
		}
		// Other numbers convert one by one, exactly or not at all.
		row := make([]float32, 0, dim)
		var bad error
		for k := lo; k < hi && bad == nil; k++ {
			var f float64
			if f, bad = toFloatBits(lake.ValueAt(vals, int(k)), 32); bad != nil {
				bad = fmt.Errorf("element %d: %w", k-lo+1, bad)
			}
			row = append(row, float32(f))
		}
		if bad != nil {
			errs = append(errs, cellError{row: i, value: lake.Render(lake.ValueAt(l, i)), reason: bad.Error()})
			b.AppendNull()
			continue
		}
		b.Append(true)
		vb.AppendValues(row, nil)
	}
	return b.NewArray(), errs
}

// reuseAsVector returns l as a VECTOR(dim) array sharing its values, or nil
// when some row is NULL, has another length, or holds a NULL or non-float32
// element.
func reuseAsVector(l *array.List, dim int) arrow.Array {
	vals, ok := l.ListValues().(*array.Float32)
	if !ok || l.NullN() > 0 || l.Len() == 0 {
		return nil
	}
	// Offsets() is the whole buffer, not adjusted for a sliced list.
	offs := l.Offsets()[l.Offset() : l.Offset()+l.Len()+1]
	first := int(offs[0])
	for i := 1; i < len(offs); i++ {
		if int(offs[i]) != first+i*dim {
			return nil
		}
	}
	child := array.NewSlice(vals, int64(first), int64(first+l.Len()*dim))
	defer child.Release()
	if child.NullN() > 0 {
		return nil
	}
	data := array.NewData(arrow.FixedSizeListOf(int32(dim), arrow.PrimitiveTypes.Float32), l.Len(),
		[]*memory.Buffer{nil}, []arrow.ArrayData{child.Data()}, 0, 0)
	defer data.Release()
	return array.NewFixedSizeListData(data)
}

// convert casts one non-NULL Go value.
func convert(v any, from, to lake.Type) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch to.Kind {
	case lake.KindText:
		return lake.Render(v), nil
	case lake.KindSmallInt, lake.KindInt, lake.KindBigInt:
		n, err := toInt(v)
		if err != nil {
			return nil, err
		}
		lim := map[lake.Kind]int64{lake.KindSmallInt: math.MaxInt16, lake.KindInt: math.MaxInt32, lake.KindBigInt: math.MaxInt64}[to.Kind]
		if n > lim || n < -lim-1 {
			return nil, fmt.Errorf("%d is out of range for %s", n, to)
		}
		return n, nil
	case lake.KindReal:
		f, err := toFloatBits(v, 32)
		return float32(f), err
	case lake.KindDouble:
		return toFloatBits(v, 64)
	case lake.KindBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(x))
			if err != nil {
				return nil, fmt.Errorf("not a boolean")
			}
			return b, nil
		}
		n, err := toInt(v)
		return n != 0, err
	case lake.KindTimestamp, lake.KindDate:
		var t time.Time
		switch x := v.(type) {
		case time.Time:
			t = x
		case string:
			var err error
			if t, err = lake.ParseTime(strings.TrimSpace(x)); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("not a timestamp")
		}
		if to.Kind == lake.KindDate {
			t = t.Truncate(24 * time.Hour)
		}
		return t, nil
	case lake.KindUUID:
		switch x := v.(type) {
		case string:
			u, err := uuid.Parse(strings.TrimSpace(x))
			if err != nil {
				return nil, fmt.Errorf("not a UUID")
			}
			return u, nil
		case int64:
			return lake.UUIDFromInt(x), nil
		case uuid.UUID:
			return x, nil
		}
	case lake.KindJSONB:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("not JSON text")
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(s)); err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
		return buf.String(), nil
	case lake.KindVector:
		var out []float32
		switch x := v.(type) {
		case []float32:
			out = x
		case []any:
			out = make([]float32, len(x))
			for i, e := range x {
				if e == nil {
					return nil, fmt.Errorf("vector has a NULL element")
				}
				f, err := toFloatBits(e, 32)
				if err != nil {
					return nil, fmt.Errorf("element %d: %w", i+1, err)
				}
				out[i] = float32(f)
			}
		case string:
			// Text as pgvector and JSON write it, [0.1, 0.2] (CSV, NDJSON).
			var err error
			if out, err = vectorFromText(x); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("not a vector")
		}
		if len(out) != to.Dim {
			return nil, fmt.Errorf("vector has %d dimensions, expected %d", len(out), to.Dim)
		}
		return out, nil
	case lake.KindArray:
		var in []any
		var ef lake.Type
		switch x := v.(type) {
		case []any:
			in = x
		case []float32:
			for _, f := range x {
				in = append(in, f)
			}
		case string: // a JSON array, as CSV and NDJSON write one: ["a", null]
			var err error
			if in, err = textArray(x, to.ElemType()); err != nil {
				return nil, err
			}
			ef = lake.Text
		default:
			return nil, fmt.Errorf("not an array")
		}
		out := make([]any, len(in))
		switch {
		case ef.Kind == lake.KindText:
		case from.Kind == lake.KindArray:
			ef = from.ElemType()
		default:
			ef = lake.Real
		}
		for i, e := range in {
			if e == nil {
				continue // a NULL element
			}
			c, err := convert(e, ef, to.ElemType())
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i+1, err)
			}
			out[i] = c
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot cast %s to %s", from, to)
}

// textArray reads text holding a JSON array as the text of its elements
// (numbers and booleans as written, strings unquoted, null as nil); an
// object or array element only for JSONB[].
func textArray(s string, elem lake.Type) ([]any, error) {
	elems, err := lake.ParseTextArray(s)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(elems))
	for i, e := range elems {
		switch {
		case e.Kind == 0:
		case e.Kind == 'j' && elem.Kind != lake.KindJSONB:
			return nil, fmt.Errorf("element %d is not a scalar: %s", i+1, lake.Truncate(e.Text))
		default:
			out[i] = e.Text
		}
	}
	return out, nil
}

// vectorFromText reads text holding a JSON array of numbers as a vector:
// a NULL element, a NaN or an infinity (as a word, "NaN", or a string),
// an element that is not a number and an integer that a float32 cannot
// hold exactly are errors.
func vectorFromText(s string) ([]float32, error) {
	elems, err := lake.ParseTextArray(s)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(elems))
	for i, e := range elems {
		switch e.Kind {
		case 0:
			return nil, fmt.Errorf("vector has a NULL element")
		case 'n', 's':
			f, err := lake.ParseFloatText(e.Text, 32)
			if err != nil {
				return nil, fmt.Errorf("element %d (%s): %w", i+1, lake.Truncate(e.Text), err)
			}
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("vector has a NaN or infinite value (element %d)", i+1)
			}
			out[i] = float32(f)
		default:
			return nil, fmt.Errorf("element %d (%s) is not a number", i+1, lake.Truncate(e.Text))
		}
	}
	return out, nil
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case float32:
		return toInt(float64(x))
	case float64:
		if x != math.Trunc(x) || math.Abs(x) >= 1<<63 {
			return 0, fmt.Errorf("%v is not an integer", x)
		}
		return int64(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case string:
		return lake.ParseIntText(x)
	}
	return 0, fmt.Errorf("not a number")
}

// toFloatBits converts a value to a float of bits (32: REAL and vector
// elements; 64: DOUBLE), exactly for integers (an integer the float cannot
// hold is an error), rounded for fractions, and an error beyond the
// float's range. Text reads as lake.ParseFloatText reads it.
func toFloatBits(v any, bits int) (float64, error) {
	switch x := v.(type) {
	case int64:
		return lake.IntToFloat(x, bits)
	case float32:
		return float64(x), nil
	case float64:
		return lake.FloatToBits(x, bits, false)
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case string:
		return lake.ParseFloatText(x, bits)
	}
	return 0, fmt.Errorf("not a number")
}
