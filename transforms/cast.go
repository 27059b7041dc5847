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
// result and are reported.
func castArray(a arrow.Array, from, to lake.Type) (arrow.Array, []cellError) {
	if arrow.TypeEqual(a.DataType(), to.ArrowType()) && from.Equal(to) {
		a.Retain()
		return a, nil
	}
	if to.Kind == lake.KindVector {
		if l, ok := a.(*array.List); ok {
			return listToVector(l, to.Dim)
		}
	}
	b := array.NewBuilder(memory.DefaultAllocator, to.ArrowType())
	defer b.Release()
	b.Reserve(a.Len())
	var errs []cellError
	for i := 0; i < a.Len(); i++ {
		v := lake.ValueAt(a, i)
		c, err := convert(v, from, to)
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
	f64, _ := vals.(*array.Float64)
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
		b.Append(true)
		switch {
		case f32 != nil:
			vb.AppendValues(f32.Float32Values()[lo:hi], nil)
		case f64 != nil:
			for _, x := range f64.Float64Values()[lo:hi] {
				vb.Append(float32(x))
			}
		default:
			for k := lo; k < hi; k++ {
				f, _ := toFloat(lake.ValueAt(vals, int(k)))
				vb.Append(float32(f))
			}
		}
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
	case lake.KindReal, lake.KindDouble:
		f, err := toFloat(v)
		if err != nil {
			return nil, err
		}
		if to.Kind == lake.KindReal {
			return float32(f), nil
		}
		return f, nil
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
				f, err := toFloat(e)
				if err != nil {
					return nil, err
				}
				out[i] = float32(f)
			}
		case string:
			// Text as pgvector and JSON write it, [0.1, 0.2] (CSV, NDJSON);
			// else FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY: little-endian
			// float32s (binary that reads as such a list is not met).
			if t := strings.TrimSpace(x); strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") {
				var xs []float64
				if err := json.Unmarshal([]byte(t), &xs); err == nil {
					out = make([]float32, len(xs))
					for i, f := range xs {
						out[i] = float32(f)
						if math.IsNaN(f) || math.IsInf(float64(out[i]), 0) {
							return nil, fmt.Errorf("vector value %d (%g) is not a finite float32", i, f)
						}
					}
					break
				}
			}
			if len(x)%4 != 0 {
				return nil, fmt.Errorf("binary vector of %d bytes is not a whole number of float32s", len(x))
			}
			out = make([]float32, len(x)/4)
			for i := range out {
				out[i] = math.Float32frombits(binary.LittleEndian.Uint32([]byte(x[4*i:])))
			}
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
			if in, err = jsonArray(x); err != nil {
				return nil, err
			}
			ef = lake.Text
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
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out[i] = c
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot cast %s to %s", from, to)
}

// jsonArray reads a JSON array of scalars as text values (numbers and
// booleans as written, strings unquoted, null as nil).
func jsonArray(s string) ([]any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var raw []any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not a JSON array: %q", lake.Truncate(s))
	}
	out := make([]any, len(raw))
	for i, e := range raw {
		switch x := e.(type) {
		case nil:
		case string:
			out[i] = x
		case json.Number:
			out[i] = x.String()
		case bool:
			out[i] = strconv.FormatBool(x)
		default:
			return nil, fmt.Errorf("element %d is not a scalar: %q", i, lake.Truncate(s))
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
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("not an integer")
		}
		return n, nil
	}
	return 0, fmt.Errorf("not a number")
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case int64:
		return float64(x), nil
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, fmt.Errorf("not a number")
		}
		return f, nil
	}
	return 0, fmt.Errorf("not a number")
}
