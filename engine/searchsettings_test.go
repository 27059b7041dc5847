package engine_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// SET lakelink.<kind's search option> reaches the search of that kind's
// parts: an IVF-PQ index visiting 1 of 64 clusters finds fewer of the
// exact top 10 than one visiting all of them, through the same index.
func TestSearchSettingReachesTheIndex(t *testing.T) {
	const dim, n = 16, 4000
	r := rand.New(rand.NewPCG(2, 9))
	var rows []embRow
	for i := range n {
		v := make([]float32, dim)
		for k := range v {
			v[k] = float32(r.NormFloat64())
		}
		rows = append(rows, embRow{ID: int64(i), Embedding: v})
	}
	file := filepath.Join(t.TempDir(), "docs.parquet")
	if err := parquet.WriteFile(file, rows); err != nil {
		t.Fatal(err)
	}
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs", file))
	exec(t, s, "CREATE INDEX ON docs USING ivfpq (embedding) WITH (metric = 'l2', nlist = 64, m = 4, rerank = 4)")
	recall := func(nprobe int) float64 {
		exec(t, s, fmt.Sprintf("SET lakelink.ivf_nprobe = %d", nprobe))
		found := 0
		for q := range 20 {
			s.Params = map[int]any{1: rows[q*97].Embedding}
			exact := exec(t, s, "SELECT id, embedding <-> $1 AS d FROM docs ORDER BY d DESC LIMIT 100000")[0].Rows
			want := map[int64]bool{}
			for _, row := range exact[len(exact)-10:] {
				want[row[0].(int64)] = true
			}
			res := exec(t, s, "SELECT id FROM docs ORDER BY embedding <-> $1 LIMIT 10")[0]
			if res.Plan != "index docs_embedding_idx" {
				t.Fatalf("plan %q", res.Plan)
			}
			for _, row := range res.Rows {
				if want[row[0].(int64)] {
					found++
				}
			}
		}
		return float64(found) / 200
	}
	narrow, wide := recall(1), recall(64)
	if !(narrow < wide && wide > 0.9) {
		t.Errorf("recall@10 with ivf_nprobe 1: %.2f, with 64: %.2f; want the first lower and the second above 0.9", narrow, wide)
	}
	t.Logf("recall@10 with ivf_nprobe 1: %.2f, with 64: %.2f", narrow, wide)
}
