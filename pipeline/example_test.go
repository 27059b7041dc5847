package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// dropOdd is a step of a program's own between the import's steps: it
// keeps the documents with an even id.
type dropOdd struct{}

func (*dropOdd) ProcessElement(b lake.Batch, emit func(lake.Batch)) {
	ids := b.Record.Column(0)
	for i := 0; i < int(b.Record.NumRows()); i++ {
		if lake.ValueAt(ids, i).(int64)%2 == 0 {
			out := b
			out.Origin.FirstRow += int64(i)
			out.Record = b.Record.NewSlice(int64(i), int64(i+1))
			emit(out)
		}
	}
}

func init() { register.DoFn2x0[lake.Batch, func(lake.Batch)](&dropOdd{}) }

// RunComposed runs a pipeline the program builds from the import's
// steps, with a step of its own, as COPY runs: one job, one commit.
func ExampleRunComposed() {
	dir, _ := os.MkdirTemp("", "lakelink-example-")
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "docs.parquet")
	_ = fixtures.WriteDocuments(data, fixtures.Documents{Rows: 100, Dim: 4})
	st, _ := store.Open(filepath.Join(dir, "store"))
	defer st.Close()

	opts := pipeline.DefaultImportOptions()
	opts.PrimaryKey = []string{"id"}
	im := pipeline.Import{Sources: []string{data}, Table: "docs", Columns: []string{"id", "title"}, Options: opts}
	res, err := pipeline.RunComposed(context.Background(), st, im, runners.Options{}, func(s beam.Scope, p *pipeline.Plan) {
		batches, rejected, stats := p.Source(s)
		mapped, dead := p.Map(s, batches)
		p.Sink(s, beam.ParDo(s, &dropOdd{}, mapped), stats, rejected, dead)
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Rows, "rows in commit", res.Commit)
	// Output:
	// 50 rows in commit 1
}
