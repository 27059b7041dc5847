package lake

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/uuid"
)

// NewRecord builds an Arrow record of schema from Go values, one []any per
// row, with the Go types documented on store.Row (ints may be any Go int
// type, UUIDs uuid.UUID or [16]byte, vectors []float32). It is meant for
// tests and small inputs; pipelines build records column by column.
func NewRecord(schema Schema, rows [][]any) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema.Arrow())
	defer b.Release()
	for r, row := range rows {
		if len(row) != len(schema.Columns) {
			return nil, fmt.Errorf("row %d has %d values, schema has %d columns", r, len(row), len(schema.Columns))
		}
		for c, v := range row {
			if err := AppendValue(b.Field(c), schema.Columns[c].Type, v); err != nil {
				return nil, fmt.Errorf("row %d, column %q: %w", r, schema.Columns[c].Name, err)
			}
		}
	}
	return b.NewRecordBatch(), nil
}

// AppendValue appends one Go value of logical type t to an Arrow builder
// made for t.ArrowType().
func AppendValue(b array.Builder, t Type, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	bad := func() error { return fmt.Errorf("cannot append %T as %s", v, t) }
	switch bb := b.(type) {
	case *array.StringBuilder:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		bb.Append(s)
	case *array.Int16Builder:
		n, ok := asInt(v)
		if !ok {
			return bad()
		}
		bb.Append(int16(n))
	case *array.Int32Builder:
		n, ok := asInt(v)
		if !ok {
			return bad()
		}
		bb.Append(int32(n))
	case *array.Int64Builder:
		n, ok := asInt(v)
		if !ok {
			return bad()
		}
		bb.Append(n)
	case *array.Float32Builder:
		switch x := v.(type) {
		case float32:
			bb.Append(x)
		case float64:
			bb.Append(float32(x))
		default:
			return bad()
		}
	case *array.Float64Builder:
		switch x := v.(type) {
		case float32:
			bb.Append(float64(x))
		case float64:
			bb.Append(x)
		default:
			return bad()
		}
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		if !ok {
			return bad()
		}
		bb.Append(x)
	case *array.TimestampBuilder:
		x, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		bb.Append(arrow.Timestamp(x.UnixMicro()))
	case *array.Date32Builder:
		x, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		bb.Append(arrow.Date32FromTime(x))
	case *array.FixedSizeBinaryBuilder:
		switch x := v.(type) {
		case uuid.UUID:
			bb.Append(x[:])
		case [16]byte:
			bb.Append(x[:])
		default:
			return bad()
		}
	case *array.FixedSizeListBuilder:
		x, ok := v.([]float32)
		if !ok {
			return bad()
		}
		if len(x) != t.Dim {
			return fmt.Errorf("vector has dimension %d, expected %d", len(x), t.Dim)
		}
		bb.Append(true)
		bb.ValueBuilder().(*array.Float32Builder).AppendValues(x, nil)
	case *array.ListBuilder:
		x, ok := v.([]any)
		if !ok {
			return bad()
		}
		bb.Append(true)
		for _, e := range x {
			if err := AppendValue(bb.ValueBuilder(), t.ElemType(), e); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("no builder for %s", t)
	}
	return nil
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}
