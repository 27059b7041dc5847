package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// session opens a fresh store; runner is "direct", "prism" or
// "prism-process" (Prism with workers in separate processes: this test
// binary, started by Prism, as its own worker).
func session(t *testing.T, runner string) *pipeline.Session {
	ro := runners.Options{Runner: runner}
	if runner == "prism-process" {
		ro = runners.Options{Runner: "prism", Environment: "process"}
	}
	return &pipeline.Session{Store: openStore(t), Runner: ro}
}

func exec(t *testing.T, s *pipeline.Session, sql string) []pipeline.Result {
	t.Helper()
	res, err := s.Exec(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return res
}

func count(t *testing.T, s *pipeline.Session, table string) int64 {
	t.Helper()
	return exec(t, s, "SELECT count(*) FROM "+table)[0].Rows[0][0].(int64)
}

// The "From Local Parquet" statements of the Lake-Link guide, and its
// embedding example, run as written (with this test's paths).
func TestGuideLocalParquet(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "documents"), 0o755)
	for i := 0; i < 3; i++ {
		cfg := fixtures.Documents{Rows: 400, Dim: 1536, RowGroupRows: 150, FirstID: int64(400 * i), Seed: uint64(i)}
		if err := fixtures.WriteDocuments(filepath.Join(dir, "documents", fmt.Sprintf("part-%d.parquet", i)), cfg); err != nil {
			t.Fatal(err)
		}
	}
	s := session(t, "direct")
	// Simple import: the table is created from the Parquet schema.
	exec(t, s, fmt.Sprintf(`COPY FROM '%s/documents/part-0.parquet' INTO documents;`, dir))
	if n := count(t, s, "documents"); n != 400 {
		t.Errorf("simple import: %d rows", n)
	}
	// Explicit column mapping into a declared table.
	exec(t, s, fmt.Sprintf(`
		CREATE TABLE articles (article_id BIGINT PRIMARY KEY, headline TEXT, body TEXT);
		COPY FROM '%s/documents/*.parquet' INTO articles
		MAP COLUMNS (id => article_id, title => headline, content => body)
		WITH (format = 'parquet', batch_size = 100);`, dir))
	if n := count(t, s, "articles"); n != 1200 {
		t.Errorf("mapped import: %d rows", n)
	}
	r := exec(t, s, "SELECT headline FROM articles WHERE article_id = 401")[0]
	if len(r.Rows) != 1 || r.Rows[0][0] != (fixtures.Documents{Dim: 1536, FirstID: 400, Seed: 1}).Row(1).Title {
		t.Errorf("article 401: %v", r.Rows)
	}
	// The embedding example.
	exec(t, s, fmt.Sprintf(`
		COPY FROM '%s/documents/*.parquet' INTO embeddings
		MAP COLUMNS (id => id, embedding => embedding::VECTOR(1536))
		WITH (primary_key = 'id');`, dir))
	ti, err := s.Store.Table("embeddings", s.Store.Head())
	if err != nil || ti.Schema.String() != "(id BIGINT NOT NULL, embedding VECTOR(1536), PRIMARY KEY (id))" {
		t.Fatalf("embeddings schema: %v %v", ti.Schema, err)
	}
	if n := count(t, s, "embeddings"); n != 1200 {
		t.Errorf("embeddings: %d rows", n)
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
		"COPY FROM '" + path + "' INTO t WITH (mode = 'merge')":                   "not supported",
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
	res := exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs", b))[0]
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
	sql := fmt.Sprintf("COPY FROM '%s/*.parquet' INTO docs WITH (batch_size = 256)", dir)
	marks := t.TempDir()
	t.Setenv(workerMarksEnv, marks)
	var digests []string
	for _, runner := range []string{"direct", "direct", "prism", "prism-process"} {
		if runner != "direct" && testing.Short() {
			continue
		}
		s := session(t, runner)
		exec(t, s, sql)
		d, err := s.Store.Digest("docs", s.Store.Head())
		if err != nil {
			t.Fatal(err)
		}
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
