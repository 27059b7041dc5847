package progress

import "testing"

// Row groups add their bytes as they are read; an object is done after its
// last, with the bytes outside its row groups; the totals meet.
func TestCountersMeetTheTotals(t *testing.T) {
	c := For("t")
	defer Forget("t")
	c.BytesListed.Add(1000 + 50)
	c.FilesListed.Add(2)
	c.Planned(0, 1000, []int64{400, 500}) // 100 bytes of footer
	c.Planned(1, 50, nil)                 // every row group skipped
	if c.FilesDone.Load() != 1 || c.BytesDone.Load() != 50 {
		t.Fatalf("after planning: %d files, %d bytes", c.FilesDone.Load(), c.BytesDone.Load())
	}
	c.BytesDone.Add(300) // a reader's share of row group 0 so far
	c.RowGroupDone(0, 100)
	if c.FilesDone.Load() != 1 {
		t.Fatal("an object was done before its last row group")
	}
	c.RowGroupDone(0, 500)
	s := c.Snapshot(Status{})
	if s.FilesDone != 2 || s.BytesDone != s.BytesTotal || s.FilesTotal != 2 {
		t.Errorf("at the end: %+v", s)
	}
}
