package storeio_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/store"
)

// The test binary is its own Beam worker when Prism starts it in a PROCESS
// environment.
func TestMain(m *testing.M) {
	if runners.IsWorker(os.Args[1:]) {
		os.Exit(runners.RunWorker(os.Args[1:]))
	}
	os.Exit(m.Run())
}

var docSchema = lake.Schema{Columns: []lake.Column{
	{Name: "id", Type: lake.BigInt, NotNull: true},
	{Name: "title", Type: lake.Text},
	{Name: "embedding", Type: lake.Vector(4)},
}}

// docVector is row id's vector: distinct, so a search for it finds it.
func docVector(id int64) []float32 {
	return []float32{float32(id%97) + 1, float32(id%89) + 1, float32(id % 7), float32(id)/1000 + 1}
}

// genFn is a program's own source: batch i holds rows [i*Per, (i+1)*Per),
// with a distinct origin per batch. Ids divisible by FailAt's value (when
// not 0) fail the pipeline. With Pause, the batch PauseAfter waits that
// long after it is emitted, so that the job is seen running with rows.
type genFn struct {
	Schema     lake.Schema
	Per        int64
	Prefix     string
	FailAt     int64
	PauseAfter int64
	Pause      time.Duration
}

func (fn *genFn) ProcessElement(i int64, emit func(lake.Batch)) error {
	var rows [][]any
	for id := i * fn.Per; id < (i+1)*fn.Per; id++ {
		if fn.FailAt > 0 && id == fn.FailAt {
			return fmt.Errorf("the program's source fails at id %d", id)
		}
		rows = append(rows, []any{id, fmt.Sprintf("%s %d", fn.Prefix, id), docVector(id)})
	}
	rec, err := lake.NewRecord(fn.Schema, rows)
	if err != nil {
		return err
	}
	emit(lake.Batch{Origin: lake.Origin{Object: "generated", ObjectIndex: int(i), FirstRow: i * fn.Per}, Record: rec})
	if i == fn.PauseAfter {
		time.Sleep(fn.Pause)
	}
	return nil
}

func init() { register.DoFn2x1[int64, func(lake.Batch), error](&genFn{}) }

// write runs one job of n batches of per rows into table and commits it.
func write(t *testing.T, st *store.Store, runner, table string, schema lake.Schema, o storeio.Options, n, per int64, prefix string, failAt int64) (storeio.Result, error) {
	t.Helper()
	return writePaused(t, st, runner, table, schema, o, n, per, prefix, failAt, 0)
}

// writePaused is write with a pause after the first batch.
func writePaused(t *testing.T, st *store.Store, runner, table string, schema lake.Schema, o storeio.Options, n, per int64, prefix string, failAt int64, pause time.Duration) (storeio.Result, error) {
	t.Helper()
	ctx, started := context.Background(), time.Now()
	target, err := storeio.Open(ctx, st, table, schema, o)
	if err != nil {
		return storeio.Result{}, err
	}
	defer func() {
		if err := target.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if entries, _ := os.ReadDir(filepath.Join(target.Staging, target.Job)); len(entries) > 0 {
			t.Errorf("job %s left %d staged objects", target.Job, len(entries))
		}
	}()
	p, s := beam.NewPipelineWithRoot()
	var ids []int64
	for i := range n {
		ids = append(ids, i)
	}
	batches := beam.ParDo(s, &genFn{Schema: schema, Per: per, Prefix: prefix, FailAt: failAt, Pause: pause}, beam.CreateList(s, ids))
	storeio.Write(s, target, batches, beam.PCollection{})
	ro := runners.Options{Runner: runner}
	if runner == "prism" {
		ro.Environment = "process"
	}
	if err := runners.Execute(ctx, p, ro); err != nil {
		target.Fail(err)
		return storeio.Result{}, err
	}
	return storeio.Commit(ctx, st, target, ro.Name(), started)
}

// A program's own batches go into a new table, keyed or keyless, with an
// index the workers build: every row reads back with its values, the
// index finds every row by its vector, and the job record and commit are
// the job's; on direct and Prism with worker processes.
func TestWriteProgramBatches(t *testing.T) {
	for _, runner := range []string{"direct", "prism"} {
		for _, keyed := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/keyed=%v", runner, keyed), func(t *testing.T) {
				st, err := store.Open(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				schema := docSchema
				if keyed {
					schema.PrimaryKey = []string{"id"}
				}
				var mu sync.Mutex
				var seen []progress.Status
				o := storeio.Options{BuildIndexes: true, IndexType: indexes.HNSW, IndexMetric: "l2",
					Progress: func(s progress.Status) { mu.Lock(); seen = append(seen, s); mu.Unlock() }}
				const n, per = 6, 500
				res, err := writePaused(t, st, runner, "docs", schema, o, n, per, "doc", 0, 1500*time.Millisecond)
				if err != nil {
					t.Fatal(err)
				}
				checkProgress(t, st, res, seen, n*per)
				if res.Rows != n*per || !res.Created || res.Commit != st.Head() {
					t.Fatalf("result %+v, head %d", res, st.Head())
				}
				if len(res.Indexes) != 1 || !res.Indexes[0].ByWorkers {
					t.Errorf("indexes %+v: want one built by the workers", res.Indexes)
				}
				ids := map[int64]bool{}
				err = st.Scan("docs", st.Head(), func(r store.Row) error {
					id := r[0].(int64)
					if r[1] != fmt.Sprintf("doc %d", id) || fmt.Sprint(r[2]) != fmt.Sprint(docVector(id)) || ids[id] {
						return fmt.Errorf("row %v", r)
					}
					ids[id] = true
					return nil
				})
				if err != nil || len(ids) != n*per {
					t.Fatalf("%d rows read back: %v", len(ids), err)
				}
				ti, err := st.Table("docs", st.Head())
				if err != nil || len(ti.Indexes) != 1 {
					t.Fatalf("table %+v: %v", ti, err)
				}
				v := st.View(st.Head())
				defer v.Close()
				for _, id := range []int64{0, 1, 777, n*per - 1} {
					rows, plan, err := indexes.Search(st, v, ti, ti.Indexes[0], docVector(id), 1, indexes.SearchParams{"hnsw_ef_search": 400}, func(r store.Row) bool { return r[0].(int64) == id })
					if err != nil || len(rows) != 1 || rows[0][0].(int64) != id || !strings.HasPrefix(plan, "index ") {
						t.Errorf("search for %d: %v (plan %q, %v)", id, rows, plan, err)
					}
				}
				jobs, err := st.Jobs()
				if err != nil || len(jobs) != 1 || jobs[0].ID != res.Job || jobs[0].Rows != n*per || jobs[0].Commit != res.Commit || jobs[0].Table != "docs" {
					t.Errorf("job records %+v: %v", jobs, err)
				}
			})
		}
	}
}

// checkProgress checks what a committed job published: to Progress, a
// running status with some of its rows staged (the workers' counts, read
// from other processes on Prism) before the end, and at the end, as in its
// status file, committed with every row.
func checkProgress(t *testing.T, st *store.Store, res storeio.Result, seen []progress.Status, rows int64) {
	t.Helper()
	live := false
	for _, s := range seen[:max(len(seen)-1, 0)] {
		if s.Job != res.Job || s.State != "running" && s.State != "committing" {
			t.Errorf("status before the end %+v", s)
		}
		live = live || s.State == "running" && s.Rows > 0
	}
	if !live {
		t.Errorf("no running status showed staged rows in %d statuses", len(seen))
	}
	if len(seen) == 0 || seen[len(seen)-1].State != "committed" || seen[len(seen)-1].Rows != rows {
		t.Fatalf("last status %+v, want committed with %d rows", seen[len(seen)-1:], rows)
	}
	all, err := progress.Read(storeio.StatusDir(st))
	if err != nil {
		t.Fatal(err)
	}
	var file *progress.Status
	for i := range all {
		if all[i].Job == res.Job {
			file = &all[i]
		}
	}
	if file == nil || file.State != "committed" || file.Rows != rows || file.Table != res.Table {
		t.Errorf("status file %+v, want committed with %d rows", file, rows)
	}
}

// Upsert takes the last row for a key; a second write of other titles
// replaces the first's rows without adding any.
func TestWriteUpsert(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	schema := docSchema
	schema.PrimaryKey = []string{"id"}
	if _, err := write(t, st, "direct", "docs", schema, storeio.Options{}, 4, 100, "first", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := write(t, st, "direct", "docs", schema, storeio.Options{Mode: sinks.Upsert}, 2, 100, "second", 0); err != nil {
		t.Fatal(err)
	}
	titles := map[string]int{}
	if err := st.Scan("docs", st.Head(), func(r store.Row) error {
		titles[strings.Fields(r[1].(string))[0]]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if titles["first"] != 200 || titles["second"] != 200 {
		t.Errorf("titles %v", titles)
	}
}

// A pipeline that fails commits nothing and leaves no staging; a table of
// other columns and a keyed mode on a keyless table are refused at Open.
func TestWriteFailuresCommitNothing(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := write(t, st, "direct", "docs", docSchema, storeio.Options{}, 3, 100, "doc", 0); err != nil {
		t.Fatal(err)
	}
	head := st.Head()
	if _, err := write(t, st, "direct", "docs", docSchema, storeio.Options{}, 3, 100, "doc", 150); err == nil || !strings.Contains(err.Error(), "fails at id 150") {
		t.Fatalf("a failing source: %v", err)
	}
	if st.Head() != head {
		t.Errorf("a failed job moved the head from %d to %d", head, st.Head())
	}
	all, err := progress.Read(storeio.StatusDir(st))
	if err != nil || len(all) != 2 {
		t.Fatalf("%d status files: %v", len(all), err)
	}
	failed := 0
	for _, s := range all {
		if s.State == "failed" && strings.Contains(s.Error, "fails at id 150") {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("statuses %+v: want one failed with the source's error", all)
	}
	// A job closed without a commit is recorded as failed, and commits nothing.
	target, err := storeio.Open(context.Background(), st, "docs", docSchema, storeio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	target.Close()
	if s, err := progress.Read(storeio.StatusDir(st)); err != nil || !slices.ContainsFunc(s, func(s progress.Status) bool {
		return s.Job == target.Job && s.State == "failed" && s.Error == storeio.ErrNotCommitted.Error()
	}) {
		t.Errorf("statuses %+v: want %s failed without a commit (%v)", s, target.Job, err)
	}
	if n, _ := st.Count("docs", st.Head()); n != 300 {
		t.Errorf("%d rows after the failed job, want 300", n)
	}
	other := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt}}}
	if _, err := storeio.Open(context.Background(), st, "docs", other, storeio.Options{}); err == nil || !strings.Contains(err.Error(), "the batches are") {
		t.Errorf("another schema: %v", err)
	}
	if _, err := storeio.Open(context.Background(), st, "docs", docSchema, storeio.Options{Mode: sinks.Upsert}); err == nil || !strings.Contains(err.Error(), "no primary key") {
		t.Errorf("upsert into a keyless table: %v", err)
	}
}
