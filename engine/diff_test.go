package engine_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/lakelink/lakelink/store"
)

// Between two tags, diff lists the rows added, removed and changed (with
// the columns that changed), from Go, as a table function, and not rows
// that were only rewritten with the same values.
func TestDiffBetweenTags(t *testing.T) {
	s := session(t, "direct")
	fillEveryType(t, s, "src", 50)
	exec(t, s, "CREATE TABLE other (id BIGINT PRIMARY KEY)")
	if _, err := s.CreateTag("before", 0, ""); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Store.Begin("edit")
	ti, _ := c.Table("src")
	put := func(r store.Row) {
		pk, _ := store.KeyOf(ti.Schema, r[0])
		v, _ := store.EncodeRow(ti.Schema, r)
		c.Put(ti, pk, v)
	}
	changed := everyTypeRow(8)
	changed[1], changed[4] = "renamed", float32(-1)
	put(changed)
	put(everyTypeRow(9))  // the same values again: no change
	put(everyTypeRow(77)) // new
	pk, _ := store.KeyOf(ti.Schema, int64(20))
	c.DeleteRow(ti, pk)
	if _, err := c.Finish(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTag("after", 0, ""); err != nil {
		t.Fatal(err)
	}
	want := [][]any{{"src", "changed", "8", "name, ratio"}, {"src", "removed", "20", ""}, {"src", "added", "77", ""}}
	r, err := s.Diff(context.Background(), "before", "after", "")
	if err != nil || !reflect.DeepEqual(r.Rows, want) {
		t.Errorf("diff: %v %v", r.Rows, err)
	}
	r = exec(t, s, "SELECT change, key, columns FROM diff('after', 'before', 'src') WHERE change = 'added'")[0]
	if !reflect.DeepEqual(r.Rows, [][]any{{"added", "20", ""}}) {
		t.Errorf("reversed diff, added: %v", r.Rows)
	}
	if r, _ := s.Diff(context.Background(), "before", "before", "src"); len(r.Rows) != 0 {
		t.Errorf("a commit against itself: %v", r.Rows)
	}
}
