package store

import (
	"testing"

	"github.com/lakelink/lakelink/lake"
)

// A commit whose keys reached Badger but whose head never moved (the process
// died) must be invisible after reopening, and must stay invisible after the
// next commit.
func TestReopenRollsBackFlushedCommit(t *testing.T) {
	dir := t.TempDir()
	s := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt}, {Name: "v", Type: lake.Text}}, PrimaryKey: []string{"id"}}
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	write := func(c *Commit, rows ...[]any) {
		ti, err := c.Table("t")
		if err != nil {
			ti, err = c.CreateTable("t", s)
			if err != nil {
				t.Fatal(err)
			}
		}
		rec, err := lake.NewRecord(s, rows)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(rows); i++ {
			k, _ := AppendKey(nil, s, []int{0}, rec, i)
			v, _ := AppendRow(nil, s, rec, i)
			if err := c.Put(ti, k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	c, _ := st.Begin("first")
	write(c, []any{int64(1), "a"})
	head, err := c.Finish()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := st.Digest("t", head)

	c, _ = st.Begin("crashes")
	write(c, []any{int64(1), "changed"}, []any{int64(2), "new"})
	if err := c.wb.Flush(); err != nil { // the keys are in Badger now
		t.Fatal(err)
	}
	st.commitMu.Unlock() // the process "dies": no Finish, no Abort
	st.Close()

	st, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Head() != head {
		t.Fatalf("head = %d, want %d", st.Head(), head)
	}
	c, _ = st.Begin("after")
	write(c, []any{int64(3), "c"})
	next, err := c.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := st.Count("t", next); n != 2 {
		t.Errorf("count = %d, want 2 (rows 1 and 3)", n)
	}
	if r, _ := st.Get("t", next, 1); r[1] != "a" {
		t.Errorf("row 1 = %v, want the committed value", r)
	}
	if got, _ := st.Digest("t", head); got != want {
		t.Errorf("digest at old head changed")
	}
}
