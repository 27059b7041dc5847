package sources_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/sources"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// rowsSeen counts the rows countRows saw (the direct runner runs it in
// this process).
var rowsSeen atomic.Int64

type countRows struct{}

func (*countRows) ProcessElement(b lake.Batch) { rowsSeen.Add(b.Record.NumRows()) }

func init() { register.DoFn1x0[lake.Batch](&countRows{}) }

// Read is the source of a pipeline: objects matched by a glob, in the
// format ReadOptions names, as batches of rows; here two Parquet files in
// Hive folders, of which a filter on the partition keeps one.
func ExampleRead() {
	dir, _ := os.MkdirTemp("", "sources-example-")
	defer os.RemoveAll(dir)
	for i, year := range []string{"2024", "2025"} {
		path := filepath.Join(dir, "year="+year, "docs.parquet")
		os.MkdirAll(filepath.Dir(path), 0o755)
		_ = fixtures.WriteDocuments(path, fixtures.Documents{Rows: 300 + 100*i, Dim: 4, RowGroupRows: 128})
	}
	pats, _ := objstore.Patterns(objstore.Options{}, dir+"/**/*.parquet")
	parts, _, _ := objstore.InferPartitions(context.Background(), pats, []string{"year"}) // year BIGINT
	year2025 := &filter.Expr{Op: filter.OpCmp, Column: "year", Cmp: "=", Values: []filter.Value{filter.Int(2025)}}

	before := objstore.ObjectsOpened()
	p, s := beam.NewPipelineWithRoot()
	batches, _, _ := sources.Read(s, sources.ReadOptions{Job: "example", Format: "parquet", Patterns: pats,
		Columns: []string{"id", "title"}, Partitions: parts, Filter: year2025})
	beam.ParDo0(s, &countRows{}, batches)
	if err := runners.Execute(context.Background(), p, runners.Options{Runner: "direct"}); err != nil {
		fmt.Println(err)
		return
	}
	// The 2024 file is never opened: one footer and four row groups of
	// the 2025 file are.
	fmt.Println(rowsSeen.Load(), "rows,", objstore.ObjectsOpened()-before, "openings")
	// Output:
	// 400 rows, 5 openings
}
