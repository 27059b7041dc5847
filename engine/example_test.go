package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// A session runs statements against a store; COPY runs a Beam pipeline
// (the direct runner by default) and commits what it read in one commit.
func ExampleSession_Exec() {
	dir, _ := os.MkdirTemp("", "lakelink-example-")
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "docs.parquet")
	_ = fixtures.WriteDocuments(data, fixtures.Documents{Rows: 1000, Dim: 384})

	st, err := store.Open(filepath.Join(dir, "store"))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	s := &engine.Session{Store: st}
	res, err := s.Exec(context.Background(), `
		COPY FROM '`+data+`' INTO documents
		MAP COLUMNS (id => id, title => title, embedding => embedding::VECTOR(384))
		WITH (primary_key = 'id');
		SELECT count(*) FROM documents;
		SELECT id FROM documents WHERE id = 42`)
	if err != nil {
		panic(err)
	}
	fmt.Println(res[1].Rows[0][0], "rows;", "found id", res[2].Rows[0][0])
	t, _ := st.Table("documents", st.Head())
	fmt.Println(t.Schema)
	// Output:
	// 1000 rows; found id 42
	// (id BIGINT NOT NULL, title TEXT, embedding VECTOR(384), PRIMARY KEY (id))
}
