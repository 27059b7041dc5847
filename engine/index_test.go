package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// The real SIFT set imported with build_indexes: the searches go through
// the index and reach recall@10 of at least 0.95 with HNSW (on the direct
// runner and on Prism) and 0.90 with IVF-PQ; after reopening the store the
// index is used as stored, with the same results.
func TestSIFTWithIndexThroughCopy(t *testing.T) {
	set, path := siftParquet(t)
	for _, c := range []struct{ runner, with string }{
		{"direct", "index_type = 'hnsw', hnsw_m = 16, hnsw_ef_construction = 200"},
		{"prism", "index_type = 'hnsw'"},
		{"direct", "index_type = 'ivfpq', ivf_m = 16, ivf_nbits = 8"},
	} {
		runner := c.runner
		dir := t.TempDir()
		st, err := store.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		s := &engine.Session{Store: st, Runner: session(t, runner).Runner}
		exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO sift WITH (primary_key = 'id', build_indexes = true, index_metric = 'l2', %s)", path, c.with))
		want := map[bool]float64{false: 0.95, true: 0.90}[strings.Contains(c.with, "ivfpq")]
		search := func() (float64, []string) {
			hits := 0
			var first []string
			for qi, q := range set.Queries {
				s.Params = map[int]any{1: q}
				r := exec(t, s, "SELECT id FROM sift ORDER BY v <-> $1 LIMIT 10")[0]
				if r.Plan != "index sift_v_idx" {
					t.Fatalf("%s: plan %q", runner, r.Plan)
				}
				if qi < 3 {
					first = append(first, fmt.Sprint(r.Rows))
				}
				for _, row := range r.Rows {
					for _, id := range set.Truth[qi][:10] {
						if row[0].(int64) == int64(id) {
							hits++
						}
					}
				}
			}
			return float64(hits) / 1000, first
		}
		recall, before := search()
		t.Logf("%s, %s: recall@10 through the index %.3f", runner, c.with, recall)
		if recall < want {
			t.Errorf("%s, %s: recall@10 %.3f, want at least %.2f", runner, c.with, recall, want)
		}
		st.Close()
		if st, err = store.Open(dir); err != nil {
			t.Fatal(err)
		}
		s.Store = st
		again, after := search()
		if again != recall || fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("%s: after reopening recall %.3f, was %.3f; %v, was %v", runner, again, recall, after, before)
		}
		st.Close()
	}
}

// CREATE INDEX on a table with rows, imports that add and replace rows,
// and searches through the index agree with exact scans; a filter that
// the index cannot satisfy falls back to a scan and still returns every
// match; DROP INDEX and ALTER TABLE keep the catalog consistent.
func TestIndexFollowsTheTable(t *testing.T) {
	docs := fixtures.Documents{Rows: 800, Dim: 16}
	first := writeDocs(t, fixtures.Documents{Rows: 500, Dim: 16})
	more := writeDocs(t, fixtures.Documents{Rows: 300, Dim: 16, FirstID: 500})
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id')", first))
	msg := exec(t, s, "CREATE INDEX docs_emb ON documents USING hnsw (embedding) WITH (metric = 'cosine', m = 8, ef_construction = 64)")[0].Message
	if !strings.Contains(msg, "CREATE INDEX docs_emb ON documents USING hnsw (embedding)") {
		t.Errorf("create: %s", msg)
	}
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents", more))
	// Upsert every third row with another row's vector, reversed.
	var fresh []embRow
	for i := 0; i < docs.Rows; i += 3 {
		v := docs.Row((i + 7) % docs.Rows).Embedding
		w := make([]float32, len(v))
		for k := range v {
			w[k] = v[len(v)-1-k]
		}
		fresh = append(fresh, embRow{ID: int64(i), Embedding: w})
	}
	upd := filepath.Join(t.TempDir(), "new.parquet")
	if err := parquet.WriteFile(upd, fresh); err != nil {
		t.Fatal(err)
	}
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents (id, embedding) WITH (mode = 'update', key_columns = ['id'])", upd))
	exec(t, s, "SET lakelink.hnsw_ef_search = 800") // this small table: the index must find the exact answer
	check := func(where, plan string) {
		t.Helper()
		for _, probe := range []int{0, 3, 100, 501, 799} {
			s.Params = map[int]any{1: docs.Row(probe).Embedding}
			idx := exec(t, s, "SELECT id, embedding, cosine_similarity(embedding, $1) AS score FROM documents "+where+" ORDER BY score DESC LIMIT 10")[0]
			scan := exec(t, s, "SELECT id, embedding, cosine_similarity(embedding, $1) AS score FROM documents "+where+" ORDER BY score ASC LIMIT 1000000")[0]
			if !strings.HasPrefix(idx.Plan, plan) {
				t.Fatalf("%s: plan %q, want %q", where, idx.Plan, plan)
			}
			var want [][]any
			for i := len(scan.Rows) - 1; i >= 0 && len(want) < 10; i-- {
				want = append(want, scan.Rows[i])
			}
			if fmt.Sprint(ids(t, idx.Rows)) != fmt.Sprint(ids(t, want)) && fmt.Sprint(scores(idx.Rows)) != fmt.Sprint(scores(want)) {
				t.Errorf("%s probe %d: index %v, scan %v", where, probe, ids(t, idx.Rows), ids(t, want))
			}
		}
	}
	check("", "index docs_emb")
	check("WHERE id >= 400", "index docs_emb")
	check("WHERE id IN (1, 2, 3, 4, 5, 6, 7)", "scan: index docs_emb found 7 of 10")

	// Nearest-first only: the farthest rows scan.
	for stmt, plan := range map[string]string{
		"SELECT id FROM documents ORDER BY embedding <=> $1 DESC LIMIT 3": "scan: an index finds nearest first, and this orders farthest first",
		"SELECT id FROM documents ORDER BY embedding <-> $1 LIMIT 3":      "scan: no l2 index on embedding (docs_emb is cosine)",
		"SELECT id FROM documents ORDER BY embedding <=> $1":              "scan: an index answers ORDER BY ... LIMIT k",
	} {
		if r := exec(t, s, stmt)[0]; r.Plan != plan {
			t.Errorf("%s: plan %q, want %q", stmt, r.Plan, plan)
		}
	}
	for stmt, want := range map[string]string{
		"ALTER TABLE documents DROP COLUMN embedding":                 "column embedding has index docs_emb: DROP INDEX docs_emb first",
		"CREATE INDEX docs_emb ON documents USING hnsw (embedding)":   "already has an index docs_emb",
		"CREATE INDEX t_idx ON documents USING hnsw (title)":          "column title is TEXT; vector indexes need a VECTOR column",
		"CREATE INDEX x ON documents USING ivf (embedding)":           `unknown index type "ivf"`,
		"CREATE INDEX x ON documents (embedding) WITH (m = 1)":        "index option hnsw_m must be between 2 and 256",
		"CREATE INDEX x ON documents (embedding) WITH (metric = 'x')": `unknown metric "x"`,
		"DROP INDEX nothing":              `index "nothing" does not exist`,
		"SET lakelink.hnsw_ef_search = 0": "takes a whole number from 1",
	} {
		if _, err := s.Exec(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", stmt, err, want)
		}
	}
	if _, err := s.Exec(context.Background(), fmt.Sprintf("COPY FROM '%s' INTO other WITH (build_indexes = true, hnsw_m = 1)", first)); err == nil || !strings.Contains(err.Error(), "hnsw_m must be between 2 and 256") {
		t.Errorf("a bad index option in COPY: %v", err)
	}
	exec(t, s, "ALTER TABLE documents RENAME COLUMN embedding TO vec")
	if r := exec(t, s, "SELECT id FROM documents ORDER BY vec <=> $1 LIMIT 3")[0]; r.Plan != "index docs_emb" {
		t.Errorf("after renaming the column: plan %q", r.Plan)
	}
	exec(t, s, "DROP INDEX docs_emb")
	if r := exec(t, s, "SELECT id FROM documents ORDER BY vec <=> $1 LIMIT 3")[0]; r.Plan != "scan" {
		t.Errorf("after DROP INDEX: plan %q", r.Plan)
	}
	exec(t, s, "DROP INDEX IF EXISTS docs_emb")
}

func scores(rows [][]any) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%.5f", r[len(r)-1]))
	}
	return out
}

func segmentCount(t *testing.T, s *engine.Session, table, index string) int {
	t.Helper()
	return len(storedParts(t, s, table, index))
}

// A search at a past commit (Session.At) sees that commit's vectors
// through the index; the Go Search gives what SQL gives; imports past the
// segment limit compact the index on their own, and Compact merges it
// into one segment, with the same results.
func TestSearchAtCommitGoAPIAndCompaction(t *testing.T) {
	docs := fixtures.Documents{Rows: 300, Dim: 8}
	path := writeDocs(t, docs)
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id', build_indexes = true)", path))
	before := s.Store.Head()
	var fresh []embRow
	for i := 0; i < 100; i++ {
		v := docs.Row(i).Embedding
		w := make([]float32, len(v))
		for k := range v {
			w[k] = -v[k]
		}
		fresh = append(fresh, embRow{ID: int64(i), Embedding: w})
	}
	upd := filepath.Join(t.TempDir(), "new.parquet")
	if err := parquet.WriteFile(upd, fresh); err != nil {
		t.Fatal(err)
	}
	update := fmt.Sprintf("COPY FROM '%s' INTO documents (id, embedding) WITH (mode = 'update', key_columns = ['id'])", upd)
	exec(t, s, update)
	old := docs.Row(5).Embedding
	s.Params = map[int]any{1: old}
	const q = "SELECT id, embedding FROM documents ORDER BY embedding <=> $1 LIMIT 3"
	now := exec(t, s, q)[0]
	if now.Plan != "index documents_embedding_idx" || now.Rows[0][0] == int64(5) {
		t.Errorf("at the head, row 5 no longer has its old vector: %v (%s)", now.Rows, now.Plan)
	}
	s.At = before
	then := exec(t, s, q)[0]
	if then.Plan != "index documents_embedding_idx" || then.Rows[0][0] != int64(5) || fmt.Sprint(then.Rows[0][1]) != fmt.Sprint(old) {
		t.Errorf("at the commit before the update: %v (%s)", then.Rows, then.Plan)
	}
	s.At = 0

	goRes, err := s.Search(context.Background(), engine.Search{Table: "documents", Column: "embedding", Query: old, K: 5, Where: "id >= 100", Columns: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	sqlRes := exec(t, s, "SELECT id, cosine_similarity(embedding, $1) AS score FROM documents WHERE id >= 100 ORDER BY score DESC LIMIT 5")[0]
	if fmt.Sprint(goRes.Columns, goRes.Rows) != fmt.Sprint(sqlRes.Columns, sqlRes.Rows) || goRes.Plan != sqlRes.Plan {
		t.Errorf("Go search %v %v (%s), SQL %v %v (%s)", goRes.Columns, goRes.Rows, goRes.Plan, sqlRes.Columns, sqlRes.Rows, sqlRes.Plan)
	}
	for _, bad := range []engine.Search{{Table: "documents", Column: "embedding", Query: old, K: 0}, {Table: "documents", Column: "embedding", Query: old, K: 1, Metric: "hamming"},
		{Table: "documents", Column: "embedding", Query: old[:3], K: 1}, {Table: "documents", Column: "embedding", Query: old, K: 1, Where: "id >>> 3"}} {
		if _, err := s.Search(context.Background(), bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}

	// Every update adds a segment, until the limit: then the import compacts.
	counts := []int{segmentCount(t, s, "documents", "documents_embedding_idx")}
	for i := 0; i < 9; i++ {
		exec(t, s, update)
		counts = append(counts, segmentCount(t, s, "documents", "documents_embedding_idx"))
	}
	if fmt.Sprint(counts) != "[2 3 4 5 6 7 8 1 2 3]" {
		t.Errorf("segments after each import: %v", counts)
	}
	want := exec(t, s, q)[0]
	if msg := must(t)(s.Compact(context.Background(), "documents")).Message; !strings.Contains(msg, "compacted 1 index(es) of documents") {
		t.Errorf("compact: %s", msg)
	}
	if n := segmentCount(t, s, "documents", "documents_embedding_idx"); n != 1 {
		t.Errorf("%d segments after Compact", n)
	}
	if got := exec(t, s, q)[0]; fmt.Sprint(got.Rows) != fmt.Sprint(want.Rows) || got.Plan != want.Plan {
		t.Errorf("after compaction %v (%s), before %v (%s)", got.Rows, got.Plan, want.Rows, want.Plan)
	}
}

func must(t *testing.T) func(engine.Result, error) engine.Result {
	return func(r engine.Result, err error) engine.Result {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

// index_type = 'auto' builds a flat part over an import of up to 2,000
// vectors and an HNSW part over a larger one, and searches both: the
// answers equal an exact scan's.
func TestAutoIndexPartsBySize(t *testing.T) {
	small := writeDocs(t, fixtures.Documents{Rows: 1500, Dim: 4})
	more := writeDocs(t, fixtures.Documents{Rows: 2500, Dim: 4, FirstID: 1500, Seed: 7})
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id', build_indexes = true, index_type = 'auto', index_metric = 'l2')", small))
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents", more))
	st := s.Store
	ti, err := st.Table("documents", st.Head())
	if err != nil {
		t.Fatal(err)
	}
	parts, err := indexes.LoadParts(st, st.View(st.Head()), ti, "documents_embedding_idx")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, p := range parts {
		kinds = append(kinds, fmt.Sprintf("%s:%d", p.Kind, len(p.Keys)))
	}
	if strings.Join(kinds, " ") != "flat:1500 hnsw:2500" {
		t.Errorf("parts %v, want a flat part of 1500 and an hnsw part of 2500", kinds)
	}
	exec(t, s, "SET lakelink.hnsw_ef_search = 2000")
	for _, id := range []int{0, 1499, 1500, 3999} {
		s.Params = map[int]any{1: exec(t, s, fmt.Sprintf("SELECT embedding FROM documents WHERE id = %d", id))[0].Rows[0][0]}
		idx := exec(t, s, "SELECT id, embedding <-> $1 AS d FROM documents ORDER BY embedding <-> $1 LIMIT 5")[0]
		scan := exec(t, s, "SELECT id, embedding <-> $1 AS d FROM documents ORDER BY embedding <-> $1 LIMIT 100000")[0]
		if idx.Plan != "index documents_embedding_idx" || fmt.Sprint(idx.Rows) != fmt.Sprint(scan.Rows[:5]) {
			t.Errorf("search for id %d's vector (%s): %v, exact %v", id, idx.Plan, idx.Rows, scan.Rows[:5])
		}
	}
}

// An IVF-PQ index made by CREATE INDEX answers like an exact scan when
// every cluster is probed, and follows the table's later imports.
func TestIVFPQIndexFollowsTheTable(t *testing.T) {
	docs := fixtures.Documents{Rows: 1200, Dim: 16}
	first := writeDocs(t, fixtures.Documents{Rows: 1000, Dim: 16})
	more := writeDocs(t, fixtures.Documents{Rows: 200, Dim: 16, FirstID: 1000})
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id')", first))
	exec(t, s, "CREATE INDEX ivf ON documents USING ivfpq (embedding) WITH (metric = 'l2', nlist = 16, m = 4, nbits = 6)")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents", more))
	exec(t, s, "SET lakelink.ivf_nprobe = 64")
	for _, probe := range []int{0, 999, 1000, 1199} {
		s.Params = map[int]any{1: docs.Row(probe).Embedding}
		idx := exec(t, s, "SELECT id, l2_distance(embedding, $1) AS d FROM documents ORDER BY d LIMIT 10")[0]
		scan := exec(t, s, "SELECT id, l2_distance(embedding, $1) AS d FROM documents ORDER BY d LIMIT 100000")[0]
		if idx.Plan != "index ivf" || scan.Plan != "scan: LIMIT 100000 reaches every vector of index ivf" {
			t.Fatalf("plans %q and %q", idx.Plan, scan.Plan)
		}
		if fmt.Sprint(idx.Rows) != fmt.Sprint(scan.Rows[:10]) {
			t.Errorf("probe %d: index %v, scan %v", probe, idx.Rows, scan.Rows[:10])
		}
	}
	if _, err := s.Exec(context.Background(), "CREATE INDEX bad ON documents USING ivfpq (embedding) WITH (m = 5)"); err == nil || !strings.Contains(err.Error(), "m = 5 does not divide the dimension 16") {
		t.Errorf("an m that does not divide the dimension: %v", err)
	}
	if _, err := s.Exec(context.Background(), "SET lakelink.ivf_nprobe = -1"); err == nil {
		t.Error("a negative nprobe was accepted")
	}
}

// CREATE INDEX answers with the index as it declared it: a statement that,
// run again after DROP INDEX, declares the same index, for every kind.
func TestCreateIndexSaysWhatItDeclared(t *testing.T) {
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id')", writeDocs(t, fixtures.Documents{Rows: 300, Dim: 8})))
	for stmt, want := range map[string]string{
		"CREATE INDEX h ON documents USING hnsw (embedding) WITH (m = 8, ef_construction = 64)":      "CREATE INDEX h ON documents USING hnsw (embedding) WITH (metric = 'cosine', hnsw_m = 8, hnsw_ef_construction = 64)",
		"CREATE INDEX i ON documents USING ivfpq (embedding) WITH (metric = 'l2', nlist = 4, m = 2)": "CREATE INDEX i ON documents USING ivfpq (embedding) WITH (metric = 'l2', ivf_nlist = 4, ivf_m = 2)",
		"CREATE INDEX f ON documents USING flat (embedding) WITH (metric = 'ip')":                    "CREATE INDEX f ON documents USING flat (embedding) WITH (metric = 'ip')",
	} {
		msg := exec(t, s, stmt)[0].Message
		if msg != want {
			t.Errorf("%s:\n  said %s\n  want %s", stmt, msg, want)
			continue
		}
		name := strings.Fields(msg)[2]
		before, _ := s.Store.Table("documents", s.Store.Head())
		declared, _ := before.Index(name)
		exec(t, s, "DROP INDEX "+name)
		exec(t, s, msg)
		after, _ := s.Store.Table("documents", s.Store.Head())
		if again, _ := after.Index(name); fmt.Sprint(again) != fmt.Sprint(declared) {
			t.Errorf("%s declared %+v; run again, %+v", msg, declared, again)
		}
	}
}
