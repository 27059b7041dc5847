// Package progress counts what running imports have done, live. The
// pipeline's stages add to a job's counters as they list, read and stage;
// the launcher turns them into Status snapshots for callbacks, the
// lakelink_import_status table and the command line's progress bar.
//
// Counters live in the process: workers of the direct runner and of
// Prism's loopback environment share them with the launcher. Workers in
// other processes (Prism's process environment, Flink) count in their own
// process, and the launcher's figures stay at zero until the commit.
//
//	c := progress.For(job)
//	c.Rows.Add(int64(batch.Rows()))
package progress

import (
	"sync"
	"sync/atomic"
	"time"
)

// Counters are one job's live figures. Every field only grows.
type Counters struct {
	FilesListed atomic.Int64 // objects to read found so far (sources.CountInputs)
	BytesListed atomic.Int64
	FilesDone   atomic.Int64 // objects whose row groups have all been read
	BytesDone   atomic.Int64
	Rows        atomic.Int64 // rows staged
	Errors      atomic.Int64 // rows rejected
	Listed      atomic.Bool  // the listing is complete: FilesListed is the total

	mu        sync.Mutex
	remaining map[int]*pending // by object index
}

var jobs sync.Map // job → *Counters

// For returns the counters of a job, creating them on first use.
func For(job string) *Counters {
	c, _ := jobs.LoadOrStore(job, &Counters{remaining: map[int]*pending{}})
	return c.(*Counters)
}

// Forget drops a job's counters.
func Forget(job string) { jobs.Delete(job) }

// Planned records that an object of the given size will be read in the
// row groups of the given (compressed) sizes; none when statistics ruled
// them all out.
func (c *Counters) Planned(object int, size int64, rowGroups []int64) {
	if len(rowGroups) == 0 {
		c.FilesDone.Add(1)
		c.BytesDone.Add(size)
		return
	}
	var sum int64
	for _, b := range rowGroups {
		sum += b
	}
	c.mu.Lock()
	c.remaining[object] = &pending{groups: len(rowGroups), rest: size - sum}
	c.mu.Unlock()
}

// pending is what is left to read of one object.
type pending struct {
	groups int   // row groups not yet read
	rest   int64 // bytes outside them (footer, skipped row groups)
}

// RowGroupDone records that a row group has been read, adding the bytes
// of it not yet counted, and counts its object done after the last.
func (c *Counters) RowGroupDone(object int, bytes int64) {
	c.BytesDone.Add(bytes)
	c.mu.Lock()
	p := c.remaining[object]
	last := p != nil && p.groups == 1
	if p != nil {
		p.groups--
	}
	if last {
		delete(c.remaining, object)
	}
	c.mu.Unlock()
	if last {
		c.FilesDone.Add(1)
		c.BytesDone.Add(p.rest)
	}
}

// Status is a snapshot of a job, as lakelink_import_status shows it.
type Status struct {
	Job          string    `json:"job_id"`
	Table        string    `json:"table"`
	State        string    `json:"status"` // planning, running, committing, committed, failed
	FilesTotal   int64     `json:"files_total"`
	FilesDone    int64     `json:"files_done"`
	BytesTotal   int64     `json:"bytes_total"`
	BytesDone    int64     `json:"bytes_done"`
	Rows         int64     `json:"rows_imported"`
	Errors       int64     `json:"errors"`
	Started      time.Time `json:"started_at"`
	Finished     time.Time `json:"finished_at,omitzero"`
	Error        string    `json:"error,omitempty"`
	TotalsKnown  bool      `json:"totals_known"` // FilesTotal and BytesTotal are final
	LastModified time.Time `json:"updated_at"`
}

// Snapshot reads the counters into a Status.
func (c *Counters) Snapshot(s Status) Status {
	s.FilesTotal, s.BytesTotal = c.FilesListed.Load(), c.BytesListed.Load()
	s.FilesDone, s.BytesDone = c.FilesDone.Load(), c.BytesDone.Load()
	s.Rows, s.Errors = c.Rows.Load(), c.Errors.Load()
	s.TotalsKnown = c.Listed.Load()
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
