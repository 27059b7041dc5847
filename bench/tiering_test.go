package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/blobtest"
	"github.com/lakelink/lakelink/testing/fixtures"
	"github.com/lakelink/lakelink/vectorops"
)

// tierDoc is a row of BenchmarkTiering's documents.
type tierDoc struct {
	ID        int64     `parquet:"id"`
	Content   string    `parquet:"content"`
	CreatedAt time.Time `parquet:"created_at,timestamp(microsecond)"`
	Embedding []float32 `parquet:"embedding,list"`
}

// BenchmarkTiering: 200k documents (LAKELINK_BENCH_TIER_ROWS), 128-d
// clustered embeddings, two years of created_at, HNSW-indexed, in two
// stores: one keeps every row hot; in the other the oldest 90% move to
// AI-Lake files on the local S3 server (versitygw). It reports the
// store's database size before and after the move (and gc), the move's
// time, and the top-10 search's latency (median over the queries, the
// cold files already in the local cache; and the first query, which
// fetches them) and recall@10 against the exact answer, for both stores
// in the same run.
func BenchmarkTiering(b *testing.B) {
	n := sizeFromEnv("LAKELINK_BENCH_TIER_ROWS", 200_000)
	const dim, queries, k = 128, 100, 10
	base := fixtures.Clustered(n, dim, 1, 2)
	qs := fixtures.Clustered(queries, dim, 1, 3)
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	step := 2 * 365 * 24 * time.Hour / time.Duration(n)
	docs := make([]tierDoc, n)
	for i := range docs {
		docs[i] = tierDoc{ID: int64(i), Content: fmt.Sprintf("document %d", i), CreatedAt: start.Add(time.Duration(i) * step), Embedding: base[i]}
	}
	path := filepath.Join(b.TempDir(), "docs.parquet")
	if err := parquet.WriteFile(path, docs); err != nil {
		b.Fatal(err)
	}
	cut := docs[n*9/10].CreatedAt.Format(time.RFC3339)
	// The exact top 10 of each query.
	flat := vectorops.NewFlat(dim, vectorops.Cosine)
	for i, v := range base {
		_ = flat.Add(uint64(i), v)
	}
	truth := make([]map[int64]bool, queries)
	for i, q := range qs {
		res, _ := flat.Search(q, k, nil)
		truth[i] = map[int64]bool{}
		for _, r := range res {
			truth[i][int64(r.Label)] = true
		}
	}
	s3 := blobtest.StartS3(b)
	s3.CreateBucket(b, "archive")
	ctx := context.Background()
	for it := 0; it < b.N; it++ {
		open := func() *engine.Session {
			st, err := store.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			s := &engine.Session{Store: st}
			for _, q := range []string{
				fmt.Sprintf("CREATE TABLE documents (id BIGINT PRIMARY KEY, content TEXT, created_at TIMESTAMP, embedding VECTOR(%d))", dim),
				"CREATE INDEX ON documents USING hnsw (embedding) WITH (metric = 'cosine')",
				"COPY FROM '" + path + "' INTO documents",
			} {
				if _, err := s.Exec(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			return s
		}
		hot, tiered := open(), open()
		before := dbBytes(tiered.Store.Dir())
		exec1 := func(s *engine.Session, q string) engine.Result {
			res, err := s.Exec(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			return res[0]
		}
		exec1(tiered, "ALTER TABLE documents SET (hot_storage = 'local', cold_storage = '"+s3.URL("archive", "tiers/")+"', tier_after = INTERVAL '90 days')")
		t0 := time.Now()
		res := exec1(tiered, "ALTER TABLE documents TIER PARTITION WHERE created_at < '"+cut+"' TO COLD")
		move := time.Since(t0)
		if _, err := tiered.GC(ctx, 0, false); err != nil {
			b.Fatal(err)
		}
		after := dbBytes(tiered.Store.Dir())
		cold, _ := tiered.Store.ColdFiles("documents", tiered.Store.Head())
		var coldBytes int64
		for _, f := range cold {
			coldBytes += f.Bytes
		}
		b.Logf("%d rows, %s moved to cold in %s: %d files, %s in the bucket", n, fieldOf(res, "rows"), move.Round(time.Millisecond), len(cold), human(coldBytes))
		b.Logf("database: %s before, %s after the move and gc (%.2f)", human(before), human(after), float64(after)/float64(before))

		search := func(s *engine.Session) (first, median time.Duration, recall float64) {
			var lat []time.Duration
			hits := 0
			for i, q := range qs {
				s.Params = map[int]any{1: q}
				t0 := time.Now()
				r := exec1(s, fmt.Sprintf("SELECT id FROM documents ORDER BY cosine_similarity(embedding, $1) DESC LIMIT %d", k))
				d := time.Since(t0)
				if i == 0 {
					first = d
				} else {
					lat = append(lat, d)
				}
				for _, row := range r.Rows {
					if truth[i][row[0].(int64)] {
						hits++
					}
				}
			}
			sort.Slice(lat, func(a, c int) bool { return lat[a] < lat[c] })
			return first, lat[len(lat)/2], float64(hits) / float64(queries*k)
		}
		hf, hm, hr := search(hot)
		tf, tm, tr := search(tiered)
		b.Logf("all hot: top-%d median %s (first %s), recall@10 %.3f", k, hm.Round(time.Microsecond), hf.Round(time.Microsecond), hr)
		b.Logf("90%% cold: top-%d median %s (first, fetching the cold files: %s), recall@10 %.3f", k, tm.Round(time.Microsecond), tf.Round(time.Millisecond), tr)
		b.Logf("cold / hot latency: %.2f; database after / before: %.2f", float64(tm)/float64(hm), float64(after)/float64(before))
		b.ReportMetric(float64(tm)/float64(hm), "cold/hot-latency")
		b.ReportMetric(float64(after)/float64(before), "db-after/before")
		b.ReportMetric(tr, "recall-tiered")
		b.ReportMetric(hr, "recall-hot")
	}
}

// dbBytes is the disk space a store's database folder takes: blocks
// allocated, not apparent sizes (Badger preallocates its value log).
func dbBytes(dir string) int64 {
	var n int64
	_ = filepath.Walk(filepath.Join(dir, "db"), func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				n += st.Blocks * 512
			} else {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func fieldOf(r engine.Result, name string) string {
	for _, f := range r.Fields {
		if f.Name == name {
			return fmt.Sprint(f.Value)
		}
	}
	return "?"
}

func human(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
