package main

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/testing/blobtest"
	"github.com/lakelink/lakelink/testing/fixtures"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// The landing zone through the command: ingest a folder (lake root from
// --lake, then from LAKELINK_LAKE), import @latest, open and register a
// --manual version, list, and prune.
func TestCLIIngest(t *testing.T) {
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	src := filepath.Join(dir, "download")
	os.MkdirAll(src, 0o755)
	os.WriteFile(filepath.Join(src, "pages.csv"), []byte("id,title\n1,Go\n2,Beam\n"), 0o644)
	if code, _, errs := cli(t, "ingest", "dataset", "pages", "--from", src); code == 0 || !strings.Contains(errs, "--lake") {
		t.Errorf("no lake root: %d %q", code, errs)
	}
	// Listing and pruning a lake with nothing in it create no folder.
	if code, out, errs := cli(t, "ingest", "ls", "--lake", lake); code != 0 || strings.Contains(out, "pages") {
		t.Errorf("ls of an empty lake: %d %q %q", code, out, errs)
	}
	if code, _, errs := cli(t, "ingest", "prune", "pages", "--lake", lake); code == 0 || !strings.Contains(errs, "no dataset pages") {
		t.Errorf("prune of a missing dataset: %q", errs)
	}
	if _, err := os.Stat(lake); !os.IsNotExist(err) {
		t.Errorf("ls or prune made the lake folder")
	}
	code, out, errs := cli(t, "ingest", "dataset", "pages", "--lake", lake, "--from", src)
	if code != 0 || !regexp.MustCompile(`^ingested raw/pages/\d{4}_\d{2}_\d{2}/\d{2}_\d{2}_\d{2}_\d{3}: 1 file\(s\), 21 bytes\n$`).MatchString(out) {
		t.Fatalf("ingest: %d %q %q", code, out, errs)
	}
	t.Setenv("LAKELINK_LAKE", lake)
	os.WriteFile(filepath.Join(src, "pages.csv"), []byte("id,title\n1,Go\n2,Beam\n3,Badger\n"), 0o644)
	if code, out, errs = cli(t, "ingest", "dataset", "pages", "--from", filepath.Join(src, "pages.csv")); code != 0 {
		t.Fatalf("ingest with LAKELINK_LAKE: %q %q", out, errs)
	}
	st := filepath.Join(dir, "store")
	code, out, errs = cli(t, "--store", st, "sql", "--format", "csv", "COPY FROM '"+filepath.Join(lake, "raw", "pages")+"@latest' INTO pages; SELECT count(*) FROM pages")
	if code != 0 || !strings.HasSuffix(out, "count\n3\n") {
		t.Errorf("COPY FROM @latest: %q %q", out, errs)
	}

	// --manual opens a version and says where to put the files.
	code, out, _ = cli(t, "ingest", "dataset", "pages", "--manual")
	m := regexp.MustCompile(`opened raw/pages/(\S+): place the files in (\S+), then run\n  lakelink ingest dataset pages --manual --version (\S+)\n`).FindStringSubmatch(out)
	if code != 0 || m == nil || m[1] != m[3] {
		t.Fatalf("--manual: %q", out)
	}
	os.WriteFile(filepath.Join(m[2], "pages.csv"), []byte("id,title\n9,Manual\n"), 0o644)
	if code, out, errs = cli(t, "ingest", "dataset", "pages", "--manual", "--version", m[1]); code != 0 || !strings.Contains(out, "registered raw/pages/"+m[1]+": 1 file(s)") {
		t.Errorf("register: %q %q", out, errs)
	}
	cli(t, "ingest", "dataset", "pages", "--manual") // left empty: pending
	code, out, _ = cli(t, "ingest", "ls", "-a", "--format", "csv")
	recs, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || len(recs) != 5 || recs[1][1] != m[1] || recs[4][2] != "pending" {
		t.Fatalf("ls -a: %q", out)
	}
	if code, out, _ = cli(t, "ingest", "ls", "--format", "csv", "pages"); code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, m[1]+",listed") {
		t.Errorf("ls: %q", out)
	}
	code, out, _ = cli(t, "ingest", "prune", "pages", "--keep", "1")
	if code != 0 || !strings.Contains(out, "removed 1 empty version(s)") || !strings.Contains(out, "pruned 2 version(s)") {
		t.Errorf("prune: %q", out)
	}
	code, out, _ = cli(t, "ingest", "ls", "-a", "--format", "csv", "pages")
	if recs, _ := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || len(recs) != 2 || recs[1][1] != m[1] {
		t.Errorf("ls -a after prune: %q", out)
	}
	if code, _, errs = cli(t, "ingest", "dataset", "pages", "--manual", "--from", src); code == 0 || !strings.Contains(errs, "not both") {
		t.Errorf("--manual with --from: %q", errs)
	}
}

// Whole-dataset exports: a graph, named tables and every table, each one
// dated version with one manifest entry; a missing table writes nothing.
func TestCLIExportWholeDataset(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store")
	os.WriteFile(filepath.Join(dir, "n.csv"), []byte("id,name\n1,a\n2,b\n3,c\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "e.csv"), []byte("source,target\n1,2\n2,3\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "t.csv"), []byte("x\n5\n"), 0o644)
	code, _, errs := cli(t, "--store", st, "sql", "CREATE GRAPH g (NODE n (id BIGINT PRIMARY KEY, name TEXT), EDGE e (source BIGINT REFERENCES n(id), target BIGINT REFERENCES n(id)));"+
		"COPY FROM '"+filepath.Join(dir, "n.csv")+"' INTO GRAPH g.n; COPY FROM '"+filepath.Join(dir, "e.csv")+"' INTO GRAPH g.e; COPY FROM '"+filepath.Join(dir, "t.csv")+"' INTO t")
	if code != 0 {
		t.Fatal(errs)
	}
	counts := func(url string, folders map[string]int) {
		t.Helper()
		for f, want := range folders {
			code, out, errs := cli(t, "--store", st, "sql", "--format", "csv", "SELECT count(*) FROM parquet_scan('"+url+"@latest/"+f+"/')")
			if code != 0 || out != "count\n"+strconv.Itoa(want)+"\n" {
				t.Errorf("%s@latest/%s: %q %q", url, f, out, errs)
			}
		}
	}
	g := filepath.Join(dir, "out", "g")
	if code, out, errs := cli(t, "--store", st, "export", "dataset", g, "--graph", "g"); code != 0 || !strings.Contains(out, "exported 2 table(s) (g.n 3, g.e 2 rows") {
		t.Fatalf("--graph: %q %q", out, errs)
	}
	counts(g, map[string]int{"n": 3, "e": 2})
	// The CSV version reads back through COPY with every row.
	if code, out, errs := cli(t, "--store", st, "export", "dataset", g, "--graph", "g", "--format", "csv"); code != 0 {
		t.Fatalf("--graph --format csv: %q %q", out, errs)
	}
	code, out, errs := cli(t, "--store", st, "sql", "--format", "csv", "COPY FROM '"+g+"@latest/e/' INTO e_back; SELECT source, target FROM e_back ORDER BY source")
	if code != 0 || !strings.HasSuffix(out, "source,target\n1,2\n2,3\n") {
		t.Errorf("csv edges back: %q %q", out, errs)
	}
	code, out, _ = cli(t, "export", "ls", "-a", "--format", "csv", g)
	if recs, _ := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || len(recs) != 3 || recs[1][2] != "g.n, g.e" || recs[1][4] != "5" {
		t.Errorf("export ls: %q", out)
	}
	all := filepath.Join(dir, "out", "all")
	if code, out, errs := cli(t, "--store", st, "export", "dataset", all, "--all"); code != 0 {
		t.Fatalf("--all: %q %q", out, errs)
	}
	counts(all, map[string]int{"g.n": 3, "g.e": 2, "t": 1})
	some := filepath.Join(dir, "out", "some")
	if code, out, errs := cli(t, "--store", st, "export", "dataset", some, "--tables", "t,g.e"); code != 0 {
		t.Fatalf("--tables: %q %q", out, errs)
	}
	counts(some, map[string]int{"t": 1, "g.e": 2})
	bad := filepath.Join(dir, "out", "bad")
	if code, _, errs := cli(t, "--store", st, "export", "dataset", bad, "--tables", "t,nope"); code == 0 || !strings.Contains(errs, `"nope"`) {
		t.Errorf("missing table: %q", errs)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("a failed export left %s", bad)
	}
	if code, _, errs := cli(t, "--store", st, "export", "dataset", bad, "--all", "--graph", "g"); code == 0 || !strings.Contains(errs, "one of") {
		t.Errorf("--all with --graph: %q", errs)
	}
}

// generate-init-sql over a local lake, run by DuckDB (the peer): a view
// per exported dataset (per table folder of a graph export), over the
// newest version, in Parquet, CSV and JSON; none for the landing zone.
// DuckDB's counts and id sums match the store's.
func TestCLIGenerateInitSQL(t *testing.T) {
	peer := blobtest.DuckPeer(t)
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	st := filepath.Join(dir, "store")
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 300, Dim: 8}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "n.csv"), []byte("id,name\n1,a\n2,b\n3,c\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "e.csv"), []byte("source,target\n1,2\n2,3\n3,1\n1,3\n"), 0o644)
	code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+data+"' INTO docs WITH (primary_key = 'id');"+
		"CREATE GRAPH g (NODE n (id BIGINT PRIMARY KEY, name TEXT), EDGE e (source BIGINT REFERENCES n(id), target BIGINT REFERENCES n(id)));"+
		"COPY FROM '"+filepath.Join(dir, "n.csv")+"' INTO GRAPH g.n; COPY FROM '"+filepath.Join(dir, "e.csv")+"' INTO GRAPH g.e")
	if code != 0 {
		t.Fatal(errs)
	}
	steps := [][]string{
		{"export", "dataset", "docs", filepath.Join(lake, "datasets", "docs")},
		{"export", "dataset", filepath.Join(lake, "datasets", "graph"), "--graph", "g", "--format", "json"},
		{"export", "dataset", filepath.Join(lake, "datasets", "graph"), "--graph", "g", "--format", "csv"}, // the newest
		{"export", "dataset", "docs", filepath.Join(lake, "datasets", "docs_csv"), "--format", "csv"},
	}
	for _, s := range steps {
		if code, out, errs := cli(t, append([]string{"--store", st}, s...)...); code != 0 {
			t.Fatalf("%v: %q %q", s, out, errs)
		}
	}
	if code, _, errs := cli(t, "ingest", "dataset", "docs", "--lake", lake, "--from", data); code != 0 {
		t.Fatal(errs)
	}
	script := filepath.Join(dir, "init.sql")
	code, out, errs := cli(t, "tools", "generate-init-sql", lake, "--out", script)
	if code != 0 || !strings.Contains(out, "4 view(s)") {
		t.Fatalf("generate-init-sql: %q %q", out, errs)
	}
	res, err := blobtest.DuckInit(peer, script,
		"SELECT count(*), sum(id) FROM docs",
		"SELECT count(*), sum(id) FROM docs_csv",
		"SELECT count(*), sum(id) FROM graph_n",
		"SELECT count(*), sum(source * 10 + target) FROM graph_e",
		"SELECT table_name FROM information_schema.tables ORDER BY 1")
	if err != nil {
		text, _ := os.ReadFile(script)
		t.Fatalf("duckdb -init: %v\n%s", err, text)
	}
	sum := 0
	for i := 0; i < 300; i++ {
		sum += i
	}
	want := [][]string{{"300", strconv.Itoa(sum)}, {"300", strconv.Itoa(sum)}, {"3", "6"}, {"4", ""}}
	want[3][1] = strconv.Itoa(12 + 23 + 31 + 13)
	for i, w := range want {
		if got := res[i].Rows; len(got) != 1 || strings.Join(got[0], ",") != strings.Join(w, ",") {
			t.Errorf("%s: %v, want %v", res[i].Query, got, w)
		}
	}
	var names []string
	for _, r := range res[4].Rows {
		names = append(names, r[0])
	}
	if strings.Join(names, ",") != "docs,docs_csv,graph_e,graph_n" {
		t.Errorf("views %v", names)
	}
	if code, _, errs := cli(t, "tools", "generate-init-sql", filepath.Join(dir, "no-lake")); code == 0 || !strings.Contains(errs, "is no folder") {
		t.Errorf("a lake that does not exist: %q", errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "no-lake")); !os.IsNotExist(err) {
		t.Errorf("generate-init-sql made the folder it was given")
	}
	// The graph views read the CSV version (the newest), not the JSON one.
	text, _ := os.ReadFile(script)
	if strings.Count(string(text), "read_csv(") != 3 || strings.Contains(string(text), "read_json(") {
		t.Errorf("the views do not read the newest versions:\n%s", text)
	}
}

// COPY ... TO with deferred_index from the command: the command returns
// with plain files and a job whose background step runs in a process of
// its own (`lakelink export sections`), which `lakelink status JOB` shows
// and which adds the sections to every file after the command is gone.
func TestCLIDeferredSectionsOutliveTheCommand(t *testing.T) {
	t.Setenv(asCLIEnv, "1") // the spawned process is this test binary, run as lakelink
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 3000, Dim: 32}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	out := filepath.Join(dir, "out")
	code, msg, errs := cli(t, "--store", st, "sql", "COPY FROM '"+data+"' INTO docs; COPY docs TO '"+out+"/' WITH (vector_index = 'hnsw', deferred_index = true, parallel_workers = 4)")
	m := regexp.MustCompile(`in the background \(job (\S+): lakelink status`).FindStringSubmatch(msg)
	if code != 0 || m == nil {
		t.Fatalf("export: %d %q %q", code, msg, errs)
	}
	job := m[1]
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, got, _ := cli(t, "--store", st, "status", "--format", "csv", job)
		recs, _ := csv.NewReader(strings.NewReader(got)).ReadAll()
		if code != 0 || len(recs) != 2 {
			t.Fatalf("status %s: %q", job, got)
		}
		state := recs[1][2]
		if state == "committed" {
			break
		}
		if state != "running" || time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(st, "status", job+".sections.log"))
			t.Fatalf("the background step is %s: %q\n%s", state, got, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.parquet"))
	if len(files) != 4 {
		t.Fatalf("%d files", len(files))
	}
	for _, f := range files {
		fh, _ := os.Open(f)
		fi, _ := fh.Stat()
		secs, err := ailk.Sections(fh, fi.Size())
		fh.Close()
		if err != nil || len(secs) != 1 {
			t.Errorf("%s: %d sections (%v)", f, len(secs), err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(st, "status", job+".sections*")); len(left) != 0 {
		t.Errorf("the step left %v", left)
	}
	if code, _, errs := cli(t, "--store", st, "export", "sections", job); code == 0 || !strings.Contains(errs, "no deferred sections to add") {
		t.Errorf("export sections of a finished job: %d %q", code, errs)
	}
}

// export dataset --deferred-index: a whole-dataset version published
// plain, whose sections one background process adds, table after table, after
// which the manifest's SHA-256 are the files'.
func TestCLIExportDatasetDeferred(t *testing.T) {
	t.Setenv(asCLIEnv, "1")
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 2000, Dim: 16}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+data+"' INTO docs; COPY FROM '"+data+"' INTO more"); code != 0 {
		t.Fatal(errs)
	}
	ds := filepath.Join(dir, "ds")
	code, msg, errs := cli(t, "--store", st, "export", "dataset", ds, "--tables", "docs,more", "--vector-index", "hnsw", "--deferred-index")
	m := regexp.MustCompile(`in the background \(jobs (\S+), (\S+): lakelink status\)`).FindStringSubmatch(msg)
	if code != 0 || m == nil {
		t.Fatalf("export: %d %q %q", code, msg, errs)
	}
	for _, job := range m[1:] {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			_, got, _ := cli(t, "--store", st, "status", "--format", "csv", job)
			recs, _ := csv.NewReader(strings.NewReader(got)).ReadAll()
			if len(recs) == 2 && recs[1][2] == "committed" {
				break
			}
			if len(recs) != 2 || recs[1][2] != "running" || time.Now().After(deadline) {
				t.Fatalf("job %s: %q", job, got)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	data2, _ := os.ReadFile(filepath.Join(ds, "manifest.json"))
	var man datasets.Manifest
	if err := json.Unmarshal(data2, &man); err != nil || len(man.Versions) != 1 {
		t.Fatalf("manifest %s", data2)
	}
	for _, f := range man.Versions[0].Files {
		b, err := os.ReadFile(filepath.Join(ds, f.Path))
		sum := sha256.Sum256(b)
		if err != nil || f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: manifest %s, file %x (%v)", f.Path, f.SHA256, sum, err)
		}
		fh, _ := os.Open(filepath.Join(ds, f.Path))
		secs, err := ailk.Sections(fh, int64(len(b)))
		fh.Close()
		if err != nil || len(secs) != 1 {
			t.Errorf("%s: %d sections (%v)", f.Path, len(secs), err)
		}
	}
	if code, _, errs := cli(t, "--store", st, "export", "dataset", ds, "--all", "--deferred-index"); code == 0 || !strings.Contains(errs, "--vector-index") {
		t.Errorf("--deferred-index without --vector-index: %q", errs)
	}
}
