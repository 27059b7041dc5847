package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/graphops"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// graphEdges reads a real graph's edge list, or skips.
func graphEdges(b *testing.B, name string) (n int, src, dst []uint32) {
	b.Helper()
	dir := fixtures.GraphDir(1, name)
	edges, _, err := fixtures.LoadBlogCatalog(dir) // the edge files share one layout
	if errors.Is(err, fixtures.ErrNoData) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range edges {
		src, dst = append(src, uint32(e.Src)), append(dst, uint32(e.Dst))
		n = max(n, int(e.Src)+1, int(e.Dst)+1)
	}
	return n, src, dst
}

// BenchmarkFastRP times FastRP on BlogCatalog (the paper's 512-d setting,
// and 256-d) and on deezer_hu (256-d), on every core, against a plain
// single-pass sparse-times-dense loop over the same adjacency measured in
// the same run: the ratio is FastRP's time per iteration over that loop's.
func BenchmarkFastRP(b *testing.B) {
	for _, c := range []struct {
		graph   string
		dim     int
		weights []float64
		beta    float64
	}{
		{"blogcatalog", 512, []float64{0, 0, 1, 6.67}, -0.64},
		{"blogcatalog", 256, []float64{0, 0, 1, 6.67}, -0.64},
		{"deezer_hu", 256, []float64{0, 1, 1}, -0.5},
	} {
		b.Run(fmt.Sprintf("%s/%d", c.graph, c.dim), func(b *testing.B) {
			n, src, dst := graphEdges(b, c.graph)
			g, err := graphops.NewCSR(n, src, dst, graphops.Undirected)
			if err != nil {
				b.Fatal(err)
			}
			cfg := graphops.FastRPConfig{Dim: c.dim, IterationWeights: c.weights, NormalizationStrength: c.beta, Seed: 42}
			var took time.Duration
			for range b.N {
				start := time.Now()
				if _, err := graphops.FastRP(g, cfg); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
			}
			took /= time.Duration(b.N)
			// The reference: one pass of y = A·x on one core, no
			// normalisation, no projection.
			x, y := make([]float32, n*c.dim), make([]float32, n*c.dim)
			for i := range x {
				x[i] = float32(i%7) - 3
			}
			start := time.Now()
			for i := range n {
				out := y[i*c.dim : (i+1)*c.dim]
				for _, j := range g.Neighbours(i) {
					in := x[int(j)*c.dim : (int(j)+1)*c.dim]
					for k := range out {
						out[k] += in[k]
					}
				}
			}
			pass := time.Since(start)
			perIter := took / time.Duration(len(c.weights))
			fmt.Printf("FastRP %s: %d nodes, %d adjacencies, %d-d, %d iterations: %s (%.0f ms an iteration; one plain single-core pass %.0f ms; ratio %.2f)\n",
				c.graph, n, g.Edges(), c.dim, len(c.weights), took.Round(time.Millisecond), perIter.Seconds()*1000, pass.Seconds()*1000, perIter.Seconds()/pass.Seconds())
			b.ReportMetric(took.Seconds(), "s/embedding")
			b.ReportMetric(perIter.Seconds()/pass.Seconds(), "x_plain_pass")
		})
	}
}

// BenchmarkGraphImport imports deezer_hu's 222,887 friendships into a
// graph's edge table (endpoint checks, adjacency in both directions) and,
// in the same run, the same file into a plain table: edges/s and the
// ratio of the two.
func BenchmarkGraphImport(b *testing.B) {
	dir := fixtures.GraphDir(1, "deezer_hu")
	if _, err := os.Stat(filepath.Join(dir, "edges.parquet")); err != nil {
		b.Skip(fixtures.ErrNoData)
	}
	ctx := context.Background()
	timeIt := func(graph bool) (time.Duration, int64) {
		st, err := store.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		s := &engine.Session{Store: st}
		target := "plain"
		if graph {
			target = "deezer.friends"
			if _, err := s.Exec(ctx, fmt.Sprintf(`CREATE GRAPH deezer (NODE users (id BIGINT PRIMARY KEY, genres TEXT[]),
				EDGE friends (src BIGINT REFERENCES users(id), dst BIGINT REFERENCES users(id)));
				COPY FROM '%s/nodes.parquet' INTO GRAPH deezer.users`, dir)); err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		if _, err := s.Exec(ctx, fmt.Sprintf("COPY FROM '%s/edges.parquet' INTO %s", dir, target)); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		n, err := st.Count(target, st.Head())
		if err != nil {
			b.Fatal(err)
		}
		return took, n
	}
	for range b.N {
		plain, n := timeIt(false)
		graph, m := timeIt(true)
		if n != m {
			b.Fatalf("%d plain rows, %d edges", n, m)
		}
		fmt.Printf("edge import, deezer_hu: %d edges in %s (%.0f edges/s) into a graph; %s (%.0f rows/s) into a plain table; ratio %.2f\n",
			m, graph.Round(time.Millisecond), float64(m)/graph.Seconds(), plain.Round(time.Millisecond), float64(n)/plain.Seconds(), graph.Seconds()/plain.Seconds())
		b.ReportMetric(float64(m)/graph.Seconds(), "edges/s")
		b.ReportMetric(graph.Seconds()/plain.Seconds(), "x_plain_import")
	}
}
