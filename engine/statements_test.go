package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// session opens a fresh store; runner is "direct", "prism" or
// "prism-process" (Prism with workers in separate processes: this test
// binary, started by Prism, as its own worker).
func session(t *testing.T, runner string) *engine.Session {
	ro := runners.Options{Runner: runner}
	if runner == "prism-process" {
		ro = runners.Options{Runner: "prism", Environment: "process"}
	}
	return &engine.Session{Store: openStore(t), Runner: ro}
}

func exec(t *testing.T, s *engine.Session, sql string) []engine.Result {
	t.Helper()
	res, err := s.Exec(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return res
}

func count(t *testing.T, s *engine.Session, table string) int64 {
	t.Helper()
	return exec(t, s, "SELECT count(*) FROM "+table)[0].Rows[0][0].(int64)
}

// The "From Local Parquet" statements of the Lake-Link guide and its
// embedding-detection example run as written, on files with the guide's
// column names, from a working folder that holds ./data and ./embeddings.
func TestGuideLocalParquet(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.MkdirAll("data", 0o755)
	docs := fixtures.Documents{Rows: 500, Dim: 384, RowGroupRows: 200}
	if err := fixtures.WriteGuideDocuments("data/documents.parquet", docs); err != nil {
		t.Fatal(err)
	}
	embs := fixtures.Documents{Rows: 300, Dim: 1536, RowGroupRows: 128, Seed: 3}
	if err := fixtures.WriteGuideEmbeddings("embeddings.parquet", embs); err != nil {
		t.Fatal(err)
	}

	s := session(t, "direct")
	exec(t, s, `-- Simple import
COPY FROM './data/documents.parquet'
INTO documents;`)
	ti, _ := s.Store.Table("documents", s.Store.Head())
	if got := ti.Schema.String(); got != "(doc_id BIGINT, doc_title TEXT, doc_content TEXT, vector VECTOR(384))" {
		t.Errorf("simple import created %s", got)
	}
	if n := count(t, s, "documents"); n != 500 {
		t.Errorf("simple import: %d rows", n)
	}

	s = session(t, "direct")
	exec(t, s, `-- With explicit column mapping
COPY FROM './data/documents.parquet'
INTO documents (id, title, content, embedding)
MAP COLUMNS (
    doc_id => id,
    doc_title => title,
    doc_content => content,
    vector => embedding
);`)
	ti, _ = s.Store.Table("documents", s.Store.Head())
	if got := ti.Schema.String(); got != "(id BIGINT, title TEXT, content TEXT, embedding VECTOR(384))" {
		t.Errorf("mapped import created %s", got)
	}
	r := exec(t, s, "SELECT title, embedding FROM documents WHERE id = 123")[0]
	want := docs.Row(123)
	if len(r.Rows) != 1 || r.Rows[0][0] != want.Title || r.Rows[0][1].([]float32)[383] != want.Embedding[383] {
		t.Errorf("row 123: %v", r.Rows)
	}

	exec(t, s, `-- Source Parquet schema:
-- id: string
-- text: string
-- embedding: list<float>  -- Auto-detected as VECTOR

COPY FROM './embeddings.parquet'
INTO embedded (id, content, embedding)
MAP COLUMNS (
    id => id,
    text => content,
    embedding => embedding::VECTOR(1536)  -- Cast to vector type
);`)
	ti, _ = s.Store.Table("embedded", s.Store.Head())
	if got := ti.Schema.String(); got != "(id TEXT, content TEXT, embedding VECTOR(1536))" {
		t.Errorf("embedding import created %s", got)
	}
	r = exec(t, s, "SELECT embedding FROM embedded WHERE id = 'doc-7'")[0]
	if len(r.Rows) != 1 || len(r.Rows[0][0].([]float32)) != 1536 || r.Rows[0][0].([]float32)[1000] != embs.Row(7).Embedding[1000] {
		t.Errorf("doc-7: %d rows", len(r.Rows))
	}
	// Without the cast the column is detected as a vector all the same.
	exec(t, s, "COPY FROM './embeddings.parquet' INTO detected (id, content, embedding) MAP COLUMNS (text => content)")
	ti, _ = s.Store.Table("detected", s.Store.Head())
	if got := ti.Schema.String(); got != "(id TEXT, content TEXT, embedding VECTOR(1536))" {
		t.Errorf("detection created %s", got)
	}
	if _, err := s.Exec(context.Background(), "COPY FROM './embeddings.parquet' INTO x (id) MAP COLUMNS (text => content)"); err == nil || !strings.Contains(err.Error(), "not in the column list") {
		t.Errorf("a MAP target outside the column list: %v", err)
	}
}

// Several globbed files into a declared table, with a batch size.
func TestImportGlobIntoDeclaredTable(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "documents"), 0o755)
	for i := 0; i < 3; i++ {
		cfg := fixtures.Documents{Rows: 400, Dim: 16, RowGroupRows: 150, FirstID: int64(400 * i), Seed: uint64(i)}
		if err := fixtures.WriteDocuments(filepath.Join(dir, "documents", fmt.Sprintf("part-%d.parquet", i)), cfg); err != nil {
			t.Fatal(err)
		}
	}
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf(`
		CREATE TABLE articles (article_id BIGINT PRIMARY KEY, headline TEXT, body TEXT);
		COPY FROM '%s/documents/*.parquet' INTO articles
		MAP COLUMNS (id => article_id, title => headline, content => body)
		WITH (format = 'parquet', batch_size = 100);`, dir))
	if n := count(t, s, "articles"); n != 1200 {
		t.Errorf("mapped import: %d rows", n)
	}
	r := exec(t, s, "SELECT headline FROM articles WHERE article_id = 401")[0]
	if len(r.Rows) != 1 || r.Rows[0][0] != (fixtures.Documents{Dim: 16, FirstID: 400, Seed: 1}).Row(1).Title {
		t.Errorf("article 401: %v", r.Rows)
	}
}

func TestStatementErrorsBeforeDataMoves(t *testing.T) {
	path := writeDocs(t, fixtures.Documents{Rows: 10, Dim: 4})
	s := session(t, "direct")
	exec(t, s, "CREATE TABLE t (id BIGINT PRIMARY KEY, v VECTOR(4), d DATE)")
	head := s.Store.Head()
	for sql, want := range map[string]string{
		"COPY FROM '" + path + "' INTO t WITH (colour = 'red')":                   `unknown option "colour"`,
		"COPY FROM '" + path + "' INTO t MAP COLUMNS (nope => id)":                `no column "nope"`,
		"COPY FROM '" + path + "' INTO t MAP COLUMNS (id => missing)":             `no column "missing"`,
		"COPY FROM '" + path + "' INTO t MAP COLUMNS (id => id, embedding => d)":  "cannot cast",
		"COPY FROM '" + path + "' INTO t MAP COLUMNS (embedding => v::VECTOR(8))": "column \"v\" is VECTOR(4)",
		"COPY FROM '" + path + "' INTO t WITH (mode = 'merge')":                   "mode must be 'append', 'upsert' or 'update'",
		"SELECT * FROM nosuch": "does not exist",
		"SELEC 1":              "syntax error",
		"COPY FROM '" + filepath.Dir(path) + "/none-*.parquet' INTO t": "no objects match",
	} {
		_, err := s.Exec(context.Background(), sql)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", sql, err, want)
		}
	}
	if s.Store.Head() != head {
		t.Errorf("a failed statement committed")
	}
}

func TestUpsertLastRowWinsAndAppendRejectsDuplicates(t *testing.T) {
	a := writeDocs(t, fixtures.Documents{Rows: 50, Dim: 4, Seed: 1})
	b := writeDocs(t, fixtures.Documents{Rows: 50, Dim: 4, Seed: 2, FirstID: 25}) // ids 25..74
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs WITH (primary_key = 'id')", a))
	if _, err := s.Exec(context.Background(), fmt.Sprintf("COPY FROM '%s' INTO docs", b)); err == nil || !strings.Contains(err.Error(), "duplicate primary key (mode append)") {
		t.Errorf("append over existing keys, on_error 'abort' (the default): %v", err)
	}
	res := exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs WITH (on_error = 'continue')", b))[0]
	if !strings.Contains(res.Message, "COPY 25 rows") || !strings.Contains(res.Message, "25 row(s) rejected") {
		t.Errorf("append over existing keys: %s", res.Message)
	}
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs WITH (mode = 'upsert')", b))
	got := exec(t, s, "SELECT title FROM docs WHERE id = 30")[0].Rows[0][0]
	if want := (fixtures.Documents{Dim: 4, Seed: 2, FirstID: 25}).Row(5).Title; got != want {
		t.Errorf("upsert: title %v, want %v", got, want)
	}
	if n := count(t, s, "docs"); n != 75 {
		t.Errorf("%d rows, want 75", n)
	}
}

// The same input gives the same digest in two fresh stores, on the direct
// runner, on Prism, and on Prism with the workers in separate processes.
func TestDigestSameAcrossStoresAndRunners(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		cfg := fixtures.Documents{Rows: 1500, Dim: 16, RowGroupRows: 400, FirstID: int64(1500 * i), Seed: uint64(i), BadVectorRows: []int{3}}
		if err := fixtures.WriteDocuments(filepath.Join(dir, fmt.Sprintf("p%d.parquet", i)), cfg); err != nil {
			t.Fatal(err)
		}
	}
	sql := fmt.Sprintf("COPY FROM '%s/*.parquet' INTO docs WITH (batch_size = 256, on_error = 'continue')", dir)
	marks := t.TempDir()
	t.Setenv(workerMarksEnv, marks)
	var digests []string
	for _, runner := range []string{"direct", "direct", "prism", "prism-process"} {
		if runner != "direct" && testing.Short() {
			continue
		}
		s := session(t, runner)
		exec(t, s, sql)
		d := content(t, s.Store, "docs", s.Store.Head())
		if n := count(t, s, "docs"); n != 2998 {
			t.Errorf("%s: %d rows", runner, n)
		}
		digests = append(digests, runner+":"+d)
		if runner == "prism-process" {
			t.Logf("worker processes: %v (test process %d)", workerPIDs(t, marks), os.Getpid())
		}
		if runner == "prism-process" && len(workerPIDs(t, marks)) == 0 {
			t.Errorf("prism-process: no worker process ran")
		}
	}
	for _, d := range digests[1:] {
		if d[strings.IndexByte(d, ':'):] != digests[0][strings.IndexByte(digests[0], ':'):] {
			t.Errorf("digests differ: %v", digests)
		}
	}
}

// The DuckDB-written files in ../shared/data/graphs import and count.
func TestImportSharedGraphs(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "data", "graphs")
	if _, err := os.Stat(root); err != nil {
		t.Skip("../shared/data/graphs is absent; skipping the DuckDB-written files")
	}
	s := session(t, "direct")
	for table, want := range map[string]int64{"cora_nodes": 2708, "cora_edges": 5278, "blog_edges": 333983, "deezer_nodes": 47538} {
		name := map[string]string{"cora_nodes": "cora/nodes", "cora_edges": "cora/edges", "blog_edges": "blogcatalog/edges", "deezer_nodes": "deezer_hu/nodes"}[table]
		exec(t, s, fmt.Sprintf("COPY FROM '%s/%s.parquet' INTO %s", root, name, table))
		if n := count(t, s, table); n != want {
			t.Errorf("%s: %d rows, want %d", table, n, want)
		}
	}
	r := exec(t, s, "SELECT genres FROM deezer_nodes LIMIT 1")[0]
	if g, ok := r.Rows[0][0].([]any); !ok || len(g) == 0 {
		t.Errorf("deezer genres: %#v", r.Rows[0][0])
	}
}
