package store_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakelink/lakelink/store"
)

// rows returns n docs rows whose titles (1.5 KiB, so that they live in
// Badger's value log) carry round r.
func rows(n, r int) [][]any {
	out := make([][]any, n)
	for i := range out {
		out[i] = []any{int64(i), strings.Repeat(string(rune('a'+r)), 1500), []float32{float32(i), float32(r), 1}, nil}
	}
	return out
}

// dataBytes is the size of a closed store's data files: Badger's tables
// and value log (its other files have fixed sizes).
func dataBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(filepath.Join(dir, "db"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if fi, err := d.Info(); err == nil && (strings.HasSuffix(p, ".vlog") || strings.HasSuffix(p, ".sst")) {
			n += fi.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func digest(t *testing.T, st *store.Store, table string, at uint64) string {
	t.Helper()
	d, err := st.Digest(table, at)
	if err != nil {
		t.Fatalf("digest of %s at %d: %v", table, at, err)
	}
	return d
}

func tag(t *testing.T, st *store.Store, name string, at uint64) {
	t.Helper()
	c, err := st.Begin("tag " + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTag(store.Tag{Name: name, Commit: at}); err != nil {
		c.Abort()
		t.Fatal(err)
	}
	if _, err := c.Finish(); err != nil {
		t.Fatal(err)
	}
}

// GC keeps the head and the tagged commits readable, exactly, collects the
// rest (reading one is ErrCollected, also after a reopen), drops a dropped
// table's rows, and the database shrinks.
func TestGCKeepsTaggedCommitsAndShrinks(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c1 := load(t, st, rows(400, 0)...)
	tag(t, st, "audit", c1)
	var upserts []uint64
	for r := 1; r <= 4; r++ {
		upserts = append(upserts, load(t, st, rows(400, r)...))
	}
	c, _ := st.Begin("scratch")
	if _, err := c.CreateTable("scratch", docs); err != nil {
		t.Fatal(err)
	}
	put(t, c, "scratch", record(t, docs, rows(400, 9)...))
	scratch, _ := c.Finish()
	c, _ = st.Begin("drop scratch")
	if err := c.DropTable("scratch"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Finish(); err != nil {
		t.Fatal(err)
	}
	head := st.Head()
	want := map[uint64]string{c1: digest(t, st, "docs", c1), head: digest(t, st, "docs", head)}
	commits, _ := st.Commits()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	before := dataBytes(t, dir)
	if st, err = store.Open(dir); err != nil {
		t.Fatal(err)
	}

	// Canceled before it starts, gc and backups change nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.GC(store.GCOptions{Before: time.Now(), Ctx: ctx}); !errors.Is(err, context.Canceled) || st.Head() != head {
		t.Errorf("canceled gc: %v, head %d, was %d", err, st.Head(), head)
	}
	if _, err := st.Backup(ctx, io.Discard, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled backup: %v", err)
	}

	res, err := st.GC(store.GCOptions{Before: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gc: %+v", res)
	if res.Horizon != head || len(res.Kept) != 1 || res.Kept[0] != c1 {
		t.Errorf("gc kept from %d and %v; want from the head %d and the tagged %d", res.Horizon, res.Kept, head, c1)
	}
	if res.VersionsDropped == 0 || res.BytesAfter >= res.BytesBefore {
		t.Errorf("gc dropped %d versions, %d -> %d bytes", res.VersionsDropped, res.BytesBefore, res.BytesAfter)
	}
	check := func(st *store.Store) {
		t.Helper()
		for at, d := range want {
			if got := digest(t, st, "docs", at); got != d {
				t.Errorf("digest at %d after gc = %s, want %s", at, got, d)
			}
		}
		for _, at := range append(upserts, scratch) {
			if _, err := st.Digest("docs", at); !errors.Is(err, store.ErrCollected) || !strings.Contains(err.Error(), "collected by retention") {
				t.Errorf("read at collected commit %d: %v", at, err)
			}
		}
		if _, err := st.Table("scratch", scratch); !errors.Is(err, store.ErrCollected) {
			t.Errorf("dropped table at its commit: %v", err)
		}
		if got, _ := st.Commits(); len(got) != len(commits)+1 {
			t.Errorf("log has %d commits after gc, want the %d before and the gc", len(got), len(commits))
		}
	}
	check(st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	after := dataBytes(t, dir)
	// Six row sets went in (five versions of each docs row, and the
	// dropped table's rows); two stay: a third, and a little for keys.
	if after*5 > before*2 {
		t.Errorf("data files %d bytes before gc, %d after: want at most 40%%", before, after)
	}
	t.Logf("data files %d bytes before gc, %d after", before, after)
	if st, err = store.Open(dir); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	check(st)
	if err := func() error {
		c, _ := st.Begin("tag a collected commit")
		defer c.Abort()
		return c.CreateTag(store.Tag{Name: "late", Commit: upserts[0]})
	}(); !errors.Is(err, store.ErrCollected) {
		t.Errorf("tagging a collected commit: %v", err)
	}
	// New commits after gc work as before.
	next := load(t, st, rows(3, 7)...)
	if n, err := st.Count("docs", next); err != nil || n != 400 {
		t.Errorf("count after a commit following gc = %d, %v", n, err)
	}
	// Once its tag is deleted, the next gc collects the tagged commit.
	c, _ = st.Begin("delete tag")
	if err := c.DeleteTag("audit"); err != nil {
		t.Fatal(err)
	}
	c.Finish()
	if res, err := st.GC(store.GCOptions{Before: time.Now()}); err != nil || len(res.Kept) != 0 || !slices.Contains(res.Collected, c1) {
		t.Errorf("gc after deleting the tag: %+v, %v", res, err)
	}
	if _, err := st.Digest("docs", c1); !errors.Is(err, store.ErrCollected) {
		t.Errorf("the untagged commit %d: %v", c1, err)
	}
}

// With Before between commits, every moment from Before on stays
// readable: the commit that was the head then and all later ones.
func TestGCKeepsEveryMomentSinceBefore(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ts []uint64
	var digests []string
	for r := 0; r < 4; r++ {
		ts = append(ts, load(t, st, rows(50, r)...))
		digests = append(digests, digest(t, st, "docs", ts[r]))
		time.Sleep(20 * time.Millisecond)
	}
	ci, err := st.Commit(ts[2])
	if err != nil {
		t.Fatal(err)
	}
	// A moment after commit 2 and before commit 3: commit 2 was the head.
	res, err := st.GC(store.GCOptions{Before: ci.Time.Add(5 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Horizon != ts[2] || len(res.Kept) != 0 || len(res.Collected) != 2 {
		t.Errorf("gc: horizon %d, kept %v, collected %v; want horizon %d and commits %v collected", res.Horizon, res.Kept, res.Collected, ts[2], ts[:2])
	}
	for i, at := range ts {
		d, err := st.Digest("docs", at)
		switch {
		case i < 2 && !errors.Is(err, store.ErrCollected):
			t.Errorf("commit %d: %v, want collected", at, err)
		case i >= 2 && (err != nil || d != digests[i]):
			t.Errorf("commit %d: %s, %v; want %s", at, d, err, digests[i])
		}
	}
	// A second gc never brings a collected commit back, even when asked to
	// keep more.
	if _, err := st.GC(store.GCOptions{Before: time.Time{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Digest("docs", ts[0]); !errors.Is(err, store.ErrCollected) {
		t.Errorf("after a second gc, commit %d: %v", ts[0], err)
	}
}
