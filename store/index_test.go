package store_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/lakelink/lakelink/store"
)

// Index segments: stored in chunks and read back whole, one per commit,
// visible from their commit on, and still readable at earlier commits after
// DropIndexSegments; a view sees which rows its own commit wrote.
func TestIndexSegmentsFollowCommits(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	first := load(t, st, []any{int64(1), "a", []float32{1, 0, 0}, nil}, []any{int64(2), "b", []float32{0, 1, 0}, nil})
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20+3) // over two chunks
	put := func(data []byte, rows ...[]any) uint64 {
		c, err := st.Begin("rows and a segment")
		if err != nil {
			t.Fatal(err)
		}
		ti, _ := c.Table("docs")
		if ti, err = c.SetIndexes("docs", []store.IndexDef{{Name: "emb", Column: "embedding", Type: "hnsw", Metric: "l2"}}); err != nil {
			t.Fatal(err)
		}
		if len(rows) > 0 {
			putRows(t, c, rows...)
			v, err := c.View()
			if err != nil {
				t.Fatal(err)
			}
			var own []string
			v.Rows(ti, true, func(pk, _ []byte, version uint64) error {
				if version != c.TS() {
					t.Errorf("own row at version %d, commit %d", version, c.TS())
				}
				own = append(own, fmt.Sprintf("%x", pk))
				return nil
			})
			v.Close()
			if len(own) != len(rows) {
				t.Errorf("the view saw %d own rows, the commit wrote %d", len(own), len(rows))
			}
		}
		if err := c.PutIndexSegment(ti, "emb", data); err != nil {
			t.Fatal(err)
		}
		ts, err := c.Finish()
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	s1 := put(big)
	s2 := put([]byte("small"), []any{int64(3), "c", []float32{0, 0, 1}, nil})
	segs := func(at uint64) []store.IndexSegment {
		t.Helper()
		v := st.View(at)
		defer v.Close()
		ti, err := v.Table("docs")
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := ti.Index("EMB"); !ok && at >= s1 || ok && d.Column != "embedding" {
			t.Fatalf("index declaration at %d: %+v %v", at, d, ok)
		}
		out, err := v.IndexSegments(ti, "emb")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := segs(first); len(got) != 0 {
		t.Errorf("before any segment: %d", len(got))
	}
	if got := segs(s2); len(got) != 2 || got[0].TS != s1 || !bytes.Equal(got[0].Data, big) || got[1].TS != s2 || string(got[1].Data) != "small" {
		t.Errorf("at the head: %d segments", len(got))
	}
	c, _ := st.Begin("drop")
	ti, _ := c.Table("docs")
	if err := c.DropIndexSegments(ti, "emb"); err != nil {
		t.Fatal(err)
	}
	dropped, _ := c.Finish()
	if got := segs(dropped); len(got) != 0 {
		t.Errorf("after the drop: %d segments", len(got))
	}
	if got := segs(s1); len(got) != 1 || !bytes.Equal(got[0].Data, big) {
		t.Errorf("at the first segment's commit, after the drop: %d segments", len(got))
	}
	v := st.View(dropped)
	defer v.Close()
	_, version, found, err := v.Row(ti, []byte{})
	if found || err != nil || version != 0 {
		t.Errorf("a missing row: %v %v %d", found, err, version)
	}
}

func putRows(t *testing.T, c *store.Commit, rows ...[]any) {
	t.Helper()
	put(t, c, "docs", record(t, docs, rows...))
}
