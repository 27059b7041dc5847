package history_test

import (
	"context"
	"fmt"
	"os"

	"github.com/lakelink/lakelink/history"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

// Tag a commit, change the table, and list what changed since the tag.
func ExampleDiff() {
	dir, _ := os.MkdirTemp("", "lakelink-history-")
	defer os.RemoveAll(dir)
	st, _ := store.Open(dir)
	defer st.Close()
	schema := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt, NotNull: true}, {Name: "name", Type: lake.Text}}, PrimaryKey: []string{"id"}}
	write := func(message string, rows ...store.Row) {
		c, _ := st.Begin(message)
		t, err := c.Table("people")
		if err != nil {
			t, _ = c.CreateTable("people", schema)
		}
		for _, r := range rows {
			pk, _ := store.KeyOf(schema, r[0])
			v, _ := store.EncodeRow(schema, r)
			if err := c.Put(t, pk, v); err != nil {
				fmt.Println(err)
			}
		}
		if _, err := c.Finish(); err != nil {
			fmt.Println(err)
		}
	}
	write("first", store.Row{int64(1), "ada"}, store.Row{int64(2), "grace"})
	if _, err := history.CreateTag(st, "docs", "v1", 0, "the first two"); err != nil {
		fmt.Println(err)
	}
	write("second", store.Row{int64(2), "grace hopper"}, store.Row{int64(3), "edsger"})

	_, rows, err := history.Diff(context.Background(), st, "v1", "head", "people")
	fmt.Println(err)
	for _, r := range rows {
		fmt.Println(r[1], r[2], r[3])
	}
	// Output:
	// <nil>
	// changed 2 name
	// added 3
}
