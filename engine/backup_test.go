package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/store"
)

// Backup, wipe, restore: every table has the same digest at every commit;
// an incremental backup after more commits restores to the later state;
// a non-empty target is refused without force; a damaged backup loads
// nothing.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	s := session(t, "direct")
	fillEveryType(t, s, "src", 400)
	exec(t, s, "CREATE TABLE other (id BIGINT PRIMARY KEY, v TEXT)")
	if _, err := s.CreateTag("first", 0, ""); err != nil {
		t.Fatal(err)
	}
	digests := func(st *store.Store, upTo uint64) map[uint64]map[string]string {
		out := map[uint64]map[string]string{}
		for at := uint64(1); at <= upTo; at++ {
			out[at] = map[string]string{}
			ts, _ := st.Tables(at)
			for _, ti := range ts {
				out[at][ti.Name] = content(t, st, ti.Name, at)
			}
		}
		return out
	}
	backups := filepath.Join(t.TempDir(), "backups")
	full, err := datasets.CreateBackup(ctx, s.Store, backups, false, objstore.Options{})
	if err != nil || full.Head != s.Store.Head() || full.Incremental {
		t.Fatalf("full backup %+v %v", full, err)
	}
	atFull := digests(s.Store, full.Head)

	// More commits, then an incremental backup.
	c, _ := s.Store.Begin("edit")
	ti, _ := c.Table("src")
	row := everyTypeRow(3)
	row[1] = "after the full backup"
	pk, _ := store.KeyOf(ti.Schema, row[0])
	v, _ := store.EncodeRow(ti.Schema, row)
	c.Put(ti, pk, v)
	c.Finish()
	fillEveryType(t, s, "third", 50)
	inc, err := datasets.CreateBackup(ctx, s.Store, backups, true, objstore.Options{})
	if err != nil || !inc.Incremental || inc.Base != full.Version || inc.Since != full.Head+1 {
		t.Fatalf("incremental backup %+v %v", inc, err)
	}
	atInc := digests(s.Store, inc.Head)

	for _, tc := range []struct {
		from string
		want map[uint64]map[string]string
		head uint64
	}{{full.Version, atFull, full.Head}, {"", atInc, inc.Head}} {
		target := filepath.Join(t.TempDir(), "restored")
		rec, err := datasets.RestoreBackup(ctx, backups, tc.from, target, false, nil, objstore.Options{})
		if err != nil {
			t.Fatalf("restore %q: %v", tc.from, err)
		}
		st, err := store.Open(target)
		if err != nil {
			t.Fatal(err)
		}
		if st.Head() != tc.head || rec.Head != tc.head {
			t.Errorf("restored head %d, want %d", st.Head(), tc.head)
		}
		got := digests(st, tc.head)
		for at, tables := range tc.want {
			for name, d := range tables {
				if got[at][name] != d {
					t.Errorf("restore %q: %s at commit %d: %s, want %s", tc.from, name, at, got[at][name], d)
				}
			}
		}
		if tag, err := st.Tag("first"); err != nil || tag.Commit == 0 {
			t.Errorf("tag after restore: %v %v", tag, err)
		}
		st.Close()
		if _, err := datasets.RestoreBackup(ctx, backups, "", target, false, nil, objstore.Options{}); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("restore over a store: %v", err)
		}
		if _, err := datasets.RestoreBackup(ctx, backups, "", target, true, nil, objstore.Options{}); err != nil {
			t.Errorf("restore --force: %v", err)
		}
	}
	list, _ := datasets.ListBackups(ctx, backups, objstore.Options{})
	if len(list) != 2 {
		t.Errorf("%d backups listed", len(list))
	}
	// A damaged incremental file: nothing is restored.
	p := filepath.Join(backups, filepath.FromSlash(inc.File))
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 1
	os.WriteFile(p, data, 0o644)
	target := filepath.Join(t.TempDir(), "damaged")
	if _, err := datasets.RestoreBackup(ctx, backups, "", target, false, nil, objstore.Options{}); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("damaged backup: %v", err)
	}
	if _, err := os.Stat(filepath.Join(target, "db")); err == nil {
		t.Errorf("a damaged backup created a store")
	}
}
