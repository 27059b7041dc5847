package engine_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// A keyless table that took the same file twice, whose vectors also come
// in large groups of equal ones (nodes with the same neighbourhood embed
// alike): an HNSW index, built at CREATE INDEX and again after
// compaction, finds every distinct vector at distance 0 through the
// index, as a scan does. Before the graph's neighbour selection skipped
// equal vectors, a group larger than a neighbour list closed over itself
// and searches entering it returned its members instead.
func TestIndexOnKeylessTableWithRepeatedRows(t *testing.T) {
	const dim, distinct, groups, groupSize = 8, 300, 5, 60
	r := rand.New(rand.NewPCG(5, 8))
	random := func() []float32 {
		v := make([]float32, dim)
		for k := range v {
			v[k] = float32(r.NormFloat64())
		}
		return v
	}
	var rows []embRow
	var queries [][]float32
	for i := range distinct {
		v := random()
		queries = append(queries, v)
		rows = append(rows, embRow{ID: int64(i), Embedding: v})
	}
	for g := range groups {
		v := random()
		queries = append(queries, v)
		for i := range groupSize {
			rows = append(rows, embRow{ID: int64(distinct + g*groupSize + i), Embedding: v})
		}
	}
	file := filepath.Join(t.TempDir(), "docs.parquet")
	if err := parquet.WriteFile(file, rows); err != nil {
		t.Fatal(err)
	}
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs; COPY FROM '%[1]s' INTO docs", file))
	exec(t, s, "CREATE INDEX ON docs USING hnsw (embedding) WITH (metric = 'l2', m = 8)")
	check := func(when string) {
		t.Helper()
		missed := 0
		for _, q := range queries {
			s.Params = map[int]any{1: q}
			res := exec(t, s, "SELECT id, embedding <-> $1 AS d FROM docs ORDER BY embedding <-> $1 LIMIT 2")[0]
			if res.Plan != "index docs_embedding_idx" {
				t.Fatalf("%s: plan %q", when, res.Plan)
			}
			if len(res.Rows) != 2 || toFloat(res.Rows[0][1]) > 1e-6 || toFloat(res.Rows[1][1]) > 1e-6 {
				missed++
			}
		}
		if missed > 0 {
			t.Errorf("%s: %d of %d vectors not found twice at distance 0 through the index", when, missed, len(queries))
		}
	}
	check("after CREATE INDEX")
	if _, err := s.Compact(t.Context(), "docs"); err != nil {
		t.Fatal(err)
	}
	check("after compaction")
}
