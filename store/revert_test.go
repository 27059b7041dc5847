package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/store"
)

func revert(st *store.Store, ts uint64) (map[string]store.TableChange, uint64, error) {
	c, err := st.Begin("revert")
	if err != nil {
		return nil, 0, err
	}
	ch, err := c.Revert(ts)
	if err != nil {
		c.Abort()
		return nil, 0, err
	}
	head, err := c.Finish()
	return ch, head, err
}

func title(t *testing.T, st *store.Store, at uint64, id int64) any {
	t.Helper()
	row, err := st.Get("docs", at, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return row[1]
}

// Revert undoes one commit's row changes, leaves later commits' changes
// alone, refuses rows changed again since, catalog and tag commits, and
// a revert of the revert brings the commit's changes back.
func TestRevert(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c1 := load(t, st, []any{int64(1), "one", nil, nil}, []any{int64(2), "two", nil, nil}, []any{int64(3), "three", nil, nil})
	c, _ := st.Begin("update 2, insert 4, delete 3")
	put(t, c, "docs", record(t, docs, []any{int64(2), "TWO", nil, nil}, []any{int64(4), "four", nil, nil}))
	ti, _ := c.Table("docs")
	k3, _ := store.KeyOf(docs, int64(3))
	if err := c.DeleteRow(ti, k3); err != nil {
		t.Fatal(err)
	}
	c2, _ := c.Finish()
	c3 := load(t, st, []any{int64(1), "ONE", nil, nil})
	atC3 := digest(t, st, "docs", c3)

	ch, c4, err := revert(st, c2)
	if err != nil {
		t.Fatal(err)
	}
	if got := ch["docs"]; got != (store.TableChange{Inserted: 1, Updated: 1, Deleted: 1}) {
		t.Errorf("revert %d changed %+v, want 1 put back, 1 restored, 1 deleted", c2, got)
	}
	for id, want := range map[int64]any{1: "ONE", 2: "two", 3: "three", 4: nil} {
		if got := title(t, st, c4, id); got != want {
			t.Errorf("after revert, row %d = %v, want %v", id, got, want)
		}
	}
	if ci, _ := st.Commit(c4); ci.Tables["docs"] != ch["docs"] {
		t.Errorf("the revert's record counts %+v", ci.Tables)
	}

	head := st.Head()
	for _, tc := range []struct {
		name string
		ts   uint64
		want string
	}{
		{"rows changed since", c2, "docs id=2 (commit"},
		{"catalog", c1, "changed the catalog"},
		{"no such commit", head + 5, "no commit"},
	} {
		_, _, err := revert(st, tc.ts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: revert %d: %v, want %q", tc.name, tc.ts, err, tc.want)
		}
		if st.Head() != head {
			t.Fatalf("%s: a refused revert moved the head", tc.name)
		}
	}
	if _, _, err := revert(st, c2); !errors.Is(err, store.ErrConflict) {
		t.Errorf("conflict is %v", err)
	}
	tag(t, st, "t", c1)
	if _, _, err := revert(st, st.Head()); err == nil || !strings.Contains(err.Error(), "tag") {
		t.Errorf("revert of a tag commit: %v", err)
	}

	_, c6, err := revert(st, c4)
	if err != nil {
		t.Fatal(err)
	}
	if got := digest(t, st, "docs", c6); got != atC3 {
		t.Errorf("reverting the revert: digest %s, want the state before it %s", got, atC3)
	}
}
