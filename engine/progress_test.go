package engine_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// A second goroutine reads lakelink_import_status while a job runs and
// sees its counters rise, on the direct runner, on Prism, and on Prism
// with worker processes (whose counts reach the launcher through the
// job's staging); the Go callback gets the same figures; the final row
// says committed, with the committed counts.
func TestImportStatusWhileRunning(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 6; i++ {
		cfg := fixtures.Documents{Rows: 10000, Dim: 256, RowGroupRows: 1000, FirstID: int64(i * 10000), Seed: uint64(i)}
		if err := fixtures.WriteDocuments(filepath.Join(dir, fmt.Sprintf("part-%d.parquet", i)), cfg); err != nil {
			t.Fatal(err)
		}
	}
	for _, runner := range []string{"direct", "prism", "prism-process"} {
		t.Run(runner, func(t *testing.T) {
			s := session(t, runner)
			seen, calls := watchImport(t, s, fmt.Sprintf("COPY FROM '%s/*.parquet' INTO docs WITH (batch_size = 100, parallel_workers = 1)", dir))
			t.Logf("seen while running: %v", seen)
			// Rising: some figure between none and all of the rows was
			// seen while the job ran, and none went down.
			var prevFiles, prevRows int64 = -1, -1
			between := false
			for _, v := range seen {
				var f, r int64
				fmt.Sscanf(v, "%d/%d", &f, &r)
				if f < prevFiles || r < prevRows {
					t.Errorf("counters went down: %v", seen)
				}
				prevFiles, prevRows = f, r
				between = between || r > 0 && r < 60000
			}
			if !between {
				t.Errorf("never saw the counters part way while the job ran: %v", seen)
			}
			r := exec(t, s, "SELECT status, files_total, files_done, rows_imported, errors FROM lakelink_import_status WHERE job_id = '"+lastJob(t, s)+"'")[0]
			if fmt.Sprint(r.Rows) != "[[committed 6 6 60000 0]]" {
				t.Errorf("final status %v", r.Rows)
			}
			if len(calls) < 3 || calls[len(calls)-1].State != "committed" || calls[len(calls)-1].Rows != 60000 {
				t.Errorf("%d callbacks, last %+v", len(calls), calls[len(calls)-1])
			}
			for i := 1; i < len(calls)-1; i++ {
				if calls[i].Rows < calls[i-1].Rows {
					t.Errorf("callback rows went down at %d", i)
				}
			}
		})
	}
}

// watchImport runs stmt while a second goroutine polls the running job's
// row of lakelink_import_status; it returns the distinct
// "files_done/rows_imported" figures seen and the callbacks received.
func watchImport(t *testing.T, s *engine.Session, stmt string) (seen []string, calls []progress.Status) {
	t.Helper()
	var mu sync.Mutex
	s.Progress = func(st progress.Status) {
		mu.Lock()
		calls = append(calls, st)
		mu.Unlock()
	}
	done := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
			res, err := s.Exec(context.Background(), "SELECT files_done, rows_imported FROM lakelink_import_status WHERE status = 'running'")
			if err != nil || len(res[0].Rows) == 0 {
				continue
			}
			r := res[0].Rows[0]
			mu.Lock()
			if v := fmt.Sprintf("%v/%v", r[0], r[1]); len(seen) == 0 || seen[len(seen)-1] != v {
				seen = append(seen, v)
			}
			mu.Unlock()
		}
	}()
	exec(t, s, stmt)
	close(done)
	<-polled
	mu.Lock()
	defer mu.Unlock()
	return seen, calls
}

// A failed job's status says failed and why; `lakelink status` reads the
// same files (see cmd/lakelink).
func TestImportStatusOfAFailedJob(t *testing.T) {
	path := writeDocs(t, fixtures.Documents{Rows: 100, Dim: 4, BadVectorRows: []int{3}})
	st := openStore(t)
	var last progress.Status
	opts := pipeline.DefaultImportOptions()
	opts.Progress = func(s progress.Status) { last = s }
	_, err := pipeline.RunImport(context.Background(), st, pipeline.Import{Sources: []string{path}, Table: "docs", Options: opts}, runners.Options{})
	if err == nil {
		t.Fatal("the bad row did not fail the job")
	}
	all, _ := progress.Read(storeio.StatusDir(st))
	if len(all) != 1 || all[0].State != "failed" || !strings.Contains(all[0].Error, "5 dimensions") || last.State != "failed" {
		t.Errorf("status %+v, last callback %+v", all, last)
	}
}

// Canceling the context stops an import in its commit phase, while the
// commit builds an index over the table's rows, and a CREATE INDEX, each
// within a second or two: nothing is committed, and the job reads
// canceled. The phases an import goes through are reported in order.
func TestCancelStopsLongSteps(t *testing.T) {
	base := writeDocs(t, fixtures.Documents{Rows: 60000, Dim: 32, ContentChars: 20, RowGroupRows: 10000})
	small := writeDocs(t, fixtures.Documents{Rows: 10, Dim: 32, FirstID: 1 << 30})
	for _, runner := range []string{"direct", "prism"} {
		t.Run(runner, func(t *testing.T) {
			s := session(t, runner)
			var phases []string
			s.Progress = func(st progress.Status) {
				if len(phases) == 0 || phases[len(phases)-1] != st.Phase {
					phases = append(phases, st.Phase)
				}
			}
			exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs WITH (primary_key = 'id', build_indexes = true, hnsw_m = 8, hnsw_ef_construction = 40)", base))
			// A callback every 100 ms may miss short phases; those seen come
			// in order, and the long one is among them.
			order := []string{progress.PhaseListing, progress.PhaseReading, progress.PhaseStaging, progress.PhaseIndexing,
				progress.PhaseCommit, progress.PhaseCommitIx, progress.PhaseFlushing, ""}
			if !isSubsequence(phases, order) || !slices.Contains(phases, progress.PhaseIndexing) {
				t.Errorf("phases %v, want building index parts among them and the order %v", phases, order)
			}
			exec(t, s, "DROP INDEX docs_embedding_idx")
			head := s.Store.Head()

			// build_indexes on a table with rows: the commit indexes them all.
			ctx, cancel := context.WithCancel(context.Background())
			var canceledAt time.Time
			s.Progress = func(st progress.Status) {
				if st.Phase == progress.PhaseCommitIx && st.PhaseDone > 0 && canceledAt.IsZero() {
					canceledAt = time.Now()
					cancel()
				}
			}
			_, err := s.Exec(ctx, fmt.Sprintf("COPY FROM '%s' INTO docs WITH (build_indexes = true, hnsw_m = 16, hnsw_ef_construction = 200)", small))
			if canceledAt.IsZero() || !errors.Is(err, context.Canceled) {
				t.Fatalf("canceled in the commit's index build: %v (canceled: %v)", err, !canceledAt.IsZero())
			}
			if took := time.Since(canceledAt); took > 2*time.Second {
				t.Errorf("stopped %s after the cancel", took)
			}
			s.Progress = nil
			if s.Store.Head() != head {
				t.Errorf("a canceled import committed")
			}
			// A canceled job committed nothing: 0 rows imported.
			if r := exec(t, s, "SELECT status, phase, rows_imported FROM lakelink_import_status WHERE status = 'canceled'")[0]; fmt.Sprint(r.Rows) != "[[canceled <nil> 0]]" {
				t.Errorf("status %v", r.Rows)
			}

			ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			if _, err := s.Exec(ctx, "CREATE INDEX ON docs USING hnsw (embedding) WITH (m = 8, ef_construction = 200)"); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("CREATE INDEX past its deadline: %v", err)
			}
			if took := time.Since(start); took > 2*time.Second || s.Store.Head() != head {
				t.Errorf("CREATE INDEX stopped after %s; head %d, was %d", took, s.Store.Head(), head)
			}
		})
	}
}

// isSubsequence reports whether sub's items appear in seq in order.
func isSubsequence(sub, seq []string) bool {
	i := 0
	for _, x := range seq {
		if i < len(sub) && sub[i] == x {
			i++
		}
	}
	return i == len(sub)
}
