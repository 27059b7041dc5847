// Quickstart generates a realistic documents Parquet file (ids, titles,
// content, 384-d embeddings), imports it into a fresh embedded store with a
// Beam pipeline on the direct runner, and prints counts and a few rows.
//
//	go run ./examples/pipelines/quickstart [-rows N] [-dir DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

func main() {
	rows := flag.Int("rows", 20000, "documents to generate")
	dir := flag.String("dir", "", "working folder (default: a new temporary folder)")
	runner := flag.String("runner", "direct", "pipeline runner: direct or prism")
	flag.Parse()
	if err := run(*rows, *dir, *runner); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(rows int, dir, runner string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "lakelink-quickstart-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	lakeDir := filepath.Join(dir, "lake", "docs")
	if err := os.MkdirAll(lakeDir, 0o755); err != nil {
		return err
	}
	// Two files, so the import reads several objects and row groups.
	half := rows / 2
	for i, n := range []int{half, rows - half} {
		path := filepath.Join(lakeDir, fmt.Sprintf("part-%d.parquet", i))
		cfg := fixtures.Documents{Rows: n, Dim: 384, RowGroupRows: 4096, FirstID: int64(i * half), Seed: uint64(i + 1)}
		if err := fixtures.WriteDocuments(path, cfg); err != nil {
			return err
		}
	}
	fmt.Printf("generated %d documents with 384-d embeddings in %s\n", rows, lakeDir)

	st, err := store.Open(filepath.Join(dir, "store"))
	if err != nil {
		return err
	}
	defer st.Close()
	sess := &engine.Session{Store: st, Runner: runners.Options{Runner: runner}}
	ctx := context.Background()

	start := time.Now()
	res, err := sess.Exec(ctx, fmt.Sprintf(`
		COPY FROM '%s/*.parquet' INTO documents
		MAP COLUMNS (id => id, title => title, content => content, embedding => embedding::VECTOR(384))
		WITH (primary_key = 'id', batch_size = 2048)`, lakeDir))
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Println(res[0].Message)
	fmt.Printf("imported in %s (%.0f rows/s) on the %s runner\n", elapsed.Round(time.Millisecond), float64(rows)/elapsed.Seconds(), runner)

	out, err := sess.Exec(ctx, `SELECT count(*) FROM documents; SELECT id, title FROM documents LIMIT 3; SELECT id, title FROM documents WHERE id = 42`)
	if err != nil {
		return err
	}
	fmt.Printf("rows in documents: %v\n", out[0].Rows[0][0])
	for _, r := range out[1].Rows {
		fmt.Printf("  %v  %v\n", r[0], r[1])
	}
	fmt.Printf("document 42: %v\n", out[2].Rows[0][1])
	d, err := st.Digest("documents", st.Head())
	if err != nil {
		return err
	}
	fmt.Printf("table digest at commit %d: %s\n", st.Head(), d)

	// Back to the lake: a dated export whose files carry their own HNSW
	// index (AILK sections), then a search over those files in place.
	exportDir := filepath.Join(dir, "exports", "documents")
	start = time.Now()
	res, err = sess.Exec(ctx, fmt.Sprintf(`COPY documents TO '%s' WITH (dated = true, vector_index = 'hnsw', max_file_size = '16MB')`, exportDir))
	if err != nil {
		return err
	}
	fmt.Printf("%s (%s)\n", res[0].Message, time.Since(start).Round(time.Millisecond))
	q, err := sess.Exec(ctx, `SELECT embedding FROM documents WHERE id = 42`)
	if err != nil {
		return err
	}
	sess.Params = map[int]any{1: q[0].Rows[0][0]}
	found, err := sess.Exec(ctx, fmt.Sprintf(`SELECT id, title, cosine_similarity(embedding, $1) AS score
		FROM parquet_scan('%s/**/*.parquet') ORDER BY score DESC LIMIT 3`, exportDir))
	if err != nil {
		return err
	}
	if len(found[0].Rows) == 0 || found[0].Rows[0][0] != int64(42) {
		return fmt.Errorf("the search in the exported files did not find document 42 first: %v", found[0].Rows)
	}
	fmt.Printf("nearest to document 42, searched in the exported files (%s):\n", found[0].Plan)
	for _, r := range found[0].Rows {
		fmt.Printf("  %v  %-40v  %.4f\n", r[0], r[1], r[2])
	}
	return nil
}
