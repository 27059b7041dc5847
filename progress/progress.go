// Package progress counts what running imports have done, live. The
// pipeline's stages add to a job's counters as they list, read and stage;
// the launcher turns them into Status snapshots for callbacks, the
// lakelink_import_status table and the command line's progress bar.
//
// Counters live in the process. Workers of the direct runner and of
// Prism's loopback environment share them with the launcher; workers in
// other processes (Prism's process environment, Flink, Dataflow) publish
// theirs as a Report that the launcher adds to its own (see Publisher).
//
//	c := progress.For(job)
//	c.Rows.Add(int64(batch.Rows()))
package progress

import (
	"sync"
	"sync/atomic"
	"time"
)

// Counters are one job's live figures in one process. Every field only
// grows.
type Counters struct {
	FilesListed atomic.Int64 // objects to read found so far (sources.CountInputs)
	BytesListed atomic.Int64
	Listed      atomic.Bool  // the listing is complete: FilesListed is the total
	BytesRead   atomic.Int64 // compressed bytes of row groups read
	Rows        atomic.Int64 // rows staged
	Errors      atomic.Int64 // rows rejected
	// Index parts: rows the workers will index (IndexTotal) and those
	// they have indexed or passed over for a NULL vector (IndexDone);
	// the commit counts the parts it builds itself the same way.
	IndexTotal atomic.Int64
	IndexDone  atomic.Int64
	// The commit: staged rows to load, and loaded so far.
	CommitTotal atomic.Int64
	CommitDone  atomic.Int64

	phase atomic.Pointer[string] // set by the launcher after the pipeline

	mu      sync.Mutex
	objects map[int]ObjectReport // by object index
}

// ObjectReport is what one process knows of one object. The process that
// read its footer knows how many row groups will be read (Planned); the
// processes that read them count them (Read). An object is done when the
// reads of all processes add up to its plan.
type ObjectReport struct {
	Planned bool  `json:"planned,omitempty"`
	Groups  int   `json:"groups,omitempty"` // row groups to read
	Rest    int64 `json:"rest,omitempty"`   // bytes outside them: footer, skipped row groups
	Read    int   `json:"read,omitempty"`   // row groups read here
}

func (o ObjectReport) merge(p ObjectReport) ObjectReport {
	if p.Planned {
		o.Planned, o.Groups, o.Rest = true, p.Groups, p.Rest
	}
	o.Read += p.Read
	return o
}

// Report is one process's counts for a job, as workers in other processes
// publish them.
type Report struct {
	BytesRead  int64                `json:"bytes_read"`
	Rows       int64                `json:"rows"`
	Errors     int64                `json:"errors"`
	IndexTotal int64                `json:"index_total,omitempty"`
	IndexDone  int64                `json:"index_done,omitempty"`
	Objects    map[int]ObjectReport `json:"objects,omitempty"`
}

// The phases of an import, in order. The pipeline's phases (listing,
// reading, building index parts) follow from the counts; the launcher
// names the later ones (SetPhase).
const (
	PhaseListing  = "listing"
	PhaseReading  = "reading"
	PhaseStaging  = "staging"
	PhaseIndexing = "building index parts"
	// PhaseSections is a deferred export's background step: adding AILK
	// sections to files already published (FilesDone of FilesTotal).
	PhaseSections = "adding AILK sections"
	PhaseCommit   = "committing"
	PhaseCommitIx = "indexing at commit"
	PhaseFlushing = "flushing"
	// A tiering move's phases: writing the rows to cold files (Rows
	// counts them), reading them back to verify, and reading the cold
	// files whose rows go back to the store.
	PhaseColdWrite  = "writing cold files"
	PhaseColdVerify = "verifying cold files"
	PhaseColdRead   = "reading cold files"
)

// SetPhase names the job's phase from now on ("" to go back to the
// phases the counts imply).
func (c *Counters) SetPhase(phase string) { c.phase.Store(&phase) }

var jobs sync.Map // job → *Counters

// For returns the counters of a job, creating them on first use.
func For(job string) *Counters {
	c, _ := jobs.LoadOrStore(job, &Counters{objects: map[int]ObjectReport{}})
	return c.(*Counters)
}

// Forget drops a job's counters.
func Forget(job string) { jobs.Delete(job) }

// Planned records that an object of the given size will be read in the
// row groups of the given (compressed) sizes; none when statistics ruled
// them all out.
func (c *Counters) Planned(object int, size int64, rowGroups []int64) {
	rest := size
	for _, b := range rowGroups {
		rest -= b
	}
	c.mu.Lock()
	c.objects[object] = c.objects[object].merge(ObjectReport{Planned: true, Groups: len(rowGroups), Rest: rest})
	c.mu.Unlock()
}

// RowGroupDone records that a row group of an object has been read,
// adding the bytes of it not yet counted in BytesRead.
func (c *Counters) RowGroupDone(object int, bytes int64) {
	c.BytesRead.Add(bytes)
	c.mu.Lock()
	c.objects[object] = c.objects[object].merge(ObjectReport{Read: 1})
	c.mu.Unlock()
}

// Report returns this process's counts.
func (c *Counters) Report() Report {
	r := Report{BytesRead: c.BytesRead.Load(), Rows: c.Rows.Load(), Errors: c.Errors.Load(),
		IndexTotal: c.IndexTotal.Load(), IndexDone: c.IndexDone.Load()}
	c.mu.Lock()
	if len(c.objects) > 0 {
		r.Objects = make(map[int]ObjectReport, len(c.objects))
		for k, v := range c.objects {
			r.Objects[k] = v
		}
	}
	c.mu.Unlock()
	return r
}

// Status is a snapshot of a job, as lakelink_import_status shows it.
type Status struct {
	Job         string    `json:"job_id"`
	Table       string    `json:"table"`
	State       string    `json:"status"` // planning, running, committing; committed, failed, canceled
	FilesTotal  int64     `json:"files_total"`
	FilesDone   int64     `json:"files_done"`
	BytesTotal  int64     `json:"bytes_total"`
	BytesDone   int64     `json:"bytes_done"`
	Rows        int64     `json:"rows_imported"`
	Errors      int64     `json:"errors"`
	Started     time.Time `json:"started_at"`
	Finished    time.Time `json:"finished_at,omitzero"`
	Error       string    `json:"error,omitempty"`
	TotalsKnown bool      `json:"totals_known"` // FilesTotal and BytesTotal are final
	// Phase is what the job does now (PhaseReading, ...), and PhaseDone of
	// PhaseTotal its units (bytes, vectors, rows) done; PhaseTotal is 0
	// where the phase has no measure.
	Phase        string    `json:"phase,omitempty"`
	PhaseDone    int64     `json:"phase_done,omitempty"`
	PhaseTotal   int64     `json:"phase_total,omitempty"`
	LastModified time.Time `json:"updated_at"` // the heartbeat while it runs
	Owner        Owner     `json:"owner,omitzero"`
}

// Snapshot reads the counters, plus the reports of workers in other
// processes, into a Status.
func (c *Counters) Snapshot(s Status, remote ...Report) Status {
	s.FilesTotal, s.BytesTotal = c.FilesListed.Load(), c.BytesListed.Load()
	s.TotalsKnown = c.Listed.Load()
	all := append([]Report{c.Report()}, remote...)
	objects := map[int]ObjectReport{}
	s.Rows, s.Errors, s.BytesDone = 0, 0, 0
	for _, r := range all {
		s.Rows += r.Rows
		s.Errors += r.Errors
		s.BytesDone += r.BytesRead
		for k, v := range r.Objects {
			objects[k] = objects[k].merge(v)
		}
	}
	s.FilesDone = 0
	for _, o := range objects {
		if o.Planned && o.Read >= o.Groups {
			s.FilesDone++
			s.BytesDone += o.Rest
		}
	}
	var indexTotal, indexDone int64
	for _, r := range all {
		indexTotal += r.IndexTotal
		indexDone += r.IndexDone
	}
	s.Phase, s.PhaseDone, s.PhaseTotal = "", 0, 0
	if p := c.phase.Load(); p != nil && *p != "" {
		s.Phase = *p
	}
	switch {
	case s.Phase == PhaseCommit:
		s.PhaseDone, s.PhaseTotal = c.CommitDone.Load(), c.CommitTotal.Load()
	case s.Phase == PhaseCommitIx:
		s.PhaseDone, s.PhaseTotal = indexDone, indexTotal
	case s.Phase != "":
	case !s.TotalsKnown && s.FilesDone == 0 && s.BytesDone == 0:
		s.Phase, s.PhaseDone = PhaseListing, s.FilesTotal
	case !s.TotalsKnown || s.BytesDone < s.BytesTotal:
		s.Phase, s.PhaseDone, s.PhaseTotal = PhaseReading, s.BytesDone, s.BytesTotal
		if !s.TotalsKnown {
			s.PhaseTotal = 0
		}
	case indexTotal > 0:
		s.Phase, s.PhaseDone, s.PhaseTotal = PhaseIndexing, indexDone, indexTotal
	default:
		s.Phase = PhaseStaging
	}
	s.LastModified = time.Now().UTC()
	return s
}

// RowsPerSecond is the import rate so far.
func (s Status) RowsPerSecond() float64 {
	end := s.Finished
	if end.IsZero() {
		end = s.LastModified
	}
	if d := end.Sub(s.Started).Seconds(); d > 0 {
		return float64(s.Rows) / d
	}
	return 0
}

// ETA estimates the time left from the bytes read so far; 0 when unknown.
func (s Status) ETA() time.Duration {
	if !s.TotalsKnown || s.BytesDone == 0 || s.BytesTotal <= s.BytesDone || !s.Finished.IsZero() {
		return 0
	}
	spent := s.LastModified.Sub(s.Started)
	return time.Duration(float64(spent) * float64(s.BytesTotal-s.BytesDone) / float64(s.BytesDone))
}

// Percent is how far the phase is, 0 to 100, and false where it has no
// measure.
func (s Status) Percent() (float64, bool) {
	if s.PhaseTotal <= 0 {
		return 0, false
	}
	return min(100, 100*float64(s.PhaseDone)/float64(s.PhaseTotal)), true
}
