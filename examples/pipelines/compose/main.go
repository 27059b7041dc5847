// Compose imports Parquet documents through a pipeline of its own: the
// import's source and mapping, then a step of the program's (it drops
// every tenth document and derives title_len, the length of the title),
// then the store's sink. pipeline.RunComposed runs it as COPY runs its
// own: a job record with progress, index parts built in the workers,
// graph checks, the error table, one commit.
//
//	go run ./examples/pipelines/compose [-source 'lake/docs/*.parquet'] [-store DIR] [-runner prism]
//
// Without -source it imports sample documents that it writes itself.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// Table is the table the program fills: the documents' columns and the
// one it derives. Its HNSW index is built by the workers during the import.
const Table = `CREATE TABLE docs (id BIGINT PRIMARY KEY, title TEXT, title_len BIGINT, embedding VECTOR(8));
CREATE INDEX docs_embedding ON docs USING hnsw (embedding)`

func main() {
	if runners.IsWorker(os.Args[1:]) { // Prism's worker processes run this binary
		os.Exit(runners.RunWorker(os.Args[1:]))
	}
	source := flag.String("source", "", "the Parquet documents to import (a path, glob or bucket URL)")
	dir := flag.String("store", "./lakelink-data", "the store")
	runner := flag.String("runner", "direct", "direct or prism")
	env := flag.String("environment-type", "", "prism's worker environment: loopback or process")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: compose [-source PATTERN] [-store DIR] [-runner direct|prism] [-environment-type loopback|process]\n\n"+
			"Without -source it writes 2,000 sample documents (8-dimensional embeddings, three bad vectors) to a temporary folder and imports those.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(os.Stdout, *source, *dir, runners.Options{Runner: *runner, Environment: *env}); err != nil {
		fmt.Fprintln(os.Stderr, "compose:", err)
		os.Exit(1)
	}
}

// run imports source (sample documents when it is empty) into the store
// at dir and writes the result to w, only when the import succeeded.
func run(w io.Writer, source, dir string, ro runners.Options) error {
	if source == "" {
		tmp, err := os.MkdirTemp("", "lakelink-compose-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		source = filepath.Join(tmp, "docs.parquet")
		if err := fixtures.WriteDocuments(source, fixtures.Documents{Rows: 2000, Dim: 8, RowGroupRows: 500, BadVectorRows: []int{7, 333, 1001}}); err != nil {
			return fmt.Errorf("writing sample documents: %w", err)
		}
		fmt.Fprintf(w, "no -source: importing 2,000 sample documents from %s\n", source)
	}
	st, err := store.Open(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := Run(context.Background(), st, source, ro)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d rows into docs in commit %d (job %s), %d rejected\n", res.Rows, res.Commit, res.Job, res.Errors)
	return nil
}

// Run imports source into docs through the program's own step.
func Run(ctx context.Context, st *store.Store, source string, ro runners.Options) (pipeline.ImportResult, error) {
	if _, err := st.Table("docs", st.Head()); err != nil { // a new store: make the table
		s := &engine.Session{Store: st, Runner: ro}
		if _, err := s.Exec(ctx, Table); err != nil {
			return pipeline.ImportResult{}, err
		}
	}
	opts := pipeline.DefaultImportOptions()
	opts.OnError, opts.ErrorTable = "continue", "import_errors"
	im := pipeline.Import{Sources: []string{source}, Table: "docs", Options: opts,
		Statement: "compose: " + source}
	return pipeline.RunComposed(ctx, st, im, ro, func(s beam.Scope, p *pipeline.Plan) {
		batches, rejected, stats := p.Source(s)
		mapped, dead := p.Map(s, batches)
		kept := beam.ParDo(s, &keepAndMeasure{}, mapped)
		p.Sink(s, kept, stats, rejected, dead)
	})
}

// keepAndMeasure drops the documents whose id is a multiple of ten and
// sets title_len to the title's length in characters. Its batches have the
// table's schema, title_len NULL until it sets it.
type keepAndMeasure struct{}

func (*keepAndMeasure) ProcessElement(b lake.Batch, emit func(lake.Batch)) error {
	rec := b.Record
	schema := rec.Schema()
	id := rec.Column(schema.FieldIndices("id")[0]).(*array.Int64)
	title := rec.Column(schema.FieldIndices("title")[0]).(*array.String)
	lenCol := schema.FieldIndices("title_len")[0]
	// Runs of kept rows stay batches of their own, their origin moved to
	// their first row, so errors and order still name source rows.
	for lo := 0; lo < int(rec.NumRows()); {
		if id.Value(lo)%10 == 0 {
			lo++
			continue
		}
		hi := lo
		lens := array.NewInt64Builder(memory.DefaultAllocator)
		for ; hi < int(rec.NumRows()) && id.Value(hi)%10 != 0; hi++ {
			if title.IsNull(hi) {
				lens.AppendNull()
			} else {
				lens.Append(int64(utf8.RuneCountInString(title.Value(hi))))
			}
		}
		cols := make([]arrow.Array, rec.NumCols())
		for c := range cols {
			if c == lenCol {
				cols[c] = lens.NewArray()
			} else {
				cols[c] = array.NewSlice(rec.Column(c), int64(lo), int64(hi))
			}
		}
		lens.Release()
		out := b
		out.Origin.FirstRow += int64(lo)
		out.Record = array.NewRecordBatch(schema, cols, int64(hi-lo))
		emit(out)
		lo = hi
	}
	return nil
}

func init() {
	register.DoFn2x1[lake.Batch, func(lake.Batch), error](&keepAndMeasure{})
	register.Emitter1[lake.Batch]()
}
