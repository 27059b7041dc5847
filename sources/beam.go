package sources

import (
	"context"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	_ "github.com/lakelink/lakelink/internal/beamlake"
	"github.com/lakelink/lakelink/lake"
)

// Split is one unit of reading: one row group of one object. An import
// fans out over splits, so a large file is read by many workers and never
// held in memory whole.
type Split struct {
	Object      Object   `json:"object"`
	ObjectIndex int      `json:"object_index"`
	RowGroup    int      `json:"row_group"`
	Columns     []string `json:"columns"` // columns read from the file
	BatchRows   int      `json:"batch_rows"`
	// Partitions are appended to every batch as constant columns.
	Partitions []PartitionValue `json:"partitions,omitempty"`
}

// Splits opens each object's footer and returns one split per row group,
// in input order. parts, when set, holds each object's partition values.
func Splits(ctx context.Context, objs []Object, columns []string, batchRows int, parts [][]PartitionValue) ([]Split, error) {
	var out []Split
	for i, o := range objs {
		var pv []PartitionValue
		if parts != nil {
			pv = parts[i]
		}
		f, err := OpenParquet(ctx, o)
		if err != nil {
			return nil, err
		}
		if _, err := f.Select(columns); err != nil {
			f.Close()
			return nil, err
		}
		for rg := 0; rg < f.NumRowGroups(); rg++ {
			out = append(out, Split{Object: f.Object, ObjectIndex: i, RowGroup: rg, Columns: columns, BatchRows: batchRows, Partitions: pv})
		}
		f.Close()
	}
	return out, nil
}

// ReadParquet reads the given splits into batches. It is the source of every
// import pipeline:
//
//	batches := sources.ReadParquet(s, splits)
func ReadParquet(s beam.Scope, splits []Split) beam.PCollection {
	s = s.Scope("sources.ReadParquet")
	if len(splits) == 0 {
		return beam.CreateList(s, []lake.Batch{})
	}
	return beam.ParDo(s, &readSplitFn{}, beam.CreateList(s, splits))
}

type readSplitFn struct{}

func (fn *readSplitFn) ProcessElement(ctx context.Context, sp Split, emit func(lake.Batch)) error {
	f, err := OpenParquet(ctx, sp.Object)
	if err != nil {
		return err
	}
	defer f.Close()
	cols, err := f.Select(sp.Columns)
	if err != nil {
		return err
	}
	return f.ReadRowGroup(sp.RowGroup, cols, sp.BatchRows, sp.ObjectIndex, func(b lake.Batch) error {
		rec, err := withPartitions(b.Record, sp.Partitions)
		if err != nil {
			return fmt.Errorf("object %s: %w", sp.Object.Name, err)
		}
		b.Record = rec
		emit(b)
		return nil
	})
}

func init() {
	register.DoFn3x1[context.Context, Split, func(lake.Batch), error](&readSplitFn{})
	register.Emitter1[lake.Batch]()
}
