package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

var docs = lake.Schema{
	Columns: []lake.Column{
		{Name: "id", Type: lake.BigInt, NotNull: true},
		{Name: "title", Type: lake.Text},
		{Name: "embedding", Type: lake.Vector(3)},
		{Name: "tags", Type: lake.ArrayOf(lake.Text)},
	},
	PrimaryKey: []string{"id"},
}

func record(t *testing.T, s lake.Schema, rows ...[]any) arrow.RecordBatch {
	t.Helper()
	rec, err := lake.NewRecord(s, rows)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// put writes every row of rec into table name within c.
func put(t *testing.T, c *store.Commit, name string, rec arrow.RecordBatch) {
	t.Helper()
	ti, err := c.Table(name)
	if err != nil {
		t.Fatal(err)
	}
	pk := ti.Schema.PKIndexes()
	for i := 0; i < int(rec.NumRows()); i++ {
		var key []byte
		if len(pk) > 0 {
			if key, err = store.AppendKey(nil, ti.Schema, pk, rec, i); err != nil {
				t.Fatal(err)
			}
		}
		val, err := store.AppendRow(nil, ti.Schema, rec, i)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Put(ti, key, val); err != nil {
			t.Fatal(err)
		}
	}
}

func load(t *testing.T, st *store.Store, rows ...[]any) uint64 {
	t.Helper()
	c, err := st.Begin("load")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Table("docs"); errors.Is(err, store.ErrNotFound) {
		if _, err := c.CreateTable("docs", docs); err != nil {
			t.Fatal(err)
		}
	}
	put(t, c, "docs", record(t, docs, rows...))
	ts, err := c.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestCommitGetScanCountTimeTravel(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Head() != 0 {
		t.Fatalf("empty store head = %d", st.Head())
	}
	c1 := load(t, st,
		[]any{int64(1), "one", []float32{1, 0, 0}, []any{"a", nil}},
		[]any{int64(2), nil, nil, nil})
	c2 := load(t, st, []any{int64(3), "three", []float32{0, 0, 1}, []any{}})
	if st.Head() != c2 || c2 <= c1 {
		t.Fatalf("head %d, commits %d then %d", st.Head(), c1, c2)
	}
	for _, tc := range []struct {
		at   uint64
		want int64
	}{{c1, 2}, {c2, 3}} {
		n, err := st.Count("docs", tc.at)
		if err != nil || n != tc.want {
			t.Errorf("count at %d = %d, %v; want %d", tc.at, n, err, tc.want)
		}
	}
	row, err := st.Get("docs", st.Head(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if row[1] != "one" || row[2].([]float32)[0] != 1 || row[3].([]any)[0] != "a" || row[3].([]any)[1] != nil {
		t.Errorf("row 1 = %#v", row)
	}
	if _, err := st.Get("docs", c1, 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("row 3 before it was written: %v", err)
	}
	var ids []int64
	if err := st.Scan("docs", st.Head(), func(r store.Row) error { ids = append(ids, r[0].(int64)); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 || ids[0] != 1 || ids[2] != 3 {
		t.Errorf("scan order %v", ids)
	}
}

func TestDigestIgnoresOrderAndStore(t *testing.T) {
	a, b := []any{int64(1), "x", []float32{1, 2, 3}, nil}, []any{int64(2), "y", nil, []any{"t"}}
	s1, _ := store.Open(t.TempDir())
	defer s1.Close()
	s2, _ := store.Open(t.TempDir())
	defer s2.Close()
	load(t, s1, a, b)
	load(t, s2, b)
	load(t, s2, a)
	d1, err1 := s1.Digest("docs", s1.Head())
	d2, err2 := s2.Digest("docs", s2.Head())
	if err1 != nil || err2 != nil || d1 != d2 {
		t.Fatalf("digests %s %v / %s %v", d1, err1, d2, err2)
	}
	load(t, s2, []any{int64(3), "z", nil, nil})
	if d3, _ := s2.Digest("docs", s2.Head()); d3 == d1 {
		t.Fatal("digest did not change with content")
	}
	// One value changed, at the same count: a title, then one vector
	// element.
	load(t, s1, []any{int64(2), "Y", nil, []any{"t"}})
	d4, _ := s1.Digest("docs", s1.Head())
	load(t, s1, []any{int64(1), "x", []float32{1, 2, 3.5}, nil})
	d5, _ := s1.Digest("docs", s1.Head())
	if n, _ := s1.Count("docs", s1.Head()); n != 2 || d4 == d1 || d5 == d4 || d5 == d1 {
		t.Fatalf("digests at %d rows after changing one value: %s, %s, was %s", n, d4, d5, d1)
	}
}

func TestSecondOpenIsInUse(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := store.Open(dir); !errors.Is(err, store.ErrInUse) {
		t.Fatalf("second open: %v, want ErrInUse", err)
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	st, _ := store.Open(t.TempDir())
	defer st.Close()
	base := load(t, st, []any{int64(1), "keep", nil, nil})
	before, _ := st.Digest("docs", base)

	c, err := st.Begin("doomed")
	if err != nil {
		t.Fatal(err)
	}
	put(t, c, "docs", record(t, docs, []any{int64(1), "overwritten", nil, nil}, []any{int64(9), "new", nil, nil}))
	// Flushed writes are in Badger but above the head: still invisible,
	// still rolled back.
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.Count("docs", st.Head()); n != 1 {
		t.Errorf("count during the commit, after a flush = %d, want 1", n)
	}
	put(t, c, "docs", record(t, docs, []any{int64(10), "after flush", nil, nil}))
	if _, err := c.CreateTable("other", docs); err != nil {
		t.Fatal(err)
	}
	if err := c.Abort(); err != nil {
		t.Fatal(err)
	}
	if st.Head() != base {
		t.Fatalf("head moved to %d after abort", st.Head())
	}
	// A later commit must not expose anything the aborted one wrote.
	load(t, st, []any{int64(5), "later", nil, nil})
	if n, _ := st.Count("docs", st.Head()); n != 2 {
		t.Errorf("count after abort and commit = %d, want 2", n)
	}
	if row, _ := st.Get("docs", st.Head(), 1); row[1] != "keep" {
		t.Errorf("row 1 = %v", row)
	}
	if _, err := st.Table("other", st.Head()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("table from aborted commit is visible: %v", err)
	}
	if d, _ := st.Digest("docs", base); d != before {
		t.Errorf("time travel to base changed digest")
	}
}

func TestDropTableKeepsHistory(t *testing.T) {
	st, _ := store.Open(t.TempDir())
	defer st.Close()
	c1 := load(t, st, []any{int64(1), "a", nil, nil})
	c, _ := st.Begin("drop")
	if err := c.DropTable("docs"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Finish(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Count("docs", st.Head()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("dropped table still there: %v", err)
	}
	if n, _ := st.Count("docs", c1); n != 1 {
		t.Errorf("count at past commit = %d", n)
	}
	load(t, st, []any{int64(7), "b", nil, nil}) // recreated: a new id, no old rows
	if n, _ := st.Count("docs", st.Head()); n != 1 {
		t.Errorf("recreated table has %d rows", n)
	}
}

func TestNoPrimaryKeyKeepsInputOrder(t *testing.T) {
	st, _ := store.Open(t.TempDir())
	defer st.Close()
	s := lake.Schema{Columns: []lake.Column{{Name: "v", Type: lake.Text}}}
	c, _ := st.Begin("x")
	if _, err := c.CreateTable("t", s); err != nil {
		t.Fatal(err)
	}
	put(t, c, "t", record(t, s, []any{"b"}, []any{"a"}, []any{"b"}))
	if _, err := c.Finish(); err != nil {
		t.Fatal(err)
	}
	var got []string
	_ = st.Scan("t", st.Head(), func(r store.Row) error { got = append(got, r[0].(string)); return nil })
	if len(got) != 3 || got[0] != "b" || got[1] != "a" {
		t.Errorf("rows %v", got)
	}
}

func TestCommitsListHistory(t *testing.T) {
	st, _ := store.Open(t.TempDir())
	defer st.Close()
	c1 := load(t, st, []any{int64(1), "a", nil, nil})
	c2 := load(t, st, []any{int64(2), "b", nil, nil})
	cs, err := st.Commits()
	if err != nil || len(cs) != 2 || cs[0].TS != c1 || cs[1].TS != c2 || cs[0].Message != "load" {
		t.Errorf("commits %+v, %v", cs, err)
	}
}

// EncodeRow writes what DecodeRow reads, for every type, NULLs included.
func TestEncodeRowRoundTrip(t *testing.T) {
	s := lake.Schema{Columns: []lake.Column{
		{Name: "t", Type: lake.Text}, {Name: "i", Type: lake.Int}, {Name: "r", Type: lake.Real}, {Name: "d", Type: lake.Double},
		{Name: "b", Type: lake.Boolean}, {Name: "ts", Type: lake.Timestamp}, {Name: "dt", Type: lake.Date}, {Name: "u", Type: lake.UUID},
		{Name: "j", Type: lake.JSONB}, {Name: "v", Type: lake.Vector(2)}, {Name: "a", Type: lake.ArrayOf(lake.BigInt)}, {Name: "n", Type: lake.Text},
	}}
	ts := time.Date(2024, 3, 1, 12, 30, 0, 123000, time.UTC)
	row := store.Row{"x", int64(-7), float32(1.5), 2.25, true, ts, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), lake.UUIDFromInt(42),
		`{"a":1}`, []float32{0.5, -1}, []any{int64(1), nil, int64(3)}, nil}
	data, err := store.EncodeRow(s, row)
	if err != nil {
		t.Fatal(err)
	}
	back, err := store.DecodeRow(s, data)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(back) != fmt.Sprint(row) {
		t.Errorf("decoded %v, want %v", back, row)
	}
	if _, err := store.EncodeRow(s, append(store.Row{int64(1)}, row[1:]...)); err == nil {
		t.Error("an integer was accepted as TEXT")
	}
	if _, err := store.EncodeRow(s, append(append(store.Row{}, row[:9]...), []float32{1}, row[10], nil)); err == nil {
		t.Error("a vector of the wrong dimension was accepted")
	}
}
