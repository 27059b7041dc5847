package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

func TestMain(m *testing.M) {
	if runners.IsWorker(os.Args[1:]) { // Prism's PROCESS workers run this test binary
		os.Exit(runners.RunWorker(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// equivalent is the row the program's step makes of a document, as a
// file that a plain COPY reads: every tenth document left out, title_len
// written in.
type equivalent struct {
	ID        int64     `parquet:"id"`
	Title     string    `parquet:"title"`
	TitleLen  int64     `parquet:"title_len"`
	Embedding []float32 `parquet:"embedding,list"`
}

func writeEquivalent(t *testing.T, src, dst string) {
	t.Helper()
	f, err := parquetio.Open(context.Background(), objstore.Object{Bucket: filepath.Dir(src), Key: filepath.Base(src), Name: src})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cols, err := f.Select([]string{"id", "title", "embedding"})
	if err != nil {
		t.Fatal(err)
	}
	var rows []equivalent
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		err := f.ReadRowGroup(rg, cols, 1000, 0, func(b lake.Batch) error {
			for i := 0; i < int(b.Record.NumRows()); i++ {
				id := lake.ValueAt(b.Record.Column(0), i).(int64)
				if id%10 == 0 {
					continue
				}
				title := lake.ValueAt(b.Record.Column(1), i).(string)
				var emb []float32
				for _, v := range lake.ValueAt(b.Record.Column(2), i).([]any) {
					emb = append(emb, v.(float32))
				}
				rows = append(rows, equivalent{id, title, int64(utf8.RuneCountInString(title)), emb})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := parquet.WriteFile(dst, rows); err != nil {
		t.Fatal(err)
	}
}

// outcome is what an import leaves that a user sees.
type outcome struct {
	digest   string
	searches []string // ids and distances of a few top-5 searches
	errors   []string // the error table: column, reason, value (rows differ: one input skips rows)
	job      string   // the job's status row: status, phase, percent, rows, errors
	rows     int64
	rejected int64
}

func observe(t *testing.T, st *store.Store, res pipeline.ImportResult) outcome {
	t.Helper()
	ctx := context.Background()
	s := &engine.Session{Store: st}
	var o outcome
	var err error
	if o.digest, err = st.Digest("docs", st.Head()); err != nil {
		t.Fatal(err)
	}
	for _, q := range [][]float32{{1, 0, 0, 0, 0, 0, 0, 0}, {0.5, -1, 2, 0, 1, 1, -0.5, 3}, {0, 0, 0, 1, 1, 0, 0, 0}} {
		r, err := s.Search(ctx, engine.Search{Table: "docs", Column: "embedding", Query: q, K: 5, Columns: []string{"id"}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r.Plan, "index") {
			t.Errorf("search plan %q: the index built in the workers was not used", r.Plan)
		}
		o.searches = append(o.searches, fmt.Sprint(r.Rows))
	}
	errs, err := s.Exec(ctx, "SELECT column, reason, value FROM import_errors")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range errs[0].Rows {
		o.errors = append(o.errors, fmt.Sprint(r...))
	}
	slices.Sort(o.errors)
	job, err := s.Exec(ctx, "SELECT status, phase, percent, rows_imported, errors FROM lakelink_import_status WHERE job_id = '"+res.Job+"'")
	if err != nil || len(job[0].Rows) != 1 {
		t.Fatalf("job %s: %v %v", res.Job, job, err)
	}
	o.job = fmt.Sprint(job[0].Rows[0]...)
	o.rows, o.rejected = res.Rows, res.Errors
	return o
}

// The program's pipeline (source, mapping, its own step, sink) and a COPY
// of what that step makes leave the same table, index answers, error
// table, job record and counts, on the direct runner and on Prism with
// workers in other processes.
func TestComposedEqualsCopy(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(src, fixtures.Documents{Rows: 1500, Dim: 8, RowGroupRows: 400, BadVectorRows: []int{7, 333, 1001}}); err != nil {
		t.Fatal(err)
	}
	eq := filepath.Join(dir, "equivalent.parquet")
	writeEquivalent(t, src, eq)
	for _, ro := range []runners.Options{{Runner: "direct"}, {Runner: "prism", Environment: "process"}} {
		t.Run(ro.Runner+ro.Environment, func(t *testing.T) {
			ctx := context.Background()
			composed, err := store.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer composed.Close()
			res, err := Run(ctx, composed, src, ro)
			if err != nil {
				t.Fatal(err)
			}
			// The workers built the index parts; the commit only stored them.
			if len(res.Indexes) != 1 || !res.Indexes[0].ByWorkers || res.Indexes[0].Parts == 0 {
				t.Errorf("composed run's indexes %+v: want docs_embedding built by the workers", res.Indexes)
			}
			got := observe(t, composed, res)

			copied, err := store.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer copied.Close()
			s := &engine.Session{Store: copied, Runner: ro}
			if _, err := s.Exec(ctx, Table); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Exec(ctx, "COPY FROM '"+eq+"' INTO docs WITH (on_error = 'continue', error_table = 'import_errors')"); err != nil {
				t.Fatal(err)
			}
			job, err := s.Exec(ctx, "SELECT job_id FROM lakelink_import_status")
			if err != nil || len(job[0].Rows) != 1 {
				t.Fatalf("COPY's job: %v %v", job, err)
			}
			want := observe(t, copied, pipeline.ImportResult{Job: job[0].Rows[0][0].(string), Rows: got.rows, Errors: got.rejected})
			if got.rows != 1347 || got.rejected != 3 {
				t.Errorf("composed: %d rows, %d rejected; want 1347 and 3", got.rows, got.rejected)
			}
			for _, c := range []struct{ what, a, b string }{
				{"digest", got.digest, want.digest},
				{"searches", strings.Join(got.searches, "; "), strings.Join(want.searches, "; ")},
				{"error table", strings.Join(got.errors, "; "), strings.Join(want.errors, "; ")},
				{"job record", got.job, want.job},
			} {
				if c.a != c.b {
					t.Errorf("%s: composed %s\n COPY %s", c.what, c.a, c.b)
				}
			}
		})
	}
}

// passThrough is a step that changes nothing: what a composed import into
// an edge table adds to COPY is only the program's own pipeline.
type passThrough struct{}

func (*passThrough) ProcessElement(b lake.Batch, emit func(lake.Batch)) { emit(b) }

func init() { register.DoFn2x0[lake.Batch, func(lake.Batch)](&passThrough{}) }

// A composed import into a graph's edge table checks endpoints as COPY
// does: an edge to a missing node is the same row error, and the edges,
// the error table and the degrees are equal, on direct and Prism PROCESS.
func TestComposedGraphChecksEqualCopy(t *testing.T) {
	dir := t.TempDir()
	nodes, edges := filepath.Join(dir, "n.csv"), filepath.Join(dir, "e.csv")
	os.WriteFile(nodes, []byte("id\n1\n2\n3\n4\n"), 0o644)
	os.WriteFile(edges, []byte("src,dst\n1,2\n1,3\n2,9\n3,4\n4,1\n"), 0o644)
	const graph = "CREATE GRAPH g (NODE n (id BIGINT PRIMARY KEY), EDGE e (src BIGINT REFERENCES n(id), dst BIGINT REFERENCES n(id)))"
	for _, ro := range []runners.Options{{Runner: "direct"}, {Runner: "prism", Environment: "process"}} {
		t.Run(ro.Runner+ro.Environment, func(t *testing.T) {
			ctx := context.Background()
			results := map[string]string{}
			for _, how := range []string{"composed", "copy"} {
				st, err := store.Open(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				s := &engine.Session{Store: st, Runner: ro}
				if _, err := s.Exec(ctx, graph+"; COPY FROM '"+nodes+"' INTO GRAPH g.n"); err != nil {
					t.Fatal(err)
				}
				opts := pipeline.DefaultImportOptions()
				opts.OnError, opts.ErrorTable = "continue", "import_errors"
				if how == "composed" {
					_, err = pipeline.RunComposed(ctx, st, pipeline.Import{Sources: []string{edges}, Table: "g.e", Graph: true, Options: opts}, ro,
						func(s beam.Scope, p *pipeline.Plan) {
							batches, rejected, stats := p.Source(s)
							mapped, dead := p.Map(s, batches)
							p.Sink(s, beam.ParDo(s, &passThrough{}, mapped), stats, rejected, dead)
						})
				} else {
					_, err = s.Exec(ctx, "COPY FROM '"+edges+"' INTO GRAPH g.e WITH (on_error = 'continue', error_table = 'import_errors')")
				}
				if err != nil {
					t.Fatalf("%s: %v", how, err)
				}
				d, err := st.Digest("g.e", st.Head())
				if err != nil {
					t.Fatal(err)
				}
				errs, err := s.Exec(ctx, "SELECT row, column, reason FROM import_errors; SELECT * FROM degree('g', 1, 'both')")
				if err != nil {
					t.Fatal(err)
				}
				results[how] = fmt.Sprint(d, errs[0].Rows, errs[1].Rows)
				st.Close()
			}
			if results["composed"] != results["copy"] || !strings.Contains(results["copy"], "9") {
				t.Errorf("composed %s\n     COPY %s", results["composed"], results["copy"])
			}
			t.Log(results["copy"])
		})
	}
}

// Run with no -source, the program imports sample documents of its own;
// a failing import prints no result line.
func TestProgramWithoutSourceAndOnFailure(t *testing.T) {
	var out strings.Builder
	dir := t.TempDir()
	if err := run(&out, "", dir, runners.Options{Runner: "direct"}); err != nil {
		t.Fatal(err)
	}
	// 2,000 documents, every tenth dropped by the step, three bad vectors.
	if !strings.Contains(out.String(), "1797 rows into docs") || !strings.Contains(out.String(), "3 rejected") {
		t.Errorf("output %q: want 1797 rows and 3 rejected", out.String())
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	n, err := st.Count("docs", st.Head())
	st.Close()
	if err != nil || n != 1797 {
		t.Errorf("docs holds %d rows (%v), want 1797", n, err)
	}

	out.Reset()
	err = run(&out, filepath.Join(t.TempDir(), "nothing-*.parquet"), t.TempDir(), runners.Options{Runner: "direct"})
	if err == nil || out.Len() != 0 {
		t.Errorf("a source matching nothing: error %v, output %q; want an error and no output", err, out.String())
	}
}
