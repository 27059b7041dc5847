package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"

	"github.com/lakelink/lakelink/lake"
)

// Row values, as returned by Get and Scan, have these Go types:
//
//	TEXT string · JSONB string (compact JSON) · SMALLINT/INT/BIGINT int64
//	REAL float32 · DOUBLE float64 · BOOLEAN bool · TIMESTAMP time.Time (UTC)
//	DATE time.Time (UTC midnight) · UUID uuid.UUID · VECTOR(n) []float32
//	T[] []any · NULL nil
type Row []any

// Row value encoding, version 1:
//
//	[ncols uvarint][null bitmap, ceil(ncols/8) bytes][values of non-null columns]
//
// Integers are zigzag varints, REAL/DOUBLE little-endian IEEE bits, TEXT and
// JSONB a uvarint length and bytes, TIMESTAMP microseconds and DATE days as
// zigzag varints, UUID 16 bytes, VECTOR a uvarint dimension and little-endian
// float32s, arrays a uvarint count and per element a null byte and the value.
// The encoding is canonical: equal rows encode to equal bytes, which the
// table digest relies on.

// AppendRow appends the encoding of row i of rec (whose columns follow
// schema) to dst.
func AppendRow(dst []byte, schema lake.Schema, rec arrow.RecordBatch, i int) ([]byte, error) {
	pos := schema.Positions() // nil unless a column was dropped
	n := len(schema.Columns)
	if pos != nil {
		n = len(pos)
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	bm := len(dst)
	for j := 0; j < (n+7)/8; j++ {
		dst = append(dst, 0)
	}
	for p := 0; p < n; p++ {
		c := p
		if pos != nil {
			c = pos[p]
		}
		if c < 0 || rec.Column(c).IsNull(i) {
			dst[bm+p/8] |= 1 << (p % 8)
			continue
		}
		var err error
		dst, err = appendValue(dst, schema.Columns[c].Type, rec.Column(c), i)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", schema.Columns[c].Name, err)
		}
	}
	return dst, nil
}

func appendValue(dst []byte, t lake.Type, col arrow.Array, i int) ([]byte, error) {
	switch a := col.(type) {
	case *array.String:
		s := a.Value(i)
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		return append(dst, s...), nil
	case *array.Int16:
		return binary.AppendVarint(dst, int64(a.Value(i))), nil
	case *array.Int32:
		return binary.AppendVarint(dst, int64(a.Value(i))), nil
	case *array.Int64:
		return binary.AppendVarint(dst, a.Value(i)), nil
	case *array.Float32:
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(a.Value(i))), nil
	case *array.Float64:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(a.Value(i))), nil
	case *array.Boolean:
		if a.Value(i) {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case *array.Timestamp:
		return binary.AppendVarint(dst, int64(a.Value(i))), nil
	case *array.Date32:
		return binary.AppendVarint(dst, int64(a.Value(i))), nil
	case *array.FixedSizeBinary:
		return append(dst, a.Value(i)...), nil
	case *array.FixedSizeList:
		vals := a.ListValues().(*array.Float32).Float32Values()
		d := t.Dim
		lo := (a.Offset() + i) * d // the child array is not sliced with the list
		dst = binary.AppendUvarint(dst, uint64(d))
		if d > 0 && littleEndian {
			return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&vals[lo])), 4*d)...), nil
		}
		for _, f := range vals[lo : lo+d] {
			dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
		}
		return dst, nil
	case *array.List:
		lo, hi := a.ValueOffsets(i)
		dst = binary.AppendUvarint(dst, uint64(hi-lo))
		vals := a.ListValues()
		for k := int(lo); k < int(hi); k++ {
			if vals.IsNull(k) {
				dst = append(dst, 1)
				continue
			}
			dst = append(dst, 0)
			var err error
			if dst, err = appendValue(dst, t.ElemType(), vals, k); err != nil {
				return nil, err
			}
		}
		return dst, nil
	}
	return nil, fmt.Errorf("cannot store Arrow type %s as %s", col.DataType(), t)
}

// littleEndian: on such machines (amd64, arm64) a float32 slice already is
// its encoding, and vectors are copied in bulk.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// DecodeRow decodes a row value. Columns the encoding lacks (added to the
// schema later) read their default, or NULL; dropped columns are skipped.
func DecodeRow(schema lake.Schema, data []byte) (Row, error) {
	d := decoder{b: data}
	n := int(d.uvarint())
	if d.err != nil || n < 0 || n > 1<<16 {
		return nil, fmt.Errorf("corrupt row")
	}
	bm := d.take((n + 7) / 8)
	row := make(Row, len(schema.Columns))
	pos := schema.Positions()
	width := len(schema.Columns)
	if pos != nil {
		width = len(pos)
	}
	for p := 0; p < n && p < width && d.err == nil; p++ {
		if bm[p/8]&(1<<(p%8)) != 0 {
			continue
		}
		if pos == nil {
			row[p] = d.value(schema.Columns[p].Type)
		} else if v := d.value(schema.Stored[p]); pos[p] >= 0 {
			row[pos[p]] = v
		}
	}
	if d.err != nil {
		return nil, fmt.Errorf("corrupt row: %w", d.err)
	}
	for c, col := range schema.Columns {
		p := c
		if pos != nil {
			p = schema.Slots[c]
		}
		if p >= n && col.Default != nil {
			v, err := lake.ParseDefault(col.Type, *col.Default)
			if err != nil {
				return nil, err
			}
			row[c] = v
		}
	}
	return row, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("truncated %s", what)
	}
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("uvarint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) take(n int) []byte {
	if n < 0 || n > len(d.b) {
		d.fail("bytes")
		d.b = nil
		return make([]byte, max(n, 0))
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) value(t lake.Type) any {
	switch t.Kind {
	case lake.KindText, lake.KindJSONB:
		return string(d.take(int(d.uvarint())))
	case lake.KindSmallInt, lake.KindInt, lake.KindBigInt:
		return d.varint()
	case lake.KindReal:
		return math.Float32frombits(binary.LittleEndian.Uint32(d.take(4)))
	case lake.KindDouble:
		return math.Float64frombits(binary.LittleEndian.Uint64(d.take(8)))
	case lake.KindBoolean:
		return d.take(1)[0] == 1
	case lake.KindTimestamp:
		return time.UnixMicro(d.varint()).UTC()
	case lake.KindDate:
		return time.Unix(d.varint()*86400, 0).UTC()
	case lake.KindUUID:
		var u uuid.UUID
		copy(u[:], d.take(16))
		return u
	case lake.KindVector:
		n := int(d.uvarint())
		raw := d.take(4 * n)
		v := make([]float32, n)
		if n > 0 && littleEndian && d.err == nil {
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*n), raw)
			return v
		}
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return v
	case lake.KindArray:
		n := int(d.uvarint())
		if n > len(d.b) {
			d.fail("array")
			return nil
		}
		out := make([]any, n)
		for i := range out {
			if d.take(1)[0] == 1 {
				continue
			}
			out[i] = d.value(t.ElemType())
		}
		return out
	}
	d.err = fmt.Errorf("unknown type %s", t)
	return nil
}

// AppendKey appends the order-preserving encoding of the primary key of row
// i of rec to dst: integers as 8 big-endian bytes with the sign bit flipped,
// text with 0x00 escaped as 0x00 0xFF and terminated by 0x00 0x01 (so
// composite keys compare column by column), UUIDs as their 16 bytes.
// A NULL in a key column is an error.
func AppendKey(dst []byte, schema lake.Schema, pk []int, rec arrow.RecordBatch, i int) ([]byte, error) {
	for _, c := range pk {
		col := rec.Column(c)
		if col.IsNull(i) {
			return nil, fmt.Errorf("primary key column %q is NULL", schema.Columns[c].Name)
		}
		switch a := col.(type) {
		case *array.String:
			dst = appendKeyText(dst, a.Value(i))
		case *array.Int16:
			dst = appendKeyInt(dst, int64(a.Value(i)))
		case *array.Int32:
			dst = appendKeyInt(dst, int64(a.Value(i)))
		case *array.Int64:
			dst = appendKeyInt(dst, a.Value(i))
		case *array.Timestamp:
			dst = appendKeyInt(dst, int64(a.Value(i)))
		case *array.Date32:
			dst = appendKeyInt(dst, int64(a.Value(i)))
		case *array.Boolean:
			if a.Value(i) {
				dst = append(dst, 1)
			} else {
				dst = append(dst, 0)
			}
		case *array.FixedSizeBinary:
			dst = append(dst, a.Value(i)...)
		default:
			return nil, fmt.Errorf("primary key column %q has unsupported type %s", schema.Columns[c].Name, schema.Columns[c].Type)
		}
	}
	return dst, nil
}

// KeyOf encodes Go values (as accepted by Get) as a primary key.
func KeyOf(schema lake.Schema, vals ...any) ([]byte, error) {
	pk := schema.PKIndexes()
	if len(vals) != len(pk) {
		return nil, fmt.Errorf("table has a %d-column primary key, got %d values", len(pk), len(vals))
	}
	var dst []byte
	for n, c := range pk {
		t := schema.Columns[c].Type
		v, err := Coerce(t, vals[n])
		if err != nil {
			return nil, fmt.Errorf("primary key column %q: %w", schema.Columns[c].Name, err)
		}
		switch t.Kind {
		case lake.KindText:
			dst = appendKeyText(dst, v.(string))
		case lake.KindSmallInt, lake.KindInt, lake.KindBigInt:
			dst = appendKeyInt(dst, v.(int64))
		case lake.KindTimestamp:
			dst = appendKeyInt(dst, v.(time.Time).UnixMicro())
		case lake.KindDate:
			dst = appendKeyInt(dst, v.(time.Time).Unix()/86400)
		case lake.KindBoolean:
			if v.(bool) {
				dst = append(dst, 1)
			} else {
				dst = append(dst, 0)
			}
		case lake.KindUUID:
			u := v.(uuid.UUID)
			dst = append(dst, u[:]...)
		default:
			return nil, fmt.Errorf("type %s cannot be a key", t)
		}
	}
	return dst, nil
}

func appendKeyInt(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v)^(1<<63))
}

func appendKeyText(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			dst = append(dst, 0, 0xFF)
		} else {
			dst = append(dst, s[i])
		}
	}
	return append(dst, 0, 1)
}

// EncodeRow encodes a row of Go values (the types listed on Row; ints of
// any width, float64 for REAL and float32 for DOUBLE are accepted too) for
// schema. It is the slow path, for rows built in Go rather than read from
// Arrow: error tables, updates, defaults.
func EncodeRow(schema lake.Schema, row Row) ([]byte, error) {
	if len(row) != len(schema.Columns) {
		return nil, fmt.Errorf("row has %d values for %d columns", len(row), len(schema.Columns))
	}
	pos := schema.Positions()
	n := len(schema.Columns)
	if pos != nil {
		n = len(pos)
	}
	dst := binary.AppendUvarint(nil, uint64(n))
	bm := len(dst)
	for j := 0; j < (n+7)/8; j++ {
		dst = append(dst, 0)
	}
	for p := 0; p < n; p++ {
		c := p
		if pos != nil {
			c = pos[p]
		}
		if c < 0 || row[c] == nil {
			dst[bm+p/8] |= 1 << (p % 8)
			continue
		}
		v := row[c]
		var err error
		if dst, err = encodeValue(dst, schema.Columns[c].Type, v); err != nil {
			return nil, fmt.Errorf("column %q: %w", schema.Columns[c].Name, err)
		}
	}
	return dst, nil
}

func encodeValue(dst []byte, t lake.Type, v any) ([]byte, error) {
	c, err := v, error(nil)
	if t.Kind != lake.KindVector && t.Kind != lake.KindArray {
		if c, err = Coerce(t, v); err != nil {
			return nil, err
		}
	}
	switch x := c.(type) {
	case string:
		dst = binary.AppendUvarint(dst, uint64(len(x)))
		return append(dst, x...), nil
	case int64:
		return binary.AppendVarint(dst, x), nil
	case float32:
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(x)), nil
	case float64:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(x)), nil
	case bool:
		if x {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case time.Time:
		if t.Kind == lake.KindDate {
			return binary.AppendVarint(dst, x.Unix()/86400), nil
		}
		return binary.AppendVarint(dst, x.UnixMicro()), nil
	case uuid.UUID:
		return append(dst, x[:]...), nil
	case []float32:
		if len(x) != t.Dim {
			return nil, fmt.Errorf("vector of %d dimensions for %s", len(x), t)
		}
		dst = binary.AppendUvarint(dst, uint64(len(x)))
		for _, f := range x {
			dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
		}
		return dst, nil
	case []any:
		dst = binary.AppendUvarint(dst, uint64(len(x)))
		for _, e := range x {
			if e == nil {
				dst = append(dst, 1)
				continue
			}
			dst = append(dst, 0)
			if dst, err = encodeValue(dst, t.ElemType(), e); err != nil {
				return nil, err
			}
		}
		return dst, nil
	}
	return nil, fmt.Errorf("cannot store %T as %s", v, t)
}
