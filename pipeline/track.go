package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/store"
)

// StatusDir is where a store keeps its import status files.
func StatusDir(st *store.Store) string { return filepath.Join(st.Dir(), "status") }

// keepStatus is how many jobs' status files a store keeps.
const keepStatus = 500

// tracker publishes a running job's progress every tick: to its status
// file, which lakelink_import_status and `lakelink status` read, and to
// the import's Progress callback.
type tracker struct {
	dir    string
	counts *progress.Counters
	notify func(progress.Status)
	// remote reads the reports of workers in other processes, when the
	// runner has such workers; reports holds the last read.
	remote  *objstore.ProgressReader
	reports []progress.Report
	readAt  time.Time

	mu    sync.Mutex
	state progress.Status
	quit  chan struct{}
	done  chan struct{}
}

const trackEvery = 100 * time.Millisecond

// track starts publishing a job's progress. remote, when not nil, reads
// what workers in other processes publish.
func track(st *store.Store, job, table string, started time.Time, notify func(progress.Status), remote *objstore.ProgressReader) *tracker {
	t := &tracker{
		dir: StatusDir(st), counts: progress.For(job), notify: notify, remote: remote,
		state: progress.Status{Job: job, Table: table, State: "running", Started: started, Owner: progress.Self()},
		quit:  make(chan struct{}), done: make(chan struct{}),
	}
	pruneStatus(t.dir)
	t.publish()
	go func() {
		defer close(t.done)
		tick := time.NewTicker(trackEvery)
		defer tick.Stop()
		for {
			select {
			case <-t.quit:
				return
			case <-tick.C:
				t.publish()
			}
		}
	}()
	return t
}

func (t *tracker) publish() {
	if t.remote != nil && time.Since(t.readAt) >= t.remote.Every {
		t.readAt = time.Now()
		// A failed listing still returns every worker's last report.
		t.reports, _ = t.remote.Read(context.Background())
	}
	t.mu.Lock()
	s := t.counts.Snapshot(t.state, t.reports...)
	t.mu.Unlock()
	_ = progress.Write(t.dir, s) // progress is best effort: never fails a job
	if t.notify != nil {
		t.notify(s)
	}
}

func (t *tracker) setState(state string) {
	t.mu.Lock()
	t.state.State = state
	t.mu.Unlock()
}

// finish publishes the job's outcome: the committed figures, or the error.
func (t *tracker) finish(res ImportResult, err error) {
	close(t.quit)
	<-t.done
	if t.remote != nil {
		t.remote.Close()
	}
	s := t.counts.Snapshot(t.state, t.reports...)
	s.Finished = time.Now().UTC()
	switch {
	case errors.Is(err, context.Canceled):
		s.State, s.Error = "canceled", err.Error()
	case err != nil:
		s.State, s.Error = "failed", err.Error()
	default:
		s.State, s.Rows, s.Errors, s.FilesDone, s.FilesTotal = "committed", res.Rows, res.Errors, res.Objects, res.Objects
		s.BytesDone, s.BytesTotal, s.TotalsKnown = res.Bytes, res.Bytes, true
	}
	_ = progress.Write(t.dir, s)
	if t.notify != nil {
		t.notify(s)
	}
	progress.Forget(s.Job)
}

// pruneStatus keeps the newest keepStatus status files.
func pruneStatus(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) <= keepStatus {
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() }) // job ids start with their time
	for _, e := range entries[:len(entries)-keepStatus] {
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
}

// RecoverJobs settles the jobs that earlier processes left unfinished in
// a store: killed, crashed or powered off in the middle of an import. The
// caller holds the store, and every import holds it from planning to
// commit, so such a job's process is gone: its status becomes failed with
// the reason "abandoned", and what it staged in the store's staging folder
// is removed. Jobs of this process are left alone. Prepare calls it before
// every import and the command on every open of a store; it returns the
// jobs it settled.
func RecoverJobs(st *store.Store) ([]progress.Status, error) {
	settled, err := progress.Settle(StatusDir(st), func(job string) bool {
		return storeio.Held(job)
	})
	storeio.RemoveOrphanStaging(filepath.Join(st.Dir(), "staging"))
	return settled, err
}
