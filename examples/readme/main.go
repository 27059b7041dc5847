// Command readme is the Go example of the README, kept here so that it
// compiles with the module; readme_test.go checks that the README shows
// this file as it is.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
)

func main() {
	if runners.IsWorker(os.Args[1:]) { // Prism's worker processes run this binary
		os.Exit(runners.RunWorker(os.Args[1:]))
	}
	ctx := context.Background()
	st, err := store.Open("./lakelink-data")
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	s := &engine.Session{Store: st, Runner: runners.Options{Runner: "direct"}} // or "prism"
	if _, err := s.Exec(ctx, `
		COPY FROM 'lake/docs/*.parquet' INTO documents
		MAP COLUMNS (id => id, title => title, embedding => embedding::VECTOR(384))
		WITH (primary_key = 'id', mode = 'upsert');
		CREATE INDEX IF NOT EXISTS ON documents USING hnsw (embedding)`); err != nil {
		log.Fatal(err)
	}
	// The five documents nearest to document 42.
	q, err := s.Exec(ctx, "SELECT embedding FROM documents WHERE id = 42")
	if err != nil || len(q[0].Rows) == 0 {
		log.Fatal("no document 42: ", err)
	}
	s.Params = map[int]any{1: q[0].Rows[0][0]}
	res, err := s.Exec(ctx, "SELECT id, title, embedding <=> $1 AS distance FROM documents ORDER BY distance LIMIT 5")
	if err != nil {
		log.Fatal(err)
	}
	for _, row := range res[0].Rows {
		fmt.Println(row...)
	}
}
