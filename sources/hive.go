package sources

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
)

// withPartitions appends one constant column per partition value to rec.
func withPartitions(rec arrow.RecordBatch, parts []objstore.PartitionValue) (arrow.RecordBatch, error) {
	if len(parts) == 0 {
		return rec, nil
	}
	n := int(rec.NumRows())
	fields := append([]arrow.Field(nil), rec.Schema().Fields()...)
	cols := append([]arrow.Array(nil), rec.Columns()...)
	for _, p := range parts {
		col := lake.Column{Name: p.Name, Type: p.Type}
		v, err := p.Typed()
		if err != nil {
			return nil, fmt.Errorf("partition %s=%s: %w", p.Name, p.Value, err)
		}
		b := array.NewBuilder(memory.DefaultAllocator, p.Type.ArrowType())
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if err := lake.AppendValue(b, p.Type, v); err != nil {
				b.Release()
				return nil, err
			}
		}
		fields = append(fields, col.Field())
		cols = append(cols, b.NewArray())
		b.Release()
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n)), nil
}
