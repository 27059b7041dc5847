package store_test

import (
	"fmt"
	"os"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

// A commit writes a table and its rows at one timestamp; they become
// visible together when Finish moves the head.
func ExampleStore_Begin() {
	dir, _ := os.MkdirTemp("", "lakelink-example-")
	defer os.RemoveAll(dir)
	st, err := store.Open(dir)
	if err != nil {
		panic(err)
	}
	defer st.Close()

	schema := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt}, {Name: "v", Type: lake.Vector(2)}}, PrimaryKey: []string{"id"}}
	rec, _ := lake.NewRecord(schema, [][]any{{int64(1), []float32{0.5, 1}}, {int64(2), []float32{2, 3}}})

	c, _ := st.Begin("load points")
	table, _ := c.CreateTable("points", schema)
	for i := 0; i < int(rec.NumRows()); i++ {
		key, _ := store.AppendKey(nil, schema, schema.PKIndexes(), rec, i)
		val, _ := store.AppendRow(nil, schema, rec, i)
		_ = c.Put(table, key, val)
	}
	fmt.Println("before finish, head =", st.Head())
	ts, _ := c.Finish()
	n, _ := st.Count("points", ts)
	row, _ := st.Get("points", ts, 2)
	fmt.Println("after finish, head =", st.Head(), "rows =", n, "row 2 =", row)
	// Output:
	// before finish, head = 0
	// after finish, head = 1 rows = 2 row 2 = [2 [2 3]]
}
