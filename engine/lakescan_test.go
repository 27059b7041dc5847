package engine_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// fillClusters creates docs(id, title, embedding VECTOR(dim)) with
// clusters of perCluster rows around far-apart centres, ids in cluster
// order, so that an export in as many ranges puts one cluster in each file.
func fillClusters(t *testing.T, s *engine.Session, clusters, perCluster, dim int) []float32 {
	t.Helper()
	exec(t, s, fmt.Sprintf("CREATE TABLE docs (id BIGINT PRIMARY KEY, title TEXT, embedding VECTOR(%d))", dim))
	c, err := s.Store.Begin("fill docs")
	if err != nil {
		t.Fatal(err)
	}
	ti, _ := c.Table("docs")
	r := rand.New(rand.NewPCG(3, 4))
	var query []float32
	for k := 0; k < clusters; k++ {
		centre := make([]float32, dim)
		for j := range centre {
			centre[j] = float32(r.NormFloat64())
		}
		if k == 7 {
			query = make([]float32, dim)
			for j := range query {
				query[j] = centre[j] + 0.05*float32(r.NormFloat64())
			}
		}
		for i := 0; i < perCluster; i++ {
			v := make([]float32, dim)
			for j := range v {
				v[j] = centre[j] + 0.15*float32(r.NormFloat64())
			}
			id := int64(k*perCluster + i)
			row := store.Row{id, fmt.Sprintf("doc %d", id), v}
			pk, _ := store.KeyOf(ti.Schema, id)
			val, err := store.EncodeRow(ti.Schema, row)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Put(ti, pk, val); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := c.Finish(); err != nil {
		t.Fatal(err)
	}
	return query
}

// A search over 20 AILK files finds the same top 10 as an exact search of
// the rows they hold, skips the files whose centroid and radius cannot
// beat it without reading their indexes, and says so; a damaged section
// and a file without one are scanned instead, and still give the answer.
func TestSearchOverAILKFiles(t *testing.T) {
	s := session(t, "direct")
	query := fillClusters(t, s, 20, 400, 16)
	s.Params = map[int]any{1: query}
	exact := exec(t, s, "SELECT id, cosine_similarity(embedding, $1) AS score FROM docs ORDER BY score DESC LIMIT 10")[0]
	for _, kind := range []string{"hnsw", "ivfpq"} {
		t.Run(kind, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "lake")
			exec(t, s, fmt.Sprintf("COPY docs TO '%s/' WITH (vector_index = '%s', parallel_workers = 20)", dir, kind))
			if files := parquetFiles(t, dir); len(files) != 20 {
				t.Fatalf("%d files", len(files))
			}
			search := fmt.Sprintf("SELECT id, cosine_similarity(embedding, $1) AS score FROM parquet_scan('%s/*.parquet') ORDER BY score DESC LIMIT 10", dir)
			loaded := ailk.IndexesRead()
			r := exec(t, s, search)[0]
			loaded = ailk.IndexesRead() - loaded
			t.Logf("%s; %d index(es) read", r.Plan, loaded)
			// The files skipped by their bound were never read past their
			// section's header: one index read, for the one file searched.
			if loaded != 1 {
				t.Errorf("%d indexes read for one file searched", loaded)
			}
			if !reflect.DeepEqual(ids(t, r.Rows), ids(t, exact.Rows)) {
				t.Fatalf("lake search %v, exact search %v", ids(t, r.Rows), ids(t, exact.Rows))
			}
			for i := range r.Rows {
				if math.Abs(r.Rows[i][1].(float64)-exact.Rows[i][1].(float64)) > 1e-9 {
					t.Errorf("score %d: %v, exact %v", i, r.Rows[i][1], exact.Rows[i][1])
				}
			}
			if !strings.Contains(r.Plan, "20 file(s)") || !strings.Contains(r.Plan, "19 skipped by centroid and radius") {
				t.Errorf("plan: %s", r.Plan)
			}

			// Damage file 7's section (the one holding the answer; the
			// last "AILK" is its trailer's magic): it is reported and
			// scanned.
			files := parquetFiles(t, dir)
			path := filepath.Join(dir, files[7])
			b, _ := os.ReadFile(path)
			i := strings.LastIndex(string(b), "AILK")
			copy(b[i:], "XXXX")
			os.WriteFile(path, b, 0o644)
			r = exec(t, s, search)[0]
			if !reflect.DeepEqual(ids(t, r.Rows), ids(t, exact.Rows)) || !strings.Contains(r.Plan, files[7]) || !strings.Contains(r.Plan, "bad trailer magic") || !strings.Contains(r.Plan, "1 scanned") {
				t.Errorf("with a damaged section: %v, plan %s", ids(t, r.Rows), r.Plan)
			}
			// The damaged file still reads as Parquet.
			n := exec(t, s, fmt.Sprintf("SELECT count(*) FROM parquet_scan('%s')", path))[0].Rows[0][0]
			if n != int64(400) {
				t.Errorf("the damaged file reads %v rows", n)
			}
		})
	}
	// AI-Lake files from another writer (no lakelink keys: an index blob
	// lakelink does not know): pruned by their centroid and radius all
	// the same, and the file searched is scanned exactly, no index read.
	foreign := filepath.Join(t.TempDir(), "foreign")
	exec(t, s, fmt.Sprintf("COPY docs TO '%s/' WITH (vector_index = 'hnsw', parallel_workers = 20)", foreign))
	for _, f := range parquetFiles(t, foreign) {
		path := filepath.Join(foreign, f)
		b, _ := os.ReadFile(path)
		if b, err := fixtures.WithoutFooterKeys(b, "lakelink."); err != nil {
			t.Fatal(err)
		} else {
			os.WriteFile(path, b, 0o644)
		}
	}
	loaded := ailk.IndexesRead()
	r := exec(t, s, fmt.Sprintf("SELECT id, cosine_similarity(embedding, $1) AS score FROM parquet_scan('%s/*.parquet') ORDER BY score DESC LIMIT 10", foreign))[0]
	if !reflect.DeepEqual(ids(t, r.Rows), ids(t, exact.Rows)) || !strings.Contains(r.Plan, "19 skipped by centroid and radius") ||
		!strings.Contains(r.Plan, "1 scanned") || ailk.IndexesRead() != loaded {
		t.Errorf("foreign sections: %v, plan %s, %d index(es) read", ids(t, r.Rows), r.Plan, ailk.IndexesRead()-loaded)
	}

	// Files without sections are scanned; l2 against cosine sections too.
	dir := filepath.Join(t.TempDir(), "plain")
	exec(t, s, fmt.Sprintf("COPY docs TO '%s/' WITH (parallel_workers = 4)", dir))
	r = exec(t, s, fmt.Sprintf("SELECT id FROM parquet_scan('%s/*.parquet') ORDER BY cosine_similarity(embedding, $1) DESC LIMIT 10", dir))[0]
	if !reflect.DeepEqual(ids(t, r.Rows), ids(t, exact.Rows)) || !strings.Contains(r.Plan, "4 scanned") {
		t.Errorf("plain files: %v, plan %s", ids(t, r.Rows), r.Plan)
	}
	r = exec(t, s, fmt.Sprintf("SELECT id, title FROM parquet_scan('%s/*.parquet') WHERE id < 5 ORDER BY id DESC LIMIT 2", dir))[0]
	if !reflect.DeepEqual(r.Rows, [][]any{{int64(4), "doc 4"}, {int64(3), "doc 3"}}) {
		t.Errorf("filtered scan: %v", r.Rows)
	}
}

// SELECT from parquet_scan with LIMIT and no ORDER BY returns the first
// rows in file order and stops reading there: with four files, LIMIT 3
// opens the first file only; a WHERE that the second file first meets
// opens two.
func TestParquetScanLimitStopsEarly(t *testing.T) {
	dir := t.TempDir()
	for f := range 4 {
		d := fixtures.Documents{Rows: 100, Dim: 4, RowGroupRows: 25, FirstID: int64(f * 100)}
		if err := fixtures.WriteDocuments(filepath.Join(dir, fmt.Sprintf("part-%d.parquet", f)), d); err != nil {
			t.Fatal(err)
		}
	}
	s := session(t, "direct")
	from := fmt.Sprintf("FROM parquet_scan('%s/*.parquet')", dir)
	opens := func(stmt string) (int64, [][]any) {
		t.Helper()
		before := objstore.ObjectsOpened()
		r := exec(t, s, stmt)[0]
		return objstore.ObjectsOpened() - before, r.Rows
	}
	all, rows := opens("SELECT id " + from)
	if len(rows) != 400 {
		t.Fatalf("the whole scan: %d rows", len(rows))
	}
	n, rows := opens("SELECT id, title " + from + " LIMIT 3")
	if fmt.Sprint(rows) != fmt.Sprintf("[[0 %s] [1 %s] [2 %s]]", fixtures.Documents{Dim: 4}.Row(0).Title, fixtures.Documents{Dim: 4}.Row(1).Title, fixtures.Documents{Dim: 4}.Row(2).Title) {
		t.Errorf("LIMIT 3: %v", rows)
	}
	if n != all-3 {
		t.Errorf("LIMIT 3 opened %d objects; the whole scan %d: want the first file only (%d)", n, all, all-3)
	}
	n, rows = opens("SELECT id " + from + " WHERE id >= 150 LIMIT 2")
	if fmt.Sprint(rows) != "[[150] [151]]" || n != all-2 {
		t.Errorf("WHERE id >= 150 LIMIT 2: %v, %d objects opened (whole scan %d)", rows, n, all)
	}
	if _, rows = opens("SELECT id " + from + " WHERE id >= 395 LIMIT 10"); len(rows) != 5 {
		t.Errorf("a LIMIT past the matches: %v", rows)
	}
}

// vector_index = 'auto' picks each file's section as auto indexes pick
// parts: flat for a file of up to 2,000 vectors, HNSW above; the files
// answer a search like the table.
func TestAutoSectionsBySize(t *testing.T) {
	s := session(t, "direct")
	query := fillClusters(t, s, 10, 250, 8) // 2,500 rows
	s.Params = map[int]any{1: query}
	exact := exec(t, s, "SELECT id, cosine_similarity(embedding, $1) AS score FROM docs ORDER BY score DESC LIMIT 10")[0]
	for _, c := range []struct {
		where string
		kind  ailk.Kind
	}{{"id < 1500", ailk.Flat}, {"id >= 0", ailk.HNSW}} {
		dir := filepath.Join(t.TempDir(), "lake")
		exec(t, s, fmt.Sprintf("COPY (SELECT * FROM docs WHERE %s) TO '%s/' WITH (vector_index = 'auto', parallel_workers = 1)", c.where, dir))
		files := parquetFiles(t, dir)
		if len(files) != 1 {
			t.Fatalf("%d files", len(files))
		}
		b, err := os.ReadFile(filepath.Join(dir, files[0]))
		if err != nil {
			t.Fatal(err)
		}
		secs, err := ailk.Sections(bytes.NewReader(b), int64(len(b)))
		if err != nil || len(secs) != 1 || secs[0].Kind != c.kind {
			t.Fatalf("%s: sections %+v (%v), want one %s section", c.where, secs, err, c.kind)
		}
		if c.kind == ailk.HNSW {
			r := exec(t, s, fmt.Sprintf("SELECT id, cosine_similarity(embedding, $1) AS score FROM parquet_scan('%s/*.parquet') ORDER BY score DESC LIMIT 10", dir))[0]
			if !reflect.DeepEqual(ids(t, r.Rows), ids(t, exact.Rows)) || !strings.Contains(r.Plan, "1 searched through their AILK index") {
				t.Errorf("auto sections: %v, plan %s; exact %v", ids(t, r.Rows), r.Plan, ids(t, exact.Rows))
			}
		}
	}
}
