package main

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/testing/blobtest"
)

type labPage struct {
	PageID        int64     `parquet:"page_id"`
	Title         string    `parquet:"title"`
	Vector        []float32 `parquet:"vector,list"`
	OutgoingLinks []int64   `parquet:"outgoing_links,list"`
}

// The Data Lab workflow end to end, on the S3 server configured only
// through S3_* (the AWS_* credentials cleared): ingest a dataset from a
// URL served on 127.0.0.1, import raw/wiki@latest as a graph in the
// guide's one statement, compute FastRP, export the graph as dated
// datasets in CSV and Parquet, generate the DuckDB init SQL and read the
// views in DuckDB with the store's counts, and prune the landing zone to
// N versions.
func TestDataLabEndToEnd(t *testing.T) {
	srv := blobtest.StartS3(t)
	srv.CreateBucket(t, "datalake")
	peer := blobtest.DuckPeer(t)
	srv.UseS3Variables(t) // only S3_*: the AWS variables are cleared
	t.Setenv("LAKELINK_LAKE", "s3://datalake")

	// The raw file, served over HTTP on 127.0.0.1.
	const n = 500
	dir := t.TempDir()
	var pages []labPage
	links := 0
	for i := range n {
		p := labPage{PageID: int64(i), Title: "Page " + strconv.Itoa(i), Vector: []float32{float32(i % 7), 1, float32(i % 3)}}
		for _, d := range []int{1, 2, 17} {
			if (i+d)%n != i {
				p.OutgoingLinks = append(p.OutgoingLinks, int64((i+d)%n))
				links++
			}
		}
		pages = append(pages, p)
	}
	raw := filepath.Join(dir, "wiki_pages.parquet")
	if err := parquet.WriteFile(raw, pages); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	web := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go web.Serve(ln)
	t.Cleanup(func() { web.Close() })
	url := "http://" + ln.Addr().String() + "/wiki_pages.parquet"

	run := func(args ...string) string {
		t.Helper()
		code, out, errs := cli(t, args...)
		if code != 0 {
			t.Fatalf("lakelink %s: %s %s", strings.Join(args, " "), out, errs)
		}
		if strings.Contains(out+errs, "lakelink-test-secret") {
			t.Fatalf("lakelink %s printed the secret", strings.Join(args, " "))
		}
		return out
	}
	// 1. Ingest, three times (prune keeps two).
	for range 3 {
		run("ingest", "dataset", "wiki", "--from", url)
	}
	// 2. Import the newest version as a graph, as the guide writes it.
	st := filepath.Join(dir, "store")
	out := run("--store", st, "sql", "COPY FROM 's3://datalake/raw/wiki@latest' INTO GRAPH wiki MAP COLUMNS (page_id => node_id, title => title, vector => embedding, outgoing_links => edges)")
	if !strings.Contains(out, strconv.Itoa(n)+" nodes into wiki.nodes") || !strings.Contains(out, strconv.Itoa(links)+" edges into wiki.edges") {
		t.Fatalf("graph import: %q", out)
	}
	// 3. FastRP.
	if out = run("--store", st, "graph", "fastrp", "wiki", "--dim", "32"); !strings.Contains(out, "FastRP: 500 nodes") {
		t.Errorf("fastrp: %q", out)
	}
	// 4. The graph as dated datasets, in CSV and Parquet.
	run("--store", st, "export", "dataset", "s3://datalake/datasets/wiki_csv", "--graph", "wiki", "--format", "csv")
	run("--store", st, "export", "dataset", "s3://datalake/datasets/wiki", "--graph", "wiki")
	// 5. The DuckDB init SQL: settings from S3_*, no secret unless asked.
	script := filepath.Join(dir, "init.sql")
	if out = run("tools", "generate-init-sql", "s3://datalake", "--out", script); !strings.Contains(out, "4 view(s)") {
		t.Errorf("generate-init-sql: %q", out)
	}
	text, _ := os.ReadFile(script)
	for _, want := range []string{"LOAD httpfs;", "SET s3_endpoint = '" + strings.TrimPrefix(srv.Endpoint, "http://") + "';", "SET s3_url_style = 'path';", "SET s3_use_ssl = false;", "SET s3_region = 'us-east-1';",
		`CREATE OR REPLACE VIEW "wiki_nodes" AS SELECT * FROM read_parquet(['s3://datalake/datasets/wiki/`, `CREATE OR REPLACE VIEW "wiki_csv_edges" AS SELECT * FROM read_csv(['s3://datalake/datasets/wiki_csv/`} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the script lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(string(text), "lakelink-test-secret") || strings.Contains(string(text), "CREATE OR REPLACE SECRET") {
		t.Errorf("a secret in a script made without --with-secrets:\n%s", text)
	}
	secret := filepath.Join(dir, "secret.sql")
	run("tools", "generate-init-sql", "s3://datalake", "--out", secret, "--with-secrets")
	if b, _ := os.ReadFile(secret); !strings.Contains(string(b), "KEY_ID 'lakelink-test', SECRET 'lakelink-test-secret'") {
		t.Errorf("--with-secrets wrote no secret:\n%s", b)
	}
	if fi, _ := os.Stat(secret); fi.Mode().Perm() != 0o600 {
		t.Errorf("the script with secrets is %v, want 0600", fi.Mode().Perm())
	}
	queries := []string{"SELECT count(*) FROM wiki_nodes", "SELECT count(*) FROM wiki_edges", "SELECT count(*) FROM wiki_csv_nodes", "SELECT count(*) FROM wiki_csv_edges",
		"SELECT count(*) FROM wiki_nodes WHERE len(fastrp) = 32", "SELECT sum(source) FROM wiki_edges"}
	res, err := blobtest.DuckInit(peer, secret, queries...)
	if err != nil && strings.Contains(err.Error(), "httpfs") {
		// DuckDB reads S3 through its httpfs extension, which it downloads
		// on first use; offline (make test runs in a private network) it
		// cannot. The same views over the server's own folder read the
		// very objects lakelink wrote there.
		t.Logf("DuckDB cannot load httpfs here (%v); reading the S3 server's folder instead", strings.SplitN(err.Error(), "\n", 2)[0])
		local := filepath.Join(dir, "local.sql")
		run("tools", "generate-init-sql", filepath.Join(srv.Dir, "datalake"), "--out", local)
		res, err = blobtest.DuckInit(peer, local, queries...)
	}
	if err != nil {
		t.Fatalf("DuckDB: %v", err)
	}
	sumSources := 0
	for _, p := range pages {
		sumSources += int(p.PageID) * len(p.OutgoingLinks)
	}
	for i, want := range []int{n, links, n, links, n, sumSources} {
		if len(res[i].Rows) != 1 || res[i].Rows[0][0] != strconv.Itoa(want) {
			t.Errorf("DuckDB %s: %v, want %d", res[i].Query, res[i].Rows, want)
		}
	}
	// 6. Prune the landing zone to two versions.
	out = run("ingest", "prune", "wiki", "--keep", "2")
	if !strings.Contains(out, "pruned 1 version(s)") {
		t.Errorf("prune: %q", out)
	}
	out = run("ingest", "ls", "-a", "--format", "csv", "wiki")
	if got := regexp.MustCompile(`(?m)^wiki,`).FindAllString(out, -1); len(got) != 2 {
		t.Errorf("after prune: %q", out)
	}
	versions, _ := filepath.Glob(filepath.Join(srv.Dir, "datalake", "raw", "wiki", "*", "*"))
	if len(versions) != 2 {
		t.Errorf("version folders on the server after prune: %v", versions)
	}
}
