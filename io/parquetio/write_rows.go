package parquetio

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/lake"
)

// rowEncoder turns rows of Arrow records into Parquet rows of the schema
// parquetSchema gives for the same columns. Every column has exactly one
// leaf, so column c's values carry column index c.
type rowEncoder struct {
	columns []lake.Column
	layout  string
	flba    []byte // scratch for FIXED_LEN_BYTE_ARRAY vectors
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
				e.flba = e.flba[:0]
				for _, f := range v {
					e.flba = binary.LittleEndian.AppendUint32(e.flba, math.Float32bits(f))
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
