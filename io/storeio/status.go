package storeio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/store"
)

// StatusDir is where a store keeps its jobs' status files, which
// lakelink_import_status and `lakelink status` read.
func StatusDir(st *store.Store) string { return filepath.Join(st.Dir(), "status") }

// keepStatus is how many jobs' status files a store keeps.
const keepStatus = 500

// trackEvery is how often a Tracker publishes.
const trackEvery = 100 * time.Millisecond

// A Tracker publishes a running write's progress every tick: to the job's
// status file and to a callback. It counts what this process's stages
// count (progress.For(job)) and what workers in other processes publish
// to the job's staging location. Open starts one for its Target, and
// Commit and Close finish it; pipeline.RunComposed starts one for COPY.
type Tracker struct {
	st     *store.Store
	dir    string
	counts *progress.Counters
	notify func(progress.Status)
	// remote reads the reports of workers in other processes; reports
	// holds the last read.
	remote  *objstore.ProgressReader
	reports []progress.Report
	readAt  time.Time

	mu       sync.Mutex
	state    progress.Status
	finished bool
	quit     chan struct{}
	done     chan struct{}
}

// Track starts publishing the progress of t's job, which started at
// started. notify, when not nil, gets every status published. With
// remote, the tracker also reads what workers in other processes
// publish under t.Staging; the stages publish there only in worker
// processes, so reading costs a listing a second and counts nothing twice.
func Track(ctx context.Context, st *store.Store, t Target, started time.Time, notify func(progress.Status), remote bool) (*Tracker, error) {
	var reader *objstore.ProgressReader
	if remote {
		var err error
		if reader, err = objstore.OpenProgress(ctx, t.Staging, t.Job); err != nil {
			return nil, err
		}
	}
	tr := &Tracker{
		st: st, dir: StatusDir(st), counts: progress.For(t.Job), notify: notify, remote: reader,
		state: progress.Status{Job: t.Job, Table: t.Table, State: "running", Started: started, Owner: progress.Self()},
		quit:  make(chan struct{}), done: make(chan struct{}),
	}
	pruneStatus(tr.dir)
	tr.publish()
	go func() {
		defer close(tr.done)
		tick := time.NewTicker(trackEvery)
		defer tick.Stop()
		for {
			select {
			case <-tr.quit:
				return
			case <-tick.C:
				tr.publish()
			}
		}
	}()
	return tr, nil
}

func (t *Tracker) publish() {
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

// Committing marks the pipeline done and the commit begun.
func (t *Tracker) Committing() {
	t.mu.Lock()
	t.state.State = "committing"
	t.mu.Unlock()
	t.counts.SetPhase(progress.PhaseCommit)
}

// Finish publishes the job's outcome, the committed figures or the error,
// and stops the tracker. Only the first call counts.
func (t *Tracker) Finish(res Result, err error) {
	t.mu.Lock()
	if t.finished {
		t.mu.Unlock()
		return
	}
	t.finished = true
	t.mu.Unlock()
	close(t.quit)
	<-t.done
	if t.remote != nil {
		t.remote.Close()
	}
	s := t.counts.Snapshot(t.state, t.reports...)
	s.Finished = time.Now().UTC()
	// rows_imported of a job that commits nothing is 0: while it ran it
	// counted the rows read, none of which the store holds.
	switch {
	case errors.Is(err, context.Canceled):
		s.State, s.Error, s.Rows = "canceled", err.Error(), 0
	case err != nil:
		s.State, s.Error, s.Rows = "failed", err.Error(), 0
	default:
		s.State, s.Rows, s.Errors, s.FilesDone, s.FilesTotal = "committed", res.Rows, res.Errors, res.Objects, res.Objects
		s.BytesDone, s.BytesTotal, s.TotalsKnown = res.Bytes, res.Bytes, true
	}
	if s.State == "committed" && s.Errors > 0 && t.st != nil {
		// Best effort, as the status file: the store holds the errors.
		if errs, err := t.st.RowErrorsFirst(s.Job, errorsFileRows); err == nil {
			_ = writeErrorsFile(t.dir, s.Job, errs, int(s.Errors))
		}
	}
	_ = progress.Write(t.dir, s)
	if t.notify != nil {
		t.notify(s)
	}
	progress.Forget(s.Job)
}

// A committed job's row errors are also kept beside its status file, as
// DIR/JOB.errors (JSON: the total and at most errorsFileRows errors), so
// that `lakelink errors JOB` reads them while another process holds the
// store. The store's records (Store.RowErrors) stay the source.
const errorsFileRows = 10_000

// ErrorsFile is what DIR/JOB.errors holds.
type ErrorsFile struct {
	Total  int             `json:"total"`
	Errors []lake.RowError `json:"errors"`
}

func writeErrorsFile(dir, job string, errs []lake.RowError, total int) error {
	f := ErrorsFile{Total: total, Errors: errs}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+job+".errors.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, job+".errors"))
}

// ReadErrorsFile returns the row errors of a committed job from the status
// folder of the store in storeDir, without opening the store; ok is false
// when the job left none there (it rejected no row, is still running,
// failed, or is older than the status files kept).
func ReadErrorsFile(storeDir, job string) (f ErrorsFile, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(storeDir, "status", filepath.Base(job)+".errors"))
	if os.IsNotExist(err) {
		return f, false, nil
	}
	if err != nil {
		return f, false, err
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, false, fmt.Errorf("errors of job %s: %w", job, err)
	}
	return f, true, nil
}

// pruneStatus keeps the newest keepStatus status files (a job's errors
// file counts as one, and goes with its status file or soon after).
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
// caller holds the store, and every write holds it from planning to
// commit, so such a job's process is gone: its status becomes failed with
// the reason "abandoned", and what it staged in the store's staging folder
// is removed. Jobs of this process are left alone. Open and
// pipeline.Prepare call it before every write, and the command on every
// open of a store; it returns the jobs it settled.
func RecoverJobs(st *store.Store) ([]progress.Status, error) {
	settled, err := progress.Settle(StatusDir(st), Held)
	RemoveOrphanStaging(filepath.Join(st.Dir(), "staging"))
	return settled, err
}
