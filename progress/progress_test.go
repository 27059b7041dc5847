package progress

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Row groups add their bytes as they are read; an object is done after its
// last, with the bytes outside its row groups; the totals meet.
func TestCountersMeetTheTotals(t *testing.T) {
	c := For("t")
	defer Forget("t")
	c.BytesListed.Add(1000 + 50)
	c.FilesListed.Add(2)
	c.Planned(0, 1000, []int64{400, 500}) // 100 bytes of footer
	c.Planned(1, 50, nil)                 // every row group skipped
	if s := c.Snapshot(Status{}); s.FilesDone != 1 || s.BytesDone != 50 {
		t.Fatalf("after planning: %d files, %d bytes", s.FilesDone, s.BytesDone)
	}
	c.BytesRead.Add(300) // a reader's share of row group 0 so far
	c.RowGroupDone(0, 100)
	if s := c.Snapshot(Status{}); s.FilesDone != 1 || s.BytesDone != 450 {
		t.Fatalf("an object was done before its last row group: %+v", s)
	}
	c.RowGroupDone(0, 500)
	s := c.Snapshot(Status{})
	if s.FilesDone != 2 || s.BytesDone != s.BytesTotal || s.FilesTotal != 2 {
		t.Errorf("at the end: %+v", s)
	}
}

// One object's footer is read in one worker process and its row groups in
// two others: the launcher, adding up the three reports after a round trip
// through JSON, counts the object done once, with all its bytes.
func TestReportsOfSeveralProcessesAddUp(t *testing.T) {
	var footer, reader1, reader2 Counters
	for _, c := range []*Counters{&footer, &reader1, &reader2} {
		c.objects = map[int]ObjectReport{}
	}
	footer.Planned(7, 1000, []int64{300, 600})
	reader1.RowGroupDone(7, 300)
	reader1.Rows.Add(40)
	if s := launcherView(t, &footer, &reader1); s.FilesDone != 0 || s.BytesDone != 300 || s.Rows != 40 {
		t.Fatalf("one row group of two read: %+v", s)
	}
	reader2.RowGroupDone(7, 600)
	reader2.Rows.Add(60)
	reader2.Errors.Add(2)
	s := launcherView(t, &footer, &reader1, &reader2)
	if s.FilesDone != 1 || s.BytesDone != 1000 || s.Rows != 100 || s.Errors != 2 {
		t.Errorf("all read: %+v", s)
	}
}

func launcherView(t *testing.T, workers ...*Counters) Status {
	t.Helper()
	var reps []Report
	for _, w := range workers {
		data, _ := json.Marshal(w.Report())
		var r Report
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		reps = append(reps, r)
	}
	launcher := For("launcher-view")
	defer Forget("launcher-view")
	return launcher.Snapshot(Status{}, reps...)
}

type puts struct {
	mu     sync.Mutex
	data   [][]byte
	closed bool
}

func (p *puts) Put(_ context.Context, d []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.data = append(p.data, d)
	return nil
}
func (p *puts) Close() { p.closed = true }

// A worker process publishes on Flush only what changed; the launcher's
// own process publishes nothing.
func TestPublishOnlyInWorkersAndOnlyChanges(t *testing.T) {
	p := &puts{}
	open := func() (Put, error) { return p, nil }
	if err := Publish("pub", time.Hour, open); err != nil || func() bool { _, ok := publishers.Load("pub"); return ok }() {
		t.Fatal("the launcher's process publishes")
	}
	SetWorkerProcess()
	defer worker.Store(false)
	defer Forget("pub")
	defer publishers.Delete("pub")
	if err := Publish("pub", time.Hour, open); err != nil {
		t.Fatal(err)
	}
	For("pub").Rows.Add(5)
	ctx := context.Background()
	for range 3 {
		if err := Flush(ctx, "pub"); err != nil {
			t.Fatal(err)
		}
	}
	For("pub").Rows.Add(5)
	_ = Flush(ctx, "pub")
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.data) != 2 {
		t.Fatalf("%d writes, want 2: %q", len(p.data), p.data)
	}
	var last Report
	if err := json.Unmarshal(p.data[1], &last); err != nil || last.Rows != 10 {
		t.Errorf("last report %s (%v)", p.data[1], err)
	}
}

// A job on this host is abandoned once its process is gone (a PID reused
// by another process does not keep it alive); on another host once its
// heartbeat is older than the lease; a final state never is.
func TestAbandoned(t *testing.T) {
	now := time.Now()
	self := Self()
	if self.PID == 0 || self.Host == "" {
		t.Fatalf("self: %+v", self)
	}
	child := exec.Command("true")
	if err := child.Run(); err != nil {
		t.Skip("no child process to end:", err)
	}
	gone := Owner{Host: self.Host, PID: child.Process.Pid, Start: "1"}
	reused := self
	reused.Start += "0"
	for _, c := range []struct {
		s    Status
		want bool
	}{
		{Status{State: "running", Owner: self, LastModified: now.Add(-time.Hour)}, false},
		{Status{State: "running", Owner: gone, LastModified: now}, true},
		{Status{State: "committing", Owner: reused, LastModified: now}, true},
		{Status{State: "committed", Owner: gone}, false},
		{Status{State: "running", Owner: Owner{Host: "elsewhere", PID: 7}, LastModified: now.Add(-10 * time.Second)}, false},
		{Status{State: "running", Owner: Owner{Host: "elsewhere", PID: 7}, LastModified: now.Add(-Lease - time.Second)}, true},
	} {
		if got, why := c.s.Abandoned(now); got != c.want || got && !strings.HasPrefix(why, "abandoned: ") {
			t.Errorf("%+v: abandoned %v (%q), want %v", c.s, got, why, c.want)
		}
	}
}
