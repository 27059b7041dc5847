package store

import (
	"testing"
	"time"

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

// An aborted commit of many flushed rows returns at once; its rollback
// runs behind, and the next Begin waits for it; a Close in the middle
// stops it and the next Open finishes it. Either way the rows it wrote,
// new ones and changed ones, never show at a later commit.
func TestAbortRollsBackBehind(t *testing.T) {
	s := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt}, {Name: "v", Type: lake.Text}}, PrimaryKey: []string{"id"}}
	const n = 200000
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{int64(i), "row"}
	}
	rec, err := lake.NewRecord(s, rows)
	if err != nil {
		t.Fatal(err)
	}
	fill := func(c *Commit, ti TableInfo, from, to int, text string) {
		for i := from; i < to; i++ {
			k, _ := AppendKey(nil, s, []int{0}, rec, i)
			v, _ := AppendRow(nil, s, rec, i)
			if text != "" {
				v, _ = EncodeRow(s, Row{int64(i), text})
			}
			if err := c.Put(ti, k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, closeEarly := range []bool{false, true} {
		dir := t.TempDir()
		st, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := st.Begin("base")
		ti, _ := c.CreateTable("t", s)
		fill(c, ti, 0, 1000, "")
		head, err := c.Finish()
		if err != nil {
			t.Fatal(err)
		}
		c, _ = st.Begin("abandoned")
		fill(c, ti, 0, n, "changed") // 1000 changed rows, the rest new
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		c.Abort()
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Errorf("Abort took %s", took)
		}
		if closeEarly {
			st.Close()
			if st, err = Open(dir); err != nil {
				t.Fatal(err)
			}
		}
		c, err = st.Begin("after")
		if err != nil {
			t.Fatal(err)
		}
		fill(c, ti, n-1, n, "last")
		next, err := c.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Count("t", next); got != 1001 {
			t.Errorf("close early %v: %d rows after the abort, want 1001", closeEarly, got)
		}
		if r, _ := st.Get("t", next, 5); len(r) != 2 || r[1] != "row" {
			t.Errorf("close early %v: row 5 = %v, want its value at commit %d", closeEarly, r, head)
		}
		st.Close()
	}
}
