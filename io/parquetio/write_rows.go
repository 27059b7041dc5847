package parquetio

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/lake"
)

// rowEncoder turns rows of Arrow records into Parquet rows of the schema
// parquetSchema gives for the same columns. Every column has exactly one
// leaf, so column c's values carry column index c.
type rowEncoder struct {
	columns   []lake.Column
	layout    string
	precision string // of FIXED_LEN_BYTE_ARRAY vectors: "" (f32), f16 or i8
	flba      []byte // scratch for FIXED_LEN_BYTE_ARRAY vectors
	rows      int64  // rows encoded before this one, for errors
}

// appendElems appends v's elements in the encoder's precision; a value
// the precision cannot hold (beyond F16's range, outside [-1, 1] for I8,
// NaN for I8) is an error naming the element, since storing it would
// change it.
func (e *rowEncoder) appendElems(dst []byte, col string, row int64, v []float32) ([]byte, error) {
	for k, f := range v {
		switch e.precision {
		case PrecisionF16:
			h := float16.New(f)
			if math.IsInf(float64(h.Float32()), 0) && !math.IsInf(float64(f), 0) {
				return dst, fmt.Errorf("column %q, row %d, element %d: %g is beyond half precision's range (±65504); vector_precision = 'f16' cannot store it", col, row, k, f)
			}
			dst = binary.LittleEndian.AppendUint16(dst, h.Uint16())
		case PrecisionI8:
			if !(f >= -1 && f <= 1) {
				return dst, fmt.Errorf("column %q, row %d, element %d: %g is outside [-1, 1], which vector_precision = 'i8' stores (as q/127); normalise the vectors or use 'f16'", col, row, k, f)
			}
			dst = append(dst, byte(int8(math.Round(float64(f)*127))))
		default:
			dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
		}
	}
	return dst, nil
}

// roundTrip replaces v's elements by what the encoder's precision keeps
// of them (values it refuses are left; appendElems fails on them).
func (e *rowEncoder) roundTrip(v []float32) {
	for k, f := range v {
		switch e.precision {
		case PrecisionF16:
			v[k] = float16.New(f).Float32()
		case PrecisionI8:
			if f >= -1 && f <= 1 {
				v[k] = float32(int8(math.Round(float64(f)*127))) / 127
			}
		}
	}
}

// appendRow appends row i of rec's columns at cols (the positions of the
// encoder's columns in rec) to dst.
func (e *rowEncoder) appendRow(dst parquet.Row, rec arrow.RecordBatch, cols []int, i int) (parquet.Row, error) {
	for c, col := range e.columns {
		a := rec.Column(cols[c])
		opt := 0 // the definition level a present optional column adds
		if !col.NotNull {
			opt = 1
		}
		if a.IsNull(i) {
			if col.NotNull {
				return dst, fmt.Errorf("column %q is NOT NULL but row %d is NULL", col.Name, i)
			}
			dst = append(dst, parquet.Value{}.Level(0, 0, c))
			continue
		}
		switch col.Type.Kind {
		case lake.KindVector:
			x := a.(*array.FixedSizeList)
			n := col.Type.Dim
			vals := x.ListValues().(*array.Float32).Float32Values()
			lo := (x.Offset() + i) * n
			v := vals[lo : lo+n]
			if e.layout == VectorFixedLenByteArray {
				var err error
				if e.flba, err = e.appendElems(e.flba[:0], col.Name, e.rows, v); err != nil {
					return dst, err
				}
				dst = append(dst, parquet.FixedLenByteArrayValue(append([]byte(nil), e.flba...)).Level(0, opt, c))
				continue
			}
			for k, f := range v {
				dst = append(dst, parquet.FloatValue(f).Level(min(k, 1), opt+1, c))
			}
		case lake.KindArray:
			x := a.(*array.List)
			lo, hi := x.ValueOffsets(i)
			if lo == hi {
				dst = append(dst, parquet.Value{}.Level(0, opt, c))
				continue
			}
			elems := x.ListValues()
			for k := lo; k < hi; k++ {
				rep := 0
				if k > lo {
					rep = 1
				}
				if elems.IsNull(int(k)) {
					dst = append(dst, parquet.Value{}.Level(rep, opt+1, c))
					continue
				}
				dst = append(dst, scalarValue(elems, int(k)).Level(rep, opt+2, c))
			}
		default:
			dst = append(dst, scalarValue(a, i).Level(0, opt, c))
		}
	}
	return dst, nil
}

// scalarValue is row i of a as a Parquet value of its physical type.
func scalarValue(a arrow.Array, i int) parquet.Value {
	switch x := a.(type) {
	case *array.String:
		return parquet.ByteArrayValue([]byte(x.Value(i)))
	case *array.Int16:
		return parquet.Int32Value(int32(x.Value(i)))
	case *array.Int32:
		return parquet.Int32Value(x.Value(i))
	case *array.Int64:
		return parquet.Int64Value(x.Value(i))
	case *array.Float32:
		return parquet.FloatValue(x.Value(i))
	case *array.Float64:
		return parquet.DoubleValue(x.Value(i))
	case *array.Boolean:
		return parquet.BooleanValue(x.Value(i))
	case *array.Timestamp:
		return parquet.Int64Value(int64(x.Value(i)))
	case *array.Date32:
		return parquet.Int32Value(int32(x.Value(i)))
	case *array.FixedSizeBinary:
		return parquet.FixedLenByteArrayValue(append([]byte(nil), x.Value(i)...))
	}
	return parquet.Value{}
}
