package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// Import, tag, then upsert, delete, append, compact the index, add a
// column and finally drop the table: reads at the tag give the tagged state, for
// rows, counts, digests and vector searches through the index (SQL AT
// (...), Session.At, Search.At), while reads at the head see the changes.
func TestReadsAtATag(t *testing.T) {
	docs := fixtures.Documents{Rows: 600, Dim: 16, RowGroupRows: 200, ContentChars: 20}
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id', build_indexes = true, hnsw_m = 8)", writeDocs(t, docs)))
	exec(t, s, "SET lakelink.hnsw_ef_search = 600")
	search := func(at string) []string { t.Helper(); return indexSearch(t, s, docs, at) }
	tagged := s.Store.Head()
	digest, err := s.Store.Digest("documents", tagged)
	if err != nil {
		t.Fatal(err)
	}
	before := search("")
	tag, err := s.CreateTag("q1-audit", 0, "before the upsert")
	if err != nil || tag.Commit != tagged {
		t.Fatalf("tag %+v: %v", tag, err)
	}

	exec(t, s, upsertEvenRows(t, docs))
	if r := exec(t, s, "DELETE FROM documents WHERE id >= 590 OR id = 0")[0]; r.Message != "DELETE 11 row(s) from documents" {
		t.Fatalf("delete: %s", r.Message)
	}
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents", writeDocs(t, fixtures.Documents{Rows: 100, Dim: 16, FirstID: 600, Seed: 9})))
	if _, err := s.Compact(context.Background(), "documents"); err != nil {
		t.Fatal(err)
	}
	exec(t, s, "ALTER TABLE documents ADD COLUMN note TEXT")
	midway := s.Store.Head()
	if fmt.Sprint(search("")) == fmt.Sprint(before) {
		t.Fatalf("the changes did not change the search")
	}

	for _, at := range []string{"AT (TAG => 'q1-audit')", fmt.Sprintf("AT (COMMIT => %d)", tagged),
		fmt.Sprintf("AT (TIMESTAMP => '%s')", commitTime(t, s, tagged).Format(time.RFC3339Nano))} {
		if got := search(at); fmt.Sprint(got) != fmt.Sprint(before) {
			t.Errorf("%s: %v, at tagging %v", at, got, before)
		}
		r := exec(t, s, "SELECT count(*) FROM documents "+at)[0]
		if r.Rows[0][0] != int64(600) {
			t.Errorf("%s: count %v", at, r.Rows)
		}
		r = exec(t, s, "SELECT * FROM documents "+at+" WHERE id = 3")[0]
		if len(r.Columns) != 4 || fmt.Sprint(r.Rows[0][3]) != fmt.Sprint(docs.Row(3).Embedding) {
			t.Errorf("%s: %v %v", at, r.Columns, r.Rows)
		}
	}
	if ts, err := s.Resolve("q1-audit"); err != nil || ts != tagged {
		t.Errorf("Resolve: %d %v", ts, err)
	}
	if d, _ := s.Store.Digest("documents", tagged); d != digest {
		t.Errorf("digest at the tag changed")
	}
	res, err := s.Search(context.Background(), engine.Search{Table: "documents", Column: "embedding", Query: docs.Row(250).Embedding, K: 5, Columns: []string{"id", "embedding"}, At: "q1-audit"})
	if err != nil || fmt.Sprint(res.Rows) != before[1] {
		t.Errorf("Search at the tag: %v %v, want %s", res.Rows, err, before[1])
	}

	exec(t, s, "DROP TABLE documents")
	s.At = tagged
	if got := search(""); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("Session.At after DROP TABLE: %v", got)
	}
	s.At = 0
	if r := exec(t, s, fmt.Sprintf("SELECT count(*) FROM documents AT (COMMIT => %d)", midway))[0]; r.Rows[0][0] != int64(689) {
		t.Errorf("midway: %v", r.Rows)
	}
	r := exec(t, s, "SELECT name, commit, author, message FROM lakelink_tags")[0]
	if len(r.Rows) != 1 || r.Rows[0][0] != "q1-audit" || r.Rows[0][1] != int64(tagged) || r.Rows[0][3] != "before the upsert" || r.Rows[0][2] == "" {
		t.Errorf("lakelink_tags: %v", r.Rows)
	}

	for stmt, want := range map[string]string{
		"SELECT * FROM documents AT (TAG => 'nope')":             `AT (TAG => 'nope'): tag "nope": not found`,
		"SELECT * FROM documents AT (COMMIT => 999)":             "AT (COMMIT => 999): no commit 999",
		"SELECT * FROM documents AT (TIMESTAMP => '1999-01-01')": "no commit at or before 1999-01-01T00:00:00Z",
		"SELECT * FROM documents AT (TIMESTAMP => 'soon')":       `"soon" is not a time`,
		"SELECT * FROM documents AT (VERSION => 1)":              "AT takes TAG, COMMIT or TIMESTAMP",
		"SELECT * FROM documents":                                `table "documents" does not exist`,
		"SELECT * FROM lakelink_tags AT (COMMIT => 1)":           "lakelink_tags AT (COMMIT => 1): reads the present only",
	} {
		if _, err := s.Exec(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", stmt, err, want)
		}
	}
	if _, err := s.CreateTag("q1-audit", 1, ""); err == nil || !strings.Contains(err.Error(), "tags are immutable") {
		t.Errorf("moving a tag: %v", err)
	}
	if err := s.DeleteTag("q1-audit"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve("q1-audit"); err == nil {
		t.Errorf("a deleted tag still resolves")
	}
}

// evenRowsNewVectors writes a file that gives every even row i of docs a
// new embedding: row (i+offset)'s, reversed and negated. It returns the
// rows and the file.
func evenRowsNewVectors(t *testing.T, docs fixtures.Documents, offset int) ([]embRow, string) {
	t.Helper()
	var fresh []embRow
	for i := 0; i < docs.Rows; i += 2 {
		v := docs.Row((i + offset) % docs.Rows).Embedding
		w := make([]float32, len(v))
		for k := range v {
			w[k] = -v[len(v)-1-k]
		}
		fresh = append(fresh, embRow{ID: int64(i), Embedding: w})
	}
	path := filepath.Join(t.TempDir(), "new-vectors.parquet")
	if err := parquet.WriteFile(path, fresh); err != nil {
		t.Fatal(err)
	}
	return fresh, path
}

// upsertEvenRows returns a COPY that upserts evenRowsNewVectors(docs, 301).
func upsertEvenRows(t *testing.T, docs fixtures.Documents) string {
	t.Helper()
	_, upd := evenRowsNewVectors(t, docs, 301)
	return fmt.Sprintf("COPY FROM '%s' INTO documents (id, embedding) WITH (mode = 'upsert', key_columns = ['id'])", upd)
}

// indexSearch returns the top 5 by cosine of three probe rows' vectors,
// read at at ("" for the head, or an AT (...) clause), failing unless the
// search goes through the vector index.
func indexSearch(t *testing.T, s *engine.Session, docs fixtures.Documents, at string) []string {
	t.Helper()
	var out []string
	for _, p := range []int{0, 250, 599} {
		s.Params = map[int]any{1: docs.Row(p).Embedding}
		r := exec(t, s, "SELECT id, embedding, cosine_similarity(embedding, $1) AS score FROM documents "+at+" ORDER BY score DESC LIMIT 5")[0]
		if !strings.HasPrefix(r.Plan, "index ") {
			t.Fatalf("%s: plan %q", at, r.Plan)
		}
		out = append(out, fmt.Sprint(r.Rows))
	}
	return out
}

func commitTime(t *testing.T, s *engine.Session, ts uint64) time.Time {
	t.Helper()
	ci, err := s.Store.Commit(ts)
	if err != nil {
		t.Fatal(err)
	}
	return ci.Time
}

// Every commit records its parent, author, message and statement, and the
// rows it inserted and updated per table; lakelink_commits and Log read
// them, Log also by table.
func TestCommitLog(t *testing.T) {
	s := session(t, "direct")
	s.Author = "ann"
	docs := writeDocs(t, fixtures.Documents{Rows: 40, Dim: 4})
	copyStmt := fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id')", docs)
	exec(t, s, copyStmt)
	var upd []embRow
	for i := 30; i < 50; i++ {
		upd = append(upd, embRow{ID: int64(i), Embedding: []float32{1, 2, 3, 4}})
	}
	path := filepath.Join(t.TempDir(), "upd.parquet")
	if err := parquet.WriteFile(path, upd); err != nil {
		t.Fatal(err)
	}
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents (id, embedding) WITH (mode = 'upsert', key_columns = ['id'])", path))
	exec(t, s, "CREATE TABLE other (id BIGINT PRIMARY KEY)")
	r := exec(t, s, "SELECT commit, parent, author, statement, inserted, updated, deleted, tables FROM lakelink_commits")[0]
	want := []string{
		fmt.Sprintf("[1 0 ann %s 40 0 0 documents +40 ~0 -0]", copyStmt),
		"[2 1 ann <nil> 10 10 0 documents +10 ~10 -0]",
		"[3 2 ann CREATE TABLE other (id BIGINT PRIMARY KEY) 0 0 0 ]", // DDL records its statement as the parser prints it back
	}
	if len(r.Rows) != 3 {
		t.Fatalf("%d commits", len(r.Rows))
	}
	for i, row := range r.Rows {
		got := fmt.Sprint(row)
		if i == 1 { // the statement of the upsert, which names a temporary file
			row[3] = nil
			got = fmt.Sprint(row)
		}
		if got != want[i] {
			t.Errorf("commit %d: %s, want %s", i+1, got, want[i])
		}
	}
	ci, err := s.Store.Commit(1)
	st, _ := os.Stat(docs)
	if err != nil || len(ci.Sources) != 1 || ci.Sources[0].URL != docs || ci.Sources[0].Size != st.Size() ||
		ci.Sources[0].Version != "mtime "+st.ModTime().UTC().Format(time.RFC3339Nano) {
		t.Errorf("sources of commit 1: %+v %v", ci.Sources, err)
	}
	log, err := s.Log("documents")
	if err != nil || len(log.Rows) != 2 || log.Rows[0][0] != int64(2) {
		t.Errorf("log of documents: %v %v", log.Rows, err)
	}
	if log, _ := s.Log(""); len(log.Rows) != 3 || log.Rows[2][4] != "COPY INTO documents (job "+fmt.Sprint(log.Rows[2][5])+")" {
		t.Errorf("log: %v", log.Rows)
	}
}
