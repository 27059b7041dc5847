package store_test

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/lakelink/lakelink/store"
)

// A backup keeps the versions behind a deletion: reading a restored store
// at a commit before a row was deleted, or a table dropped, sees them.
func TestBackupKeepsVersionsBehindDeletions(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c1 := load(t, st, []any{int64(1), "one", nil, nil}, []any{int64(2), "two", nil, nil})
	var first bytes.Buffer
	if _, err := st.Backup(&first, 0); err != nil {
		t.Fatal(err)
	}
	c, err := st.Begin("delete 1")
	if err != nil {
		t.Fatal(err)
	}
	ti, _ := c.Table("docs")
	key, err := store.KeyOf(docs, int64(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRow(ti, key); err != nil {
		t.Fatal(err)
	}
	c2, err := c.Finish()
	if err != nil {
		t.Fatal(err)
	}
	c, _ = st.Begin("drop")
	if err := c.DropTable("docs"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Finish(); err != nil {
		t.Fatal(err)
	}
	want := map[uint64]string{}
	for _, at := range []uint64{c1, c2} {
		if want[at], err = st.Digest("docs", at); err != nil {
			t.Fatal(err)
		}
	}
	if want[c1] == want[c2] {
		t.Fatal("the delete changed nothing")
	}
	var full, incremental bytes.Buffer
	if _, err := st.Backup(&full, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Backup(&incremental, c1+1); err != nil {
		t.Fatal(err)
	}
	for name, chain := range map[string][]io.Reader{"full": {&full}, "full+incremental": {&first, &incremental}} {
		t.Run(name, func(t *testing.T) { checkRestore(t, chain, want) })
	}
}

func checkRestore(t *testing.T, chain []io.Reader, want map[uint64]string) {
	dir := filepath.Join(t.TempDir(), "restored")
	if err := store.Restore(dir, chain); err != nil {
		t.Fatal(err)
	}
	rs, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for at, w := range want {
		if got, err := rs.Digest("docs", at); err != nil || got != w {
			t.Errorf("restored digest at %d = %s, %v; want %s", at, got, err, w)
		}
	}
	if _, err := rs.Table("docs", rs.Head()); err == nil {
		t.Errorf("the dropped table is back at the head")
	}
}
