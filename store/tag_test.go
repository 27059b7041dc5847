package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lakelink/lakelink/store"
)

func tagCommit(st *store.Store, fn func(c *store.Commit) error) error {
	c, err := st.Begin("tag")
	if err != nil {
		return err
	}
	if err := fn(c); err != nil {
		c.Abort()
		return err
	}
	_, err = c.Finish()
	return err
}

// Tags name commits, never move, survive reopening, and are read as they
// were at any commit; deleting one frees its name. Commits are found by
// number and by time.
func TestTags(t *testing.T) {
	dir := t.TempDir()
	st, _ := store.Open(dir)
	c1 := load(t, st, []any{int64(1), "a", nil, nil})
	c2 := load(t, st, []any{int64(2), "b", nil, nil})
	if err := tagCommit(st, func(c *store.Commit) error {
		return c.CreateTag(store.Tag{Name: "q1-audit", Commit: c1, Author: "ann", Message: "quarter one"})
	}); err != nil {
		t.Fatal(err)
	}
	tagged := st.Head()
	for _, tc := range []struct {
		tag  store.Tag
		want string
	}{
		{store.Tag{Name: "Q1-AUDIT", Commit: c2}, "tag q1-audit exists (commit 1); tags are immutable"},
		{store.Tag{Name: "later", Commit: tagged + 5}, "no commit 8 (the head is 3)"},
		{store.Tag{Name: "zero"}, "no commit 0"},
		{store.Tag{Name: "-x", Commit: c1}, "invalid tag name"},
		{store.Tag{Name: "a b", Commit: c1}, "invalid tag name"},
	} {
		err := tagCommit(st, func(c *store.Commit) error { return c.CreateTag(tc.tag) })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.tag, err, tc.want)
		}
	}
	if st.Head() != tagged {
		t.Errorf("failed tag commits moved the head")
	}
	st.Close()
	st, _ = store.Open(dir)
	defer st.Close()
	tag, err := st.Tag("Q1-audit")
	if err != nil || tag.Commit != c1 || tag.Author != "ann" || tag.Message != "quarter one" || time.Since(tag.Time) > time.Minute {
		t.Errorf("tag %+v, %v", tag, err)
	}
	if err := tagCommit(st, func(c *store.Commit) error { return c.DeleteTag("q1-audit") }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Tag("q1-audit"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted tag: %v", err)
	}
	if err := tagCommit(st, func(c *store.Commit) error { return c.DeleteTag("q1-audit") }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting a missing tag: %v", err)
	}
	if err := tagCommit(st, func(c *store.Commit) error { return c.CreateTag(store.Tag{Name: "q1-audit", Commit: c2}) }); err != nil {
		t.Errorf("reusing a deleted tag's name: %v", err)
	}
	if tags, err := st.Tags(); err != nil || len(tags) != 1 || tags[0].Commit != c2 {
		t.Errorf("tags %+v %v", tags, err)
	}

	all, _ := st.Commits()
	if ci, err := st.Commit(c2); err != nil || ci.TS != c2 || ci.Message != "load" {
		t.Errorf("commit %d: %+v %v", c2, ci, err)
	}
	if _, err := st.Commit(99); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("commit 99: %v", err)
	}
	if ci, err := st.CommitAt(all[1].Time); err != nil || ci.TS != all[1].TS {
		t.Errorf("commit at %s: %+v %v", all[1].Time, ci, err)
	}
	if ci, err := st.CommitAt(time.Now().Add(time.Hour)); err != nil || ci.TS != st.Head() {
		t.Errorf("commit at a later time: %+v %v", ci, err)
	}
	if _, err := st.CommitAt(all[0].Time.Add(-time.Second)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("before the first commit: %v", err)
	}
}
