package datasets_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/store"
)

// Back a store up to a folder (a bucket URL works the same), add rows,
// back up what changed since, and restore both into a new store.
func ExampleCreateBackup() {
	dir, _ := os.MkdirTemp("", "lakelink-backup-")
	defer os.RemoveAll(dir)
	st, _ := store.Open(filepath.Join(dir, "store"))
	schema := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt, NotNull: true}}, PrimaryKey: []string{"id"}}
	add := func(from, to int64) {
		c, _ := st.Begin("rows")
		t, err := c.Table("t")
		if err != nil {
			t, _ = c.CreateTable("t", schema)
		}
		for id := from; id < to; id++ {
			pk, _ := store.KeyOf(schema, id)
			v, _ := store.EncodeRow(schema, store.Row{id})
			_ = c.Put(t, pk, v)
		}
		_, _ = c.Finish()
	}
	ctx, backups := context.Background(), filepath.Join(dir, "backups")
	add(0, 100)
	if _, err := datasets.CreateBackup(ctx, st, backups, false, objstore.Options{}); err != nil {
		fmt.Println(err)
	}
	add(100, 150)
	if _, err := datasets.CreateBackup(ctx, st, backups, true, objstore.Options{}); err != nil {
		fmt.Println(err)
	}
	st.Close()

	list, _ := datasets.ListBackups(ctx, backups, objstore.Options{})
	fmt.Println(len(list), "backups; the second incremental:", list[1].Incremental)
	if _, err := datasets.RestoreBackup(ctx, backups, "", filepath.Join(dir, "restored"), false, nil, objstore.Options{}); err != nil {
		fmt.Println(err)
	}
	restored, _ := store.Open(filepath.Join(dir, "restored"))
	defer restored.Close()
	n, _ := restored.Count("t", restored.Head())
	fmt.Println(n, "rows restored")
	// Output:
	// 2 backups; the second incremental: true
	// 150 rows restored
}
