package datasets_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/store"
)

// Backups taken in quick succession (within a millisecond on a small
// store) get folders of their own, in order, and each restores.
func TestBackupsInTheSameMillisecond(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, url := context.Background(), filepath.Join(dir, "backups")
	for i := range 5 {
		if _, err := datasets.CreateBackup(ctx, st, url, i > 0, objstore.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	list, err := datasets.ListBackups(ctx, url, objstore.Options{})
	if err != nil || len(list) != 5 {
		t.Fatalf("%d backups: %v", len(list), err)
	}
	for i := 1; i < len(list); i++ {
		if list[i].Version <= list[i-1].Version || list[i].File == list[i-1].File {
			t.Errorf("backup %d (%s) does not follow %s", i, list[i].Version, list[i-1].Version)
		}
	}
	for _, r := range list {
		if _, err := datasets.RestoreBackup(ctx, url, r.Version, filepath.Join(dir, "restored-"+filepath.Base(r.Version)), false, nil, objstore.Options{}); err != nil {
			t.Errorf("restoring %s: %v", r.Version, err)
		}
	}
}
