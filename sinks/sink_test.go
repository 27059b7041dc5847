package sinks

import (
	"context"
	"testing"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

var schema = lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt}, {Name: "v", Type: lake.Vector(2)}}, PrimaryKey: []string{"id"}}

func batch(t *testing.T, first int64, ids ...int64) lake.Batch {
	t.Helper()
	var rows [][]any
	for _, id := range ids {
		rows = append(rows, []any{id, []float32{float32(id), 1}})
	}
	rec, err := lake.NewRecord(schema, rows)
	if err != nil {
		t.Fatal(err)
	}
	return lake.Batch{Origin: lake.Origin{Object: "mem.parquet", FirstRow: first}, Record: rec}
}

// A bundle that runs twice (the sink called twice on the same split) stages
// the same object and adds no duplicate rows.
func TestBundleTwiceAddsNoDuplicates(t *testing.T) {
	ctx := context.Background()
	opt := StageOptions{Staging: t.TempDir(), Job: "job1", Schema: schema}
	fn := &stageRowsFn{Opt: opt}
	if err := fn.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	defer fn.Teardown()
	var segs []Segment
	emit := func(s Segment) { segs = append(segs, s) }
	for _, b := range []lake.Batch{batch(t, 0, 1, 2, 3), batch(t, 0, 1, 2, 3), batch(t, 3, 4)} {
		if err := fn.ProcessElement(ctx, b, emit); err != nil {
			t.Fatal(err)
		}
	}
	if err := fn.FinishBundle(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if len(segs) != 3 || segs[0].Name != segs[1].Name {
		t.Fatalf("segments %+v", segs)
	}
	m := Manifest{Job: "job1", Segments: segs}
	m.Sort()
	// A window of one byte flushes the commit and unmaps after every
	// segment; the default keeps them all mapped.
	for _, window := range []int64{0, 1} {
		st, err := store.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		c, _ := st.Begin("test")
		ti, _ := c.CreateTable("t", schema)
		res, err := Commit(ctx, c, m, CommitOptions{Staging: opt.Staging, Job: "job1", Table: ti, Mode: Append, MaxErrors: -1, TableIsNew: true, MappedWindow: window})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Finish(); err != nil {
			t.Fatal(err)
		}
		if n, _ := st.Count("t", st.Head()); n != 4 || res.Rows != 4 || res.Errors != 0 {
			t.Errorf("window %d: rows %d, result %+v", window, n, res)
		}
		st.Close()
	}
}

func TestMaxErrorsAbortsCommit(t *testing.T) {
	ctx := context.Background()
	opt := StageOptions{Staging: t.TempDir(), Job: "j", Schema: schema}
	fn := &stageRowsFn{Opt: opt}
	_ = fn.Setup(ctx)
	defer fn.Teardown()
	var segs []Segment
	// Two objects with the same keys: in append mode the second is all errors.
	b2 := batch(t, 0, 1, 2)
	b2.Origin.ObjectIndex = 1
	for _, b := range []lake.Batch{batch(t, 0, 1, 2), b2} {
		_ = fn.ProcessElement(ctx, b, func(s Segment) { segs = append(segs, s) })
	}
	if err := fn.FinishBundle(ctx, nil); err != nil {
		t.Fatal(err)
	}
	st, _ := store.Open(t.TempDir())
	defer st.Close()
	c, _ := st.Begin("test")
	ti, _ := c.CreateTable("t", schema)
	_, err := Commit(ctx, c, Manifest{Segments: segs}, CommitOptions{Staging: opt.Staging, Job: "j", Table: ti, Mode: Append, MaxErrors: 1, TableIsNew: true})
	if err == nil {
		t.Fatal("2 duplicate-key errors passed max_errors = 1")
	}
	c.Abort()
	if st.Head() != 0 {
		t.Errorf("head moved")
	}
}
