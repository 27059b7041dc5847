package store

import (
	"os"
	"path/filepath"
	"testing"
)

// An interrupted gc leaves, at each step of its swap, a folder that Open
// turns into exactly one database: the rewrite once the marker exists,
// the old one before.
func TestFinishSwap(t *testing.T) {
	for _, tc := range []struct {
		name    string
		present []string // folders (db, db.gc, db.old) and the marker
		want    string   // which database db holds afterwards
	}{
		{"rewrite unfinished", []string{"db", "db.gc"}, "db"},
		{"marker written", []string{"db", "db.gc", swapMarker}, "db.gc"},
		{"old moved aside", []string{"db.old", "db.gc", swapMarker}, "db.gc"},
		{"rewrite in place", []string{"db.old", "db", swapMarker}, "db"},
		{"nothing to do", []string{"db"}, "db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, p := range tc.present {
				if p == swapMarker {
					if err := os.WriteFile(filepath.Join(dir, p), nil, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.Mkdir(filepath.Join(dir, p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, p, "origin"), []byte(p), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := finishSwap(dir); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, "db", "origin"))
			if err != nil || string(got) != tc.want {
				t.Errorf("db holds %q (%v), want %q", got, err, tc.want)
			}
			for _, p := range []string{"db.gc", "db.old", swapMarker} {
				if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
					t.Errorf("%s is left", p)
				}
			}
		})
	}
}
