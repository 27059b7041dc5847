package csvio_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/store"
)

// COPY reads .csv objects through this package: a new table takes the
// types the values look like, vectors written as JSON arrays included.
func Example() {
	dir, _ := os.MkdirTemp("", "csvio-example-")
	defer os.RemoveAll(dir)
	csv := filepath.Join(dir, "docs.csv")
	os.WriteFile(csv, []byte("id,title,embedding\n1,\"lakes, rivers\",\"[0.1, 0.2]\"\n2,seas,\"[0.3, 0.4]\"\n"), 0o644)
	st, _ := store.Open(filepath.Join(dir, "store"))
	defer st.Close()
	s := &engine.Session{Store: st}
	res, err := s.Exec(context.Background(), "COPY FROM '"+csv+"' INTO docs WITH (primary_key = 'id'); SELECT * FROM docs")
	if err != nil {
		fmt.Println(err)
		return
	}
	ti, _ := st.Table("docs", st.Head())
	for _, c := range ti.Schema.Columns {
		fmt.Println(c.Name, c.Type)
	}
	for _, r := range res[1].Rows {
		fmt.Println(r...)
	}
	// Output:
	// id BIGINT
	// title TEXT
	// embedding VECTOR(2)
	// 1 lakes, rivers [0.1 0.2]
	// 2 seas [0.3 0.4]
}
