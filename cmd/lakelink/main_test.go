package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
	"github.com/lakelink/lakelink/vectorops"
)

func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return cliIn(t, "", args...)
}

// cliIn runs the command with stdin as its standard input.
func cliIn(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIImportQueryDigest(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 200, Dim: 3}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	code, out, errs := cli(t, "--store", st, "sql", "COPY FROM '"+data+"' INTO docs WITH (primary_key = 'id')")
	if code != 0 || !strings.Contains(out, "COPY 200 rows") {
		t.Fatalf("copy: %d %q %q", code, out, errs)
	}
	code, out, _ = cli(t, "--store", st, "sql", "--format", "csv", "SELECT id, embedding FROM docs WHERE id = 7")
	want, _ := json.Marshal(fixtures.Documents{Dim: 3}.Row(7).Embedding)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 2 || recs[0][1] != "embedding" || recs[1][0] != "7" || recs[1][1] != string(want) {
		t.Errorf("csv: %q, want embedding %s", out, want)
	}
	code, out, _ = cli(t, "--store", st, "sql", "--format", "json", "SELECT count(*) FROM docs")
	if code != 0 || strings.TrimSpace(out) != `{"columns":["count"],"rows":[{"count":200}]}` {
		t.Errorf("json count: %q", out)
	}
	code, d1, _ := cli(t, "--store", st, "digest", "docs")
	if code != 0 || len(strings.TrimSpace(d1)) != 32 {
		t.Errorf("digest: %q", d1)
	}
	code, out, _ = cli(t, "--store", st, "tables")
	if code != 0 || !strings.Contains(out, "docs") || !strings.Contains(out, "VECTOR(3)") {
		t.Errorf("tables: %q", out)
	}
}

// A truncated file, a file that is not Parquet and a missing file each give
// one clear error naming the object, a non-zero exit, and no commit.
func TestCLIBadInputCommitsNothing(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	if err := fixtures.WriteDocuments(good, fixtures.Documents{Rows: 100, Dim: 3}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(good)
	os.WriteFile(filepath.Join(dir, "truncated.parquet"), b[:len(b)*2/3], 0o644)
	os.WriteFile(filepath.Join(dir, "notes.parquet"), []byte("this is not parquet\n"), 0o644)
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+good+"' INTO docs"); code != 0 {
		t.Fatal(errs)
	}
	for _, name := range []string{"truncated.parquet", "notes.parquet", "missing.parquet"} {
		code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+filepath.Join(dir, name)+"' INTO docs")
		if code == 0 || !strings.Contains(errs, name) || strings.Contains(errs, "goroutine") || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%s: exit %d, stderr %q", name, code, errs)
		}
	}
	// A good file and a bad one in one COPY: nothing is committed either.
	code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+good+"', '"+filepath.Join(dir, "notes.parquet")+"' INTO docs")
	if code == 0 || !strings.Contains(errs, "notes.parquet") {
		t.Errorf("mixed: exit %d, %q", code, errs)
	}
	s, err := store.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.Count("docs", s.Head()); n != 100 || s.Head() != 1 {
		t.Errorf("after failures: %d rows, head %d", n, s.Head())
	}
}

// While another process holds a store, a command says which process and
// which job, and jobs reads the status files: each job's state, with 0
// rows for one that committed nothing.
func TestCLIStoreInUseAndUsageErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.csv")
	os.WriteFile(data, []byte("id,n\n1,2\n2,x\n"), 0o644)
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "CREATE TABLE docs (id BIGINT, n BIGINT); COPY FROM '"+data+"' INTO docs WITH (on_error = 'continue')"); code != 0 {
		t.Fatal(errs)
	}
	if code, _, _ := cli(t, "--store", st, "sql", "CREATE TABLE strict (id BIGINT, n BIGINT); COPY FROM '"+data+"' INTO strict"); code == 0 {
		t.Fatal("a COPY of a bad row under on_error 'abort' succeeded")
	}
	store.Command = "holder-test"
	defer func() { store.Command = "" }()
	s, err := store.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	running := progress.Status{Job: "20991231T000000-running", Table: "docs", State: "running", Rows: 7, Started: time.Now(), Owner: progress.Self()}
	if err := progress.Write(filepath.Join(st, "status"), running); err != nil {
		t.Fatal(err)
	}
	code, _, errs := cli(t, "--store", st, "tables")
	for _, want := range []string{"store is in use", fmt.Sprintf("pid %d (holder-test) since ", os.Getpid()), "running: job 20991231T000000-running into docs (running)"} {
		if code == 0 || !strings.Contains(errs, want) {
			t.Errorf("in use: exit %d, %q lacks %q", code, errs, want)
		}
	}
	code, out, errs := cli(t, "--store", st, "jobs", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 4 || !strings.Contains(errs, "read from their status files") {
		t.Fatalf("jobs while in use: exit %d %q %q", code, out, errs)
	}
	got := map[string]string{}
	for _, r := range recs[1:] {
		got[r[2]] = strings.Join([]string{r[1], r[3], r[4]}, " ") // table rows errors, by status
	}
	if got["committed"] != "docs 1 1" || got["failed"] != "strict 0 1" || got["running"] != "docs 0 0" {
		t.Errorf("jobs while in use: %v", got)
	}
	// The committed job's rejected row, from its errors file.
	for _, r := range recs[1:] {
		if r[2] != "committed" {
			continue
		}
		code, out, errs := cli(t, "--store", st, "errors", r[0], "--format", "csv")
		if code != 0 || !strings.Contains(out, ",n,x,not an integer") || !strings.Contains(errs, "read from its status folder") {
			t.Errorf("errors %s while in use: %d %q %q", r[0], code, out, errs)
		}
	}
	if code, _, errs := cli(t, "--store", st, "errors", running.Job); code == 0 || !strings.Contains(errs, "store is in use") {
		t.Errorf("errors of a running job while in use: %d %q", code, errs)
	}
	for _, args := range [][]string{{"sql"}, {"sql", "SELEC"}, {"nosuch"}, {"sql", "--format", "xml", "SELECT 1"}} {
		if code, _, errs := cli(t, append([]string{"--store", t.TempDir()}, args...)...); code == 0 || errs == "" {
			t.Errorf("%v: exit %d stderr %q", args, code, errs)
		}
	}
}

func TestCLIVersionReportsMachine(t *testing.T) {
	code, out, _ := cli(t, "version")
	if code != 0 || !strings.Contains(out, "cores usable") || !strings.Contains(out, "simd: ") || !strings.Contains(out, "vector kernels: "+vectorops.Kernel()) {
		t.Errorf("version: %d %q", code, out)
	}
}

// A file whose footer is fine but whose page is corrupt fails inside the
// pipeline: on each runner that is one line naming the object, a non-zero
// exit and no commit.
func TestCLICorruptPageFailsPipelineCleanly(t *testing.T) {
	f := filepath.Join("..", "..", "..", "shared", "data", "parquet-testing", "data", "datapage_v1-corrupt-checksum.parquet")
	if _, err := os.Stat(f); err != nil {
		t.Skip("../shared/data/parquet-testing is absent; skipping the corrupt-page file")
	}
	for _, runner := range []string{"direct", "prism"} {
		st := t.TempDir()
		code, _, errs := cli(t, "--store", st, "--runner", runner, "sql", "COPY FROM '"+f+"' INTO t")
		lines := strings.Split(strings.TrimSpace(errs), "\n")
		if code == 0 || len(lines) != 1 || !strings.Contains(errs, "datapage_v1-corrupt-checksum.parquet, row group 0") || !strings.Contains(errs, "checksum mismatch") {
			t.Errorf("%s: exit %d, stderr %q", runner, code, errs)
		}
		s, err := store.Open(st)
		if err != nil {
			t.Fatal(err)
		}
		if s.Head() != 0 {
			t.Errorf("%s: failed import committed", runner)
		}
		s.Close()
	}
}

// --memory-limit is the session's import_memory_limit: too small a limit
// fails the import and says why; a workable one imports.
func TestCLIMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 50, Dim: 3}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	copyStmt := "COPY FROM '" + data + "' INTO docs"
	if code, _, errs := cli(t, "--store", st, "--memory-limit", "64MB", "sql", copyStmt); code == 0 || !strings.Contains(errs, "below the minimum of 128 MB") {
		t.Errorf("64MB: exit %d, %q", code, errs)
	}
	if code, _, errs := cli(t, "--store", st, "--memory-limit", "much", "sql", copyStmt); code == 0 || !strings.Contains(errs, "--memory-limit") {
		t.Errorf("bad size: exit %d, %q", code, errs)
	}
	if code, out, errs := cli(t, "--store", st, "--memory-limit", "256MB", "sql", copyStmt); code != 0 || !strings.Contains(out, "COPY 50 rows") {
		t.Errorf("256MB: exit %d, %q %q", code, out, errs)
	}
}

// `lakelink status` reads the jobs' status files (it works while another
// process holds the store); in a pipe, a short import prints no progress
// line.
func TestCLIStatus(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 30, Dim: 3}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	code, out, errs := cli(t, "--store", st, "sql", "COPY FROM '"+data+"' INTO docs")
	if code != 0 || errs != "" {
		t.Fatalf("copy: %d %q %q", code, out, errs)
	}
	code, out, _ = cli(t, "--store", st, "status", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 2 || recs[0][0] != "job_id" || recs[1][2] != "committed" || recs[1][7] != "30" {
		t.Fatalf("status: %q", out)
	}
	if code, out, _ = cli(t, "--store", st, "status", recs[1][0]); code != 0 || !strings.Contains(out, "committed") {
		t.Errorf("status JOB: %d %q", code, out)
	}
	if code, _, errs = cli(t, "--store", st, "status", "no-such-job"); code == 0 || !strings.Contains(errs, `no import job "no-such-job"`) {
		t.Errorf("status of an unknown job: %d %q", code, errs)
	}
}

// A search with the query vector from a file and from the command line;
// with --format json each statement is one document on its own line.
func TestCLISearchWithParams(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	docs := fixtures.Documents{Rows: 100, Dim: 4}
	if err := fixtures.WriteDocuments(data, docs); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+data+"' INTO docs WITH (primary_key = 'id')"); code != 0 {
		t.Fatalf("copy: %s", errs)
	}
	q, _ := json.Marshal(docs.Row(7).Embedding)
	qfile := filepath.Join(dir, "query.json")
	os.WriteFile(qfile, q, 0o644)
	script := "SELECT id, cosine_similarity(embedding, $1) AS score FROM docs ORDER BY score DESC LIMIT 3; SELECT id FROM docs ORDER BY embedding <-> $2 LIMIT 1"
	code, out, errs := cli(t, "--store", st, "sql", "--format", "json", "--param", "1=@"+qfile, "--param", "2="+string(q), script)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("search: %d %q %q", code, out, errs)
	}
	var doc struct {
		Columns []string         `json:"columns"`
		Rows    []map[string]any `json:"rows"`
	}
	for i, want := range []string{"[id score]", "[id]"} {
		if err := json.Unmarshal([]byte(lines[i]), &doc); err != nil || fmt.Sprint(doc.Columns) != want || doc.Rows[0]["id"] != float64(7) {
			t.Errorf("statement %d: %s (%v)", i+1, lines[i], err)
		}
	}
	for _, bad := range [][]string{{"--param", "x=1"}, {"--param", "1=@" + filepath.Join(dir, "missing.json")}, {"--param", "1=[1,2]"}} {
		args := append([]string{"--store", st, "sql"}, bad...)
		if code, _, errs := cli(t, append(args, "SELECT id FROM docs ORDER BY embedding <=> $1 LIMIT 1")...); code == 0 || errs == "" {
			t.Errorf("%v: exit %d, %q", bad, code, errs)
		}
	}
}

// tag create / ls / delete, and digest and sql at a tag.
func TestCLITags(t *testing.T) {
	dir := t.TempDir()
	first, more := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	if err := fixtures.WriteDocuments(first, fixtures.Documents{Rows: 50, Dim: 3}); err != nil {
		t.Fatal(err)
	}
	if err := fixtures.WriteDocuments(more, fixtures.Documents{Rows: 30, Dim: 3, FirstID: 50}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+first+"' INTO docs"); code != 0 {
		t.Fatal(errs)
	}
	_, d1, _ := cli(t, "--store", st, "digest", "docs")
	t.Setenv("LAKELINK_AUTHOR", "auditor")
	if code, out, errs := cli(t, "--store", st, "tag", "create", "q1-audit", "-m", "first load"); code != 0 || !strings.Contains(out, "tag q1-audit: commit 1") {
		t.Fatalf("tag create: %d %q %q", code, out, errs)
	}
	if code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+more+"' INTO docs"); code != 0 {
		t.Fatal(errs)
	}
	if code, out, _ := cli(t, "--store", st, "digest", "docs", "--at", "q1-audit"); code != 0 || out != d1 {
		t.Errorf("digest --at the tag: %q, was %q", out, d1)
	}
	if _, out, _ := cli(t, "--store", st, "digest", "docs"); out == d1 {
		t.Errorf("the digest at the head did not change")
	}
	for _, args := range [][]string{
		{"sql", "--at", "q1-audit", "--format", "csv", "SELECT count(*) FROM docs"},
		{"sql", "--format", "csv", "SELECT count(*) FROM docs AT (TAG => 'q1-audit')"},
		{"sql", "--at", "1", "--format", "csv", "SELECT count(*) FROM docs"},
	} {
		if code, out, errs := cli(t, append([]string{"--store", st}, args...)...); code != 0 || out != "count\n50\n" {
			t.Errorf("%v: %d %q %q", args, code, out, errs)
		}
	}
	code, out, _ := cli(t, "--store", st, "tag", "ls", "--format", "csv")
	if recs, err := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || err != nil || len(recs) != 2 ||
		recs[1][0] != "q1-audit" || recs[1][1] != "1" || recs[1][3] != "auditor" || recs[1][4] != "first load" {
		t.Errorf("tag ls: %q", out)
	}
	for args, want := range map[string]string{
		"tag create q1-audit 2":    "tags are immutable",
		"tag create other 99":      "no commit 99",
		"tag create other x":       `commit "x" is not a number`,
		"digest docs --at nowhere": `"nowhere" is no tag, commit number or time`,
		"tag delete nothing":       `tag "nothing": not found`,
	} {
		code, _, errs := cli(t, append([]string{"--store", st}, strings.Fields(args)...)...)
		if code == 0 || !strings.Contains(errs, want) {
			t.Errorf("%s: %d %q, want %q", args, code, errs, want)
		}
	}
	code, out, _ = cli(t, "--store", st, "log", "docs", "--format", "csv")
	if recs, err := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || err != nil || len(recs) != 3 ||
		recs[1][0] != "3" || recs[1][3] != "auditor" || recs[1][10] != "docs +30 ~0 -0" || recs[2][0] != "1" {
		t.Errorf("log docs: %q", out)
	}
	if code, out, _ := cli(t, "--store", st, "log", "--format", "csv"); code != 0 || strings.Count(out, "\n") != 4 || !strings.Contains(out, "TAG q1-audit (commit 1)") {
		t.Errorf("log: %q", out)
	}
	if code, _, errs := cli(t, "--store", st, "tag", "delete", "q1-audit"); code != 0 {
		t.Fatal(errs)
	}
	if _, out, _ := cli(t, "--store", st, "tag", "ls", "--format", "csv"); strings.Contains(out, "q1-audit") {
		t.Errorf("after delete: %q", out)
	}
}

// graph fastrp writes embeddings that SQL reads back; graph neighbors,
// degree, khop and path answer from the adjacency.
func TestCLIGraph(t *testing.T) {
	dir := t.TempDir()
	type edge struct {
		A int64 `parquet:"a"`
		B int64 `parquet:"b"`
	}
	type node struct {
		ID int64 `parquet:"id"`
	}
	var nodes []node
	for i := range 6 {
		nodes = append(nodes, node{int64(i)})
	}
	edges := []edge{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {0, 5}}
	np, ep := filepath.Join(dir, "n.parquet"), filepath.Join(dir, "e.parquet")
	if err := parquet.WriteFile(np, nodes); err != nil {
		t.Fatal(err)
	}
	if err := parquet.WriteFile(ep, edges); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "CREATE GRAPH g (NODE n (id BIGINT PRIMARY KEY), EDGE e (a BIGINT REFERENCES n(id), b BIGINT REFERENCES n(id))); "+
		"COPY FROM '"+np+"' INTO GRAPH g.n; COPY FROM '"+ep+"' INTO GRAPH g.e"); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := cli(t, "--store", st, "--memory-limit", "1KB", "graph", "fastrp", "g", "--dim", "8", "--weights", "0,1,1", "--normalization", "-0.5", "--orientation", "undirected")
	if code != 0 || !strings.Contains(out, "FastRP: 6 nodes, 5 edges, 8-d embeddings in column fastrp") {
		t.Fatalf("fastrp: %d %q %q", code, out, errs)
	}
	if code, out, _ := cli(t, "--store", st, "sql", "--format", "csv", "SELECT count(*) FROM g.n WHERE fastrp IS NOT NULL"); code != 0 || out != "count\n6\n" {
		t.Errorf("embeddings: %q", out)
	}
	for args, want := range map[string]string{
		"graph neighbors g 1 --format csv":                  "id,node_table,edge_table,direction\n2,g.n,g.e,out\n0,g.n,g.e,in\n",
		"graph neighbors g 1 --direction out --format csv":  "id,node_table,edge_table,direction\n2,g.n,g.e,out\n",
		"graph degree g 0 --format csv":                     "degree\n2\n",
		"graph khop g 0 --k 2 --direction out --format csv": "id,node_table,depth\n1,g.n,1\n5,g.n,1\n2,g.n,2\n",
		"graph path g 0 4 --direction out --format csv":     "step,id\n0,0\n1,1\n2,2\n3,3\n4,4\n",
	} {
		code, out, errs := cli(t, append([]string{"--store", st}, strings.Fields(args)...)...)
		if code != 0 || out != want {
			t.Errorf("%s: %d %q %q, want %q", args, code, out, errs, want)
		}
	}
	if code, _, errs := cli(t, "--store", st, "graph", "fastrp", "g", "--weights", "0,x"); code == 0 || !strings.Contains(errs, `--weights: "x" is not a number`) {
		t.Errorf("bad weights: %d %q", code, errs)
	}
}

// lakelink export dataset, ls [-a] and prune --keep N over one dataset.
func TestCLIExportDataset(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 120, Dim: 4}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+data+"' INTO docs WITH (primary_key = 'id')"); code != 0 {
		t.Fatal(errs)
	}
	ds := filepath.Join(dir, "exports", "docs")
	for i := 0; i < 3; i++ {
		code, out, errs := cli(t, "--store", st, "export", "dataset", "docs", ds, "--vector-index", "hnsw")
		if code != 0 || !strings.Contains(out, "COPY 120 rows from docs") || !strings.Contains(out, "AILK sections") {
			t.Fatalf("export dataset: %d %q %q", code, out, errs)
		}
	}
	code, out, _ := cli(t, "export", "ls", "--format", "csv", ds)
	if recs, _ := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || len(recs) != 2 || recs[1][2] != "docs" || recs[1][4] != "120" {
		t.Errorf("ls: %q", out)
	}
	code, out, _ = cli(t, "export", "ls", "-a", "--format", "csv", ds)
	if recs, _ := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || len(recs) != 4 {
		t.Errorf("ls -a: %q", out)
	}
	if code, out, _ = cli(t, "export", "prune", ds, "--keep", "1"); code != 0 || !strings.Contains(out, "pruned 2 version(s)") {
		t.Errorf("prune: %q", out)
	}
	code, out, _ = cli(t, "export", "ls", "-a", "--format", "csv", ds)
	if recs, _ := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || len(recs) != 2 {
		t.Errorf("ls -a after prune: %q", out)
	}
	if code, _, errs := cli(t, "export", "prune", ds); code == 0 || !strings.Contains(errs, "--keep") {
		t.Errorf("prune without --keep: %q", errs)
	}
	// --format csv and json: dated versions of text files, read back
	// through @latest with every row.
	for _, f := range []struct{ flag, ext string }{{"csv", ".csv"}, {"json", ".ndjson"}} {
		out := filepath.Join(dir, "exports", "docs_"+f.flag)
		if code, msg, errs := cli(t, "--store", st, "export", "dataset", "docs", out, "--format", f.flag); code != 0 {
			t.Fatalf("export dataset --format %s: %q %q", f.flag, msg, errs)
		}
		files, _ := filepath.Glob(filepath.Join(out, "*", "*", "*"+f.ext))
		if len(files) == 0 {
			t.Fatalf("--format %s wrote no %s files", f.flag, f.ext)
		}
		code, got, errs := cli(t, "--store", st, "sql", "--format", "csv", "COPY FROM '"+out+"@latest' INTO back_"+f.flag+"; SELECT count(*) FROM back_"+f.flag)
		if code != 0 || !strings.HasSuffix(got, "count\n120\n") {
			t.Errorf("--format %s read back: %q %q", f.flag, got, errs)
		}
	}
	if code, _, errs := cli(t, "--store", st, "export", "dataset", "docs", filepath.Join(dir, "x"), "--format", "xml"); code == 0 || !strings.Contains(errs, "parquet, csv or json") {
		t.Errorf("--format xml: %q", errs)
	}
}

// lakelink audit verify passes an audit export and fails, naming the file,
// after one byte of it changed.
func TestCLIAuditVerify(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 300, Dim: 4}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	out := filepath.Join(dir, "audit")
	for _, args := range [][]string{
		{"sql", "COPY FROM '" + data + "' INTO docs WITH (primary_key = 'id')"},
		{"tag", "create", "q1-audit"},
		{"sql", "COPY docs TO '" + out + "/' WITH (at_tag = 'q1-audit')"},
	} {
		if code, _, errs := cli(t, append([]string{"--store", st}, args...)...); code != 0 {
			t.Fatalf("%v: %s", args, errs)
		}
	}
	code, stdout, errs := cli(t, "--store", st, "audit", "verify", out)
	if code != 0 || !strings.Contains(stdout, "ok: 1 file(s)") || !strings.Contains(stdout, "the files' 300 rows have the table's digest") {
		t.Fatalf("verify: %d %q %q", code, stdout, errs)
	}
	p := filepath.Join(out, "part-00000-0000.parquet")
	b, _ := os.ReadFile(p)
	b[100] ^= 0x20
	os.WriteFile(p, b, 0o644)
	if code, _, errs := cli(t, "--store", st, "audit", "verify", out); code == 0 || !strings.Contains(errs, "part-00000-0000.parquet") {
		t.Errorf("verify after a flipped byte: %d %q", code, errs)
	}
	// A folder with no manifest: said in words, no library internals.
	nosuch := filepath.Join(dir, "nosuch") + "/"
	if code, _, errs := cli(t, "--store", st, "audit", "verify", nosuch); code == 0 || !strings.Contains(errs, "no audit manifest there, audit.json not found") || strings.Contains(errs, "code=") {
		t.Errorf("verify of a folder without a manifest: %d %q", code, errs)
	}
}

// With --encryption-key-file, an import and a query work as usual and no
// file of the store folder holds a row's text; without the key, or with
// a key of the wrong size, the store does not open, and the error says so
// without showing the key.
func TestCLIEncryptionAtRest(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	cfg := fixtures.Documents{Rows: 500, Dim: 4}
	if err := fixtures.WriteDocuments(data, cfg); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "key")
	os.WriteFile(key, []byte("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"), 0o600)
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "--encryption-key-file", key, "sql", "COPY FROM '"+data+"' INTO docs WITH (primary_key = 'id')"); code != 0 {
		t.Fatal(errs)
	}
	code, out, _ := cli(t, "--store", st, "--encryption-key-file", key, "sql", "--format", "csv", "SELECT content FROM docs WHERE id = 7")
	want := cfg.Row(7).Content
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("query with the key: %q", out)
	}
	var leaked []string
	filepath.Walk(st, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(p)
			for _, i := range []int{0, 7, 499} {
				if bytes.Contains(b, []byte(cfg.Row(i).Content)) {
					leaked = append(leaked, p)
				}
			}
		}
		return nil
	})
	if len(leaked) > 0 {
		t.Errorf("row text in plaintext in %v", leaked)
	}
	// Its backups are encrypted too, and restore only with the key.
	bk := filepath.Join(dir, "backups")
	if code, _, errs := cli(t, "--store", st, "--encryption-key-file", key, "backup", "create", "--to", bk); code != 0 {
		t.Fatal(errs)
	}
	filepath.Walk(bk, func(p string, info os.FileInfo, err error) error {
		if b, _ := os.ReadFile(p); err == nil && !info.IsDir() && bytes.Contains(b, []byte(want)) {
			t.Errorf("row text in plaintext in the backup %s", p)
		}
		return nil
	})
	if code, out, _ := cli(t, "backup", "ls", "--format", "csv", bk); code != 0 || !strings.Contains(out, ",true\n") {
		t.Errorf("backup ls: %q", out)
	}
	if code, _, errs := cli(t, "backup", "restore", bk, "--target", filepath.Join(dir, "r1")); code == 0 || !strings.Contains(errs, "encrypted") {
		t.Errorf("restore without the key: %d %q", code, errs)
	}
	if code, _, errs := cli(t, "--encryption-key-file", key, "backup", "restore", bk, "--target", filepath.Join(dir, "r2")); code != 0 {
		t.Errorf("restore with the key: %q", errs)
	}
	_, d1, _ := cli(t, "--store", st, "--encryption-key-file", key, "digest", "docs")
	if _, d2, errs := cli(t, "--store", filepath.Join(dir, "r2"), "--encryption-key-file", key, "digest", "docs"); d1 == "" || d2 != d1 {
		t.Errorf("restored digest %q, want %q (%s)", d2, d1, errs)
	}
	if code, _, errs := cli(t, "--store", st, "tables"); code == 0 || !strings.Contains(errs, "encrypted") {
		t.Errorf("without the key: %d %q", code, errs)
	}
	other := filepath.Join(dir, "other")
	os.WriteFile(other, bytes.Repeat([]byte{1}, 32), 0o600)
	if code, _, errs := cli(t, "--store", st, "--encryption-key-file", other, "tables"); code == 0 || !strings.Contains(errs, "wrong encryption key") {
		t.Errorf("with another key: %d %q", code, errs)
	}
	os.WriteFile(other, []byte("not a key"), 0o600)
	if code, _, errs := cli(t, "--store", st, "--encryption-key-file", other, "tables"); code == 0 || !strings.Contains(errs, "16, 24 or 32 bytes") || strings.Contains(errs, "not a key") {
		t.Errorf("a malformed key: %d %q", code, errs)
	}
}

// lakelink diff between a tag and the head after a re-import with
// upserts: the changed rows and columns.
func TestCLIDiff(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	fixtures.WriteDocuments(a, fixtures.Documents{Rows: 20, Dim: 4, Seed: 1})
	fixtures.WriteDocuments(b, fixtures.Documents{Rows: 3, Dim: 4, Seed: 2, FirstID: 18})
	st := filepath.Join(dir, "store")
	for _, args := range [][]string{
		{"sql", "COPY FROM '" + a + "' INTO docs WITH (primary_key = 'id')"},
		{"tag", "create", "v1"},
		{"sql", "COPY FROM '" + b + "' INTO docs WITH (mode = 'upsert')"},
	} {
		if code, _, errs := cli(t, append([]string{"--store", st}, args...)...); code != 0 {
			t.Fatalf("%v: %s", args, errs)
		}
	}
	code, out, errs := cli(t, "--store", st, "diff", "--format", "csv", "v1", "head", "docs")
	recs, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || len(recs) != 4 || recs[1][1] != "changed" || recs[1][2] != "18" || !strings.Contains(recs[1][3], "embedding") || recs[3][1] != "added" || recs[3][2] != "20" {
		t.Errorf("diff: %d %q %q", code, out, errs)
	}
}

// lakelink backup create, create --incremental, ls -a and restore: the
// restored store has the source's digest; a non-empty target is refused.
func TestCLIBackup(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	fixtures.WriteDocuments(a, fixtures.Documents{Rows: 100, Dim: 4})
	fixtures.WriteDocuments(b, fixtures.Documents{Rows: 50, Dim: 4, FirstID: 100})
	st, bk := filepath.Join(dir, "store"), filepath.Join(dir, "backups")
	steps := [][]string{
		{"sql", "COPY FROM '" + a + "' INTO docs WITH (primary_key = 'id')"},
		{"backup", "create", "--to", bk},
		{"sql", "COPY FROM '" + b + "' INTO docs"},
		{"backup", "create", "--to", bk, "--incremental"},
	}
	for _, args := range steps {
		if code, out, errs := cli(t, append([]string{"--store", st}, args...)...); code != 0 {
			t.Fatalf("%v: %s %s", args, out, errs)
		}
	}
	_, want, _ := cli(t, "--store", st, "digest", "docs")
	code, out, _ := cli(t, "backup", "ls", "-a", "--format", "csv", bk)
	if recs, _ := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || len(recs) != 3 || recs[1][2] != "incremental" || recs[2][2] != "full" {
		t.Errorf("ls -a: %q", out)
	}
	target := filepath.Join(dir, "restored")
	if code, out, errs := cli(t, "backup", "restore", bk, "--target", target); code != 0 || !strings.Contains(out, "restored backup") {
		t.Fatalf("restore: %q %q", out, errs)
	}
	if _, got, _ := cli(t, "--store", target, "digest", "docs"); got != want {
		t.Errorf("restored digest %q, want %q", got, want)
	}
	if code, _, errs := cli(t, "backup", "restore", bk, "--target", target); code == 0 || !strings.Contains(errs, "not empty") {
		t.Errorf("restore over a store: %q", errs)
	}
	// --source (the Data Lab's name for --from) with a time without a
	// zone, read as UTC: a moment after both backups restores the latest;
	// a day before them finds none.
	later := time.Now().UTC().Add(time.Minute).Format("2006-01-02 15:04:05")
	if code, out, errs := cli(t, "backup", "restore", bk, "--target", filepath.Join(dir, "r2"), "--source", later); code != 0 || !strings.Contains(out, "restored backup") {
		t.Errorf("restore --source %s: %q %q", later, out, errs)
	} else if _, got, _ := cli(t, "--store", filepath.Join(dir, "r2"), "digest", "docs"); got != want {
		t.Errorf("restored with --source: digest %q, want %q", got, want)
	}
	before := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
	if code, _, errs := cli(t, "backup", "restore", bk, "--target", filepath.Join(dir, "r3"), "--source", before); code == 0 || !strings.Contains(errs, "no backup") {
		t.Errorf("restore --source %s: %d %q", before, code, errs)
	}
}

// lakelink revert and gc: the revert brings back the tagged digest; gc
// --keep-days 0 keeps the tag and the head readable, refuses the upsert's
// commit, and log marks it collected.
func TestCLIRevertAndGC(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	fixtures.WriteDocuments(a, fixtures.Documents{Rows: 20, Dim: 4, Seed: 1})
	fixtures.WriteDocuments(b, fixtures.Documents{Rows: 5, Dim: 4, Seed: 2, FirstID: 18})
	st := filepath.Join(dir, "store")
	do := func(args ...string) string {
		t.Helper()
		code, out, errs := cli(t, append([]string{"--store", st}, args...)...)
		if code != 0 {
			t.Fatalf("%v: %s %s", args, out, errs)
		}
		return out
	}
	do("sql", "COPY FROM '"+a+"' INTO docs WITH (primary_key = 'id')")
	do("tag", "create", "v1")
	want := do("digest", "docs")
	do("sql", "COPY FROM '"+b+"' INTO docs WITH (mode = 'upsert')")
	s, _ := store.Open(st)
	upsert := s.Head()
	s.Close()
	if out := do("revert", fmt.Sprint(upsert)); !strings.Contains(out, "docs: 0 put back, 2 restored, 3 deleted") {
		t.Errorf("revert: %q", out)
	}
	if got := do("digest", "docs"); got != want {
		t.Errorf("digest after revert %q, want %q", got, want)
	}
	if code, _, errs := cli(t, "--store", st, "gc"); code == 0 || !strings.Contains(errs, "say how many days") {
		t.Errorf("gc without --keep-days: %d %q", code, errs)
	}
	if code, _, errs := cli(t, "--store", st, "gc", "--keep-days", "-5"); code == 0 || !strings.Contains(errs, "--keep-days -5: the days to keep are 0 or more") {
		t.Errorf("gc --keep-days -5: %d %q", code, errs)
	}
	if out := do("gc", "--keep-days", "0"); !strings.Contains(out, "collected 2 commit(s)") {
		t.Errorf("gc: %q", out)
	}
	if got := do("digest", "docs", "--at", "v1"); got != want {
		t.Errorf("digest at the tag after gc %q, want %q", got, want)
	}
	if code, _, errs := cli(t, "--store", st, "digest", "docs", "--at", fmt.Sprint(upsert)); code == 0 || !strings.Contains(errs, "collected by retention") {
		t.Errorf("digest at a collected commit: %d %q", code, errs)
	}
	out := do("log", "--format", "csv")
	recs, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	collected := 0
	for _, r := range recs[1:] {
		if r[len(r)-1] == "true" {
			collected++
		}
	}
	if len(recs) != 6 || recs[0][len(recs[0])-1] != "collected" || collected != 2 {
		t.Errorf("log: %q", out)
	}
}

// The guide's plain COPY makes a table without a primary key. An index
// declared on it, by CREATE INDEX before the next COPY or by
// build_indexes, must answer searches for the rows imported after it:
// each search for a new row's own vector returns that row first, through
// the index.
func TestCLIIndexOnKeylessTable(t *testing.T) {
	dir := t.TempDir()
	first, more := fixtures.Documents{Rows: 300, Dim: 8, Seed: 1}, fixtures.Documents{Rows: 100, Dim: 8, Seed: 2, FirstID: 1000}
	for name, d := range map[string]fixtures.Documents{"first.parquet": first, "more.parquet": more} {
		if err := fixtures.WriteDocuments(filepath.Join(dir, name), d); err != nil {
			t.Fatal(err)
		}
	}
	search := func(st, table string, d fixtures.Documents, probes ...int) {
		t.Helper()
		for _, i := range probes {
			q, _ := json.Marshal(d.Row(i).Embedding)
			code, out, errs := cli(t, "--store", st, "sql", "--format", "json", "--param", "1="+string(q),
				"SELECT id FROM "+table+" ORDER BY embedding <=> $1 LIMIT 5")
			var doc struct {
				Rows []map[string]any `json:"rows"`
				Plan string           `json:"plan"`
			}
			if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
				t.Fatalf("search: %d %q %q", code, out, errs)
			}
			if !strings.HasPrefix(doc.Plan, "index ") || len(doc.Rows) != 5 || doc.Rows[0]["id"] != float64(d.Row(i).ID) {
				t.Errorf("%s: search for row %d's vector: plan %q, rows %v", table, d.Row(i).ID, doc.Plan, doc.Rows)
			}
		}
	}
	st := filepath.Join(dir, "store")
	for _, stmt := range []string{
		"COPY FROM '" + filepath.Join(dir, "first.parquet") + "' INTO documents;",
		"CREATE INDEX i ON documents USING hnsw (embedding)",
		"COPY FROM '" + filepath.Join(dir, "more.parquet") + "' INTO documents;",
		"COPY FROM '" + filepath.Join(dir, "first.parquet") + "' INTO built WITH (build_indexes = true)",
	} {
		if code, _, errs := cli(t, "--store", st, "sql", stmt); code != 0 {
			t.Fatalf("%s: %s", stmt, errs)
		}
	}
	search(st, "documents", more, 0, 17, 99)
	search(st, "documents", first, 5, 250)
	search(st, "built", first, 0, 150, 299)
}

// Commands that only read never create a store: on a path with none they
// fail with "no store at PATH" and leave nothing there. A COPY creates it.
func TestCLIReadOnlyCommandsNeedAStore(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo")
	for _, args := range [][]string{
		{"tables"}, {"sql", "SELECT count(*) FROM documents"}, {"sql", "SET lakelink.hnsw_ef_search = 10; SELECT * FROM lakelink_tags"},
		{"digest", "documents"}, {"status"}, {"log"}, {"tag", "ls"}, {"jobs"}, {"diff", "1", "2"},
		{"sql", "COPY documents TO '" + filepath.Join(dir, "out") + "/'"},
	} {
		code, out, errs := cli(t, append([]string{"--store", typo}, args...)...)
		if code == 0 || !strings.Contains(errs, "no store at "+typo) {
			t.Errorf("%v on a missing store: exit %d, %q %q", args, code, out, errs)
		}
		if _, err := os.Stat(typo); !os.IsNotExist(err) {
			t.Fatalf("%v created %s", args, typo)
		}
	}
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 10, Dim: 3}); err != nil {
		t.Fatal(err)
	}
	// A COPY that fails, on its options or on its rows, leaves no store
	// folder behind; global flags are checked on every command.
	for _, args := range [][]string{
		{"sql", "COPY FROM '" + data + "' INTO documents WITH (mode = 'sideways')"},
		{"sql", "COPY FROM '" + filepath.Join(dir, "none-*.parquet") + "' INTO documents"},
		{"--runner", "bogus", "tables"},
		{"--memory-limit", "10", "log"},
		{"--environment-type", "docker", "sql", "COPY FROM '" + data + "' INTO documents"},
	} {
		code, out, errs := cli(t, append([]string{"--store", typo}, args...)...)
		if code == 0 || errs == "" {
			t.Errorf("%v: exit %d, %q %q", args, code, out, errs)
		}
		if _, err := os.Stat(typo); !os.IsNotExist(err) {
			t.Fatalf("%v left %s: %s", args, typo, errs)
		}
	}
	if code, _, errs := cli(t, "--store", typo, "sql", "COPY FROM '"+data+"' INTO documents"); code != 0 {
		t.Fatalf("COPY into a new store: %s", errs)
	}
	for _, args := range [][]string{{"--runner", "bogus", "tables"}, {"--memory-limit", "10", "log"}, {"--memory-limit", "10", "sql", "SELECT count(*) FROM documents"}} {
		if code, out, errs := cli(t, append([]string{"--store", typo}, args...)...); code == 0 || !strings.Contains(errs, args[0]) {
			t.Errorf("%v: exit %d, %q %q", args, code, out, errs)
		}
	}
	if code, out, errs := cli(t, "--store", typo, "sql", "--format", "csv", "SELECT count(*) FROM documents"); code != 0 || out != "count\n10\n" {
		t.Errorf("count after the COPY: %d %q %q", code, out, errs)
	}
}

// Reading files in place needs no store: parquet_scan runs where there is
// none, creates none, and leaves no temporary one behind; a script that
// also reads a table still needs the store.
func TestCLIFilesNeedNoStore(t *testing.T) {
	dir := t.TempDir()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	none := filepath.Join(dir, "none")
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 10, Dim: 3}); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli(t, "--store", none, "sql", "--format", "csv",
		"SET lakelink.hnsw_ef_search = 10; SELECT count(*) FROM parquet_scan('"+data+"'); SELECT id FROM parquet_scan('"+data+"') WHERE id = 7")
	if code != 0 || !strings.HasSuffix(out, "\ncount\n10\nid\n7\n") {
		t.Errorf("parquet_scan without a store: exit %d, %q %q", code, out, errs)
	}
	if _, err := os.Stat(none); !os.IsNotExist(err) {
		t.Errorf("parquet_scan created %s", none)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in the temporary folder: %v", left)
	}
	code, _, errs = cli(t, "--store", none, "sql", "SELECT count(*) FROM parquet_scan('"+data+"'); SELECT count(*) FROM documents")
	if code == 0 || !strings.Contains(errs, "no store at "+none) {
		t.Errorf("a script that also reads a table: exit %d, %q", code, errs)
	}
}

// CLI habits: --version; statements from standard input (-f - or none
// given); COPY, SET and DDL results as fields in csv and json; gc's help
// without a sentinel default; --environment-type beside
// --environment_type.
func TestCLIHabits(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store")
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 10, Dim: 3}); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := cli(t, "--version"); code != 0 || !strings.HasPrefix(out, "lakelink ") || strings.Count(out, "\n") != 1 {
		t.Errorf("--version: %d %q", code, out)
	}

	code, out, errs := cli(t, "--store", st, "sql", "--format", "json", "COPY FROM '"+data+"' INTO docs WITH (primary_key = 'id')")
	var doc map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("json COPY: %d %q %q", code, out, errs)
	}
	if doc["statement"] != "COPY" || doc["table"] != "docs" || doc["rows"] != float64(10) || doc["rejected"] != float64(0) || doc["commit"] == nil || !strings.HasPrefix(fmt.Sprint(doc["job"]), "2") {
		t.Errorf("json COPY fields: %v", doc)
	}
	code, out, _ = cli(t, "--store", st, "sql", "--format", "csv", "CREATE INDEX di ON docs (embedding); SET lakelink.hnsw_ef_search = 50")
	// One header and one record per statement.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 4 || lines[0] != "statement,index,table,commit,message" || !strings.HasPrefix(lines[1], "CREATE INDEX,di,docs,") ||
		lines[2] != "statement,setting,value,message" || lines[3] != "SET,lakelink.hnsw_ef_search,50,SET lakelink.hnsw_ef_search" {
		t.Errorf("csv DDL and SET: %q", out)
	}
	code, out, _ = cli(t, "--store", st, "sql", "--format", "json", "SELECT count(*) FROM docs; DELETE FROM docs WHERE id < 3")
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || lines[0] != `{"columns":["count"],"rows":[{"count":10}]}` || !strings.HasPrefix(lines[1], `{"statement":"DELETE","table":"docs","rows":3,"commit":`) {
		t.Errorf("json SELECT and DELETE: %q", out)
	}

	for _, args := range [][]string{{"sql", "-f", "-"}, {"sql"}} {
		code, out, errs = cliIn(t, "SELECT count(*)\nFROM docs;\nSELECT id FROM docs WHERE id = 5", append(append([]string{"--store", st}, args...), "--format", "csv")...)
		if code != 0 || out != "count\n7\nid\n5\n" {
			t.Errorf("%v with statements on stdin: %d %q %q", args, code, out, errs)
		}
	}
	if code, _, errs = cliIn(t, "  \n", "--store", st, "sql", "-f", "-"); code == 0 || !strings.Contains(errs, "no statements") {
		t.Errorf("empty stdin: %d %q", code, errs)
	}

	if code, out, _ = cli(t, "gc", "--help"); code != 0 || strings.Contains(out, "9223372036854775808") || !strings.Contains(out, "--keep-days") {
		t.Errorf("gc --help: %q", out)
	}
	if code, _, errs = cli(t, "--store", st, "gc"); code == 0 || !strings.Contains(errs, "--keep-days N") {
		t.Errorf("gc without --keep-days: %d %q", code, errs)
	}
	for _, flag := range []string{"--environment-type", "--environment_type"} {
		if code, out, errs = cli(t, "--store", st, flag, "loopback", "sql", "--format", "csv", "SELECT count(*) FROM docs"); code != 0 || out != "count\n7\n" {
			t.Errorf("%s: %d %q %q", flag, code, out, errs)
		}
	}
}

// sql --help lists every format's options from their declarations, and a
// CSV file imports and exports from the command line.
func TestCLICSVAndHelp(t *testing.T) {
	code, out, _ := cli(t, "sql", "--help")
	for _, want := range []string{"csv:", "ndjson:", "max_record_bytes", "the first record names the columns"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("sql --help lacks %q:\n%s", want, out)
		}
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(csv, []byte("id;kind;v\n1;a;[1,2]\n2;b;[3,4]\n3;c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "store")
	code, _, errOut := cli(t, "--store", store, "sql", "COPY FROM '"+csv+"' INTO events WITH (delimiter = ';', primary_key = 'id')")
	if code == 0 || !strings.Contains(errOut, "events.csv: line 4: 2 fields where the header has 3") {
		t.Errorf("a ragged line under on_error = 'abort': exit %d, %s", code, errOut)
	}
	code, out, errOut = cli(t, "--store", store, "sql", "COPY FROM '"+csv+"' INTO events WITH (delimiter = ';', primary_key = 'id', on_error = 'continue'); COPY events TO '"+filepath.Join(dir, "out.ndjson")+"'")
	if code != 0 || !strings.Contains(out, "COPY 2 rows") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out.ndjson"))
	if err != nil || string(b) != "{\"id\":1,\"kind\":\"a\",\"v\":[1,2]}\n{\"id\":2,\"kind\":\"b\",\"v\":[3,4]}\n" {
		t.Errorf("out.ndjson: %q %v", b, err)
	}
}

// Every output format prints a DATE as its day (a TIMESTAMP at midnight
// keeps its time), NaN and the infinities by name, and JSON output stays
// JSON with them: strings "NaN", "Infinity", "-Infinity".
func TestCLIOutputOfDatesAndNonFiniteFloats(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store")
	data := filepath.Join(dir, "d.csv")
	os.WriteFile(data, []byte("id,day,at,x,v\n1,2024-01-02,2024-01-02T00:00:00Z,NaN,\"[1.5,\"\"NaN\"\"]\"\n2,2024-01-03,2024-01-03T10:00:00Z,-Infinity,\"[2.0]\"\n"), 0o644)
	code, out, errs := cli(t, "--store", st, "sql", "CREATE TABLE d (id BIGINT, day DATE, at TIMESTAMP, x DOUBLE, v REAL[]); COPY FROM '"+data+"' INTO d")
	if code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	for format, want := range map[string][]string{
		"table": {"2024-01-02  2024-01-02T00:00:00Z  NaN", "-Infinity", `[1.5,"NaN"]`},
		"csv":   {"1,2024-01-02,2024-01-02T00:00:00Z,NaN", "2,2024-01-03,2024-01-03T10:00:00Z,-Infinity"},
		"json":  {`"day":"2024-01-02"`, `"at":"2024-01-02T00:00:00Z"`, `"x":"NaN"`, `"x":"-Infinity"`, `"v":[1.5,"NaN"]`},
	} {
		code, out, errs := cli(t, "--store", st, "sql", "--format", format, "SELECT id, day, at, x, v FROM d ORDER BY id")
		if code != 0 {
			t.Errorf("%s: %d %s", format, code, errs)
			continue
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s output lacks %q:\n%s", format, w, out)
			}
		}
		if format == "json" {
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Errorf("json output is not JSON: %v\n%s", err, out)
			}
		}
	}
}

// Messages and output found rough by trying the command as a new user:
// revert of a missing, skipped or already reverted commit, a tag on an
// empty store, a multi-line statement in the log, a whole schema.
func TestCLIHistoryMessagesAndTables(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store")
	empty, err := store.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	empty.Close()
	if code, _, errs := cli(t, "--store", st, "tag", "create", "t0"); code == 0 || !strings.Contains(errs, "no commits yet") {
		t.Errorf("tag on an empty store: %d %q", code, errs)
	}
	if code, _, errs := cli(t, "--store", st, "tables", "nosuch"); code == 0 || !strings.HasSuffix(strings.TrimSpace(errs), `table "nosuch" does not exist`) {
		t.Errorf("tables of a missing table: %d %q", code, errs)
	}
	data := filepath.Join(dir, "d.csv")
	os.WriteFile(data, []byte("id,title\n1,a\n2,b\n"), 0o644)
	long := strings.Repeat("x", 100)
	for _, stmt := range []string{
		"CREATE TABLE d (id BIGINT PRIMARY KEY, title TEXT, note TEXT DEFAULT '" + long + "')", // 1
		"COPY FROM '" + data + "' INTO d", // 2
		"DELETE FROM d\nWHERE id = 1",     // 3
	} {
		if code, _, errs := cli(t, "--store", st, "sql", stmt); code != 0 {
			t.Fatal(errs)
		}
	}
	if code, _, _ := cli(t, "--store", st, "sql", "DELETE FROM d WHERE nosuch = 1"); code == 0 {
		t.Fatal("a DELETE on a missing column succeeded")
	}
	// Commit numbers from the log: the DELETE's, the head, and a number a
	// failed statement took.
	code, out, _ := cli(t, "--store", st, "log", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 4 {
		t.Fatalf("log: %q %v", out, err)
	}
	logged := map[string]bool{}
	var del string
	for _, r := range recs[1:] {
		logged[r[0]] = true
		if r[4] == "DELETE FROM d" {
			del = r[0]
		}
	}
	head, gap := recs[1][0], ""
	for n := 1; fmt.Sprint(n) != head; n++ {
		if !logged[fmt.Sprint(n)] {
			gap = fmt.Sprint(n)
		}
	}
	if gap == "" {
		t.Fatalf("no commit number was skipped: %v", recs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"revert", "99"}, "revert 99: no commit 99 (the head is " + head + ")"},
		{[]string{"revert", gap}, "no commit " + gap + ": a statement that failed took the number and committed nothing"},
	} {
		code, _, errs := cli(t, append([]string{"--store", st}, c.args...)...)
		if code == 0 || !strings.Contains(errs, c.want) || strings.Contains(errs, "AT (") {
			t.Errorf("%v: %d %q, want %q", c.args, code, errs, c.want)
		}
	}
	code, out, errs := cli(t, "--store", st, "revert", del)
	if code != 0 {
		t.Fatal(errs)
	}
	by := strings.Fields(out[strings.Index(out, " in commit ")+len(" in commit "):])[0]
	by = strings.TrimSuffix(by, ":")
	if code, _, errs := cli(t, "--store", st, "revert", del); code == 0 || !strings.Contains(errs, "commit "+del+" (DELETE FROM d) is already reverted, by commit "+by) {
		t.Errorf("a second revert: %d %q", code, errs)
	}
	// The log keeps one line per commit, the statement's line break shown.
	code, out, _ = cli(t, "--store", st, "log")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 1+4+1 || !strings.Contains(out, "DELETE FROM d↵WHERE id = 1") || !strings.Contains(out, "d.csv (17 bytes)") {
		t.Errorf("log: %d lines\n%s", len(lines), out)
	}
	// tables cuts long values and says so; tables TABLE prints them whole.
	code, out, _ = cli(t, "--store", st, "tables")
	if code != 0 || !strings.Contains(out, "values past 80 characters cut") {
		t.Errorf("tables: %q", out)
	}
	code, out, _ = cli(t, "--store", st, "tables", "d", "--format", "csv")
	if code != 0 || !strings.Contains(out, "note,TEXT,false,false,"+long) || !strings.Contains(out, "id,BIGINT,true,") {
		t.Errorf("tables d: %q", out)
	}
}
