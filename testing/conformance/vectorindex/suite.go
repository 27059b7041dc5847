package vectorindex

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/vectorops"
)

// Index is what every kind of vector index offers a search.
type Index interface {
	// Search returns at most k labels that keep accepts (all when nil),
	// nearest first, with their exact distances.
	Search(q []float32, k int, keep func(label uint64) bool) ([]vectorops.Result, error)
	Len() int
}

// Kind is one kind of index under test.
type Kind struct {
	// Build indexes vecs under labels.
	Build func(dim int, m vectorops.Metric, labels []uint64, vecs [][]float32) (Index, error)
	// Encode and Decode are the kind's binary encoding; nil for a kind
	// that has none.
	Encode func(Index) ([]byte, error)
	Decode func([]byte) (Index, error)
	// MinRecall is the recall@10 against an exact search that the kind
	// must reach on the suite's clustered vectors (1 for exact kinds), and
	// MinRecallIP the same for the inner product (0: MinRecall). The inner
	// product is no metric (a vector need not be nearest to itself), and
	// graph indexes, whose pruning assumes one, serve it less well.
	MinRecall, MinRecallIP float64
}

// Run runs the index conformance suite against a kind: for
// every metric, the recall of its top 10 against vectorops.Flat; exact,
// ascending distances of labels it was given, each once; filters that
// still return k labels while k pass; errors for queries of the wrong
// dimension or with NaN; and an encoding that searches the same after a
// round trip, is an error when truncated and never panics when damaged.
func Run(t *testing.T, kind Kind) {
	t.Run("NearlyExactForEveryMetric", func(t *testing.T) { testRecall(t, kind) })
	t.Run("FiltersKeepK", func(t *testing.T) { testFilters(t, kind) })
	t.Run("BadQueriesAreErrors", func(t *testing.T) { testBadQueries(t, kind) })
	if kind.Encode != nil {
		t.Run("Encoding", func(t *testing.T) { testEncoding(t, kind) })
	}
}

// clustered returns n vectors of dim values around 20 centres, the shape
// embeddings have, and n labels (multiples of 3, so none is a position).
func clustered(n, dim int, seed uint64) ([]uint64, [][]float32) {
	r := rand.New(rand.NewPCG(seed, 11))
	centres := make([][]float32, 20)
	for i := range centres {
		centres[i] = make([]float32, dim)
		for k := range centres[i] {
			centres[i][k] = float32(r.NormFloat64())
		}
	}
	labels := make([]uint64, n)
	vecs := make([][]float32, n)
	for i := range vecs {
		c := centres[r.IntN(len(centres))]
		v := make([]float32, dim)
		for k := range v {
			v[k] = c[k] + 0.4*float32(r.NormFloat64())
		}
		labels[i], vecs[i] = uint64(3*i+3), v
	}
	return labels, vecs
}

var metrics = []vectorops.Metric{vectorops.L2, vectorops.Cosine, vectorops.InnerProduct}

const suiteDim, suiteRows = 32, 3000

func build(t *testing.T, kind Kind, m vectorops.Metric) (Index, []uint64, [][]float32) {
	t.Helper()
	labels, vecs := clustered(suiteRows, suiteDim, 1)
	x, err := kind.Build(suiteDim, m, labels, vecs)
	if err != nil {
		t.Fatal(err)
	}
	if x.Len() != suiteRows {
		t.Fatalf("Len %d after building %d", x.Len(), suiteRows)
	}
	return x, labels, vecs
}

// exactDistance is the metric's distance in float64, as Flat defines it
// (smaller is nearer).
func exactDistance(m vectorops.Metric, q, v []float32) float64 {
	var dot, qq, vv, l2 float64
	for i := range q {
		a, b := float64(q[i]), float64(v[i])
		dot += a * b
		qq += a * a
		vv += b * b
		l2 += (a - b) * (a - b)
	}
	switch m {
	case vectorops.L2:
		return l2
	case vectorops.Cosine:
		return 1 - dot/math.Sqrt(qq*vv)
	}
	return -dot
}

func testRecall(t *testing.T, kind Kind) {
	for _, m := range metrics {
		x, labels, vecs := build(t, kind, m)
		exact := vectorops.NewFlat(suiteDim, m)
		byLabel := map[uint64][]float32{}
		for i := range labels {
			if err := exact.Add(labels[i], vecs[i]); err != nil {
				t.Fatal(err)
			}
			byLabel[labels[i]] = vecs[i]
		}
		_, queries := clustered(100, suiteDim, 2)
		hits := 0
		for _, q := range queries {
			got, err := x.Search(q, 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := exact.Search(q, 10, nil)
			seen := map[uint64]bool{}
			for i, r := range got {
				v, ok := byLabel[r.Label]
				if !ok || seen[r.Label] {
					t.Fatalf("%s: label %d unknown or repeated", m, r.Label)
				}
				seen[r.Label] = true
				if d := exactDistance(m, q, v); math.Abs(float64(r.Distance)-d) > 1e-4*(1+math.Abs(d)) {
					t.Fatalf("%s: label %d at distance %g, exactly %g", m, r.Label, r.Distance, d)
				}
				if i > 0 && r.Distance < got[i-1].Distance {
					t.Fatalf("%s: results not nearest first: %v", m, got)
				}
			}
			for _, w := range want {
				if seen[w.Label] {
					hits++
				}
			}
		}
		recall := float64(hits) / float64(10*len(queries))
		t.Logf("%s: recall@10 %.3f", m, recall)
		min := kind.MinRecall
		if m == vectorops.InnerProduct && kind.MinRecallIP > 0 {
			min = kind.MinRecallIP
		}
		if recall < min {
			t.Errorf("%s: recall@10 %.3f, want at least %.2f", m, recall, min)
		}
	}
}

func testFilters(t *testing.T, kind Kind) {
	x, labels, vecs := build(t, kind, vectorops.L2)
	for _, keepEvery := range []uint64{2, 10} {
		keep := func(l uint64) bool { return l%(3*keepEvery) == 0 }
		for qi := range 10 {
			got, err := x.Search(vecs[qi*7], 10, keep)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 10 {
				t.Errorf("1 in %d kept: %d results, want 10", keepEvery, len(got))
			}
			for _, r := range got {
				if !keep(r.Label) {
					t.Fatalf("label %d passed a filter that rejects it", r.Label)
				}
			}
		}
	}
	if got, err := x.Search(vecs[0], 10, func(uint64) bool { return false }); err != nil || len(got) != 0 {
		t.Errorf("a filter that keeps nothing: %v %v", got, err)
	}
	got, err := x.Search(vecs[5], 1, nil)
	if err != nil || len(got) != 1 || got[0].Label != labels[5] {
		t.Errorf("a stored vector's nearest is not itself: %v %v", got, err)
	}
	if got, err := x.Search(vecs[5], 0, nil); err != nil || len(got) != 0 {
		t.Errorf("k = 0: %v %v", got, err)
	}
}

func testBadQueries(t *testing.T, kind Kind) {
	x, _, _ := build(t, kind, vectorops.Cosine)
	if _, err := x.Search(make([]float32, suiteDim+1), 3, nil); err == nil || !strings.Contains(err.Error(), "dimensions") {
		t.Errorf("a query of the wrong dimension: %v", err)
	}
	q := make([]float32, suiteDim)
	q[3] = float32(math.NaN())
	if _, err := x.Search(q, 3, nil); err == nil {
		t.Errorf("a NaN query: no error")
	}
	if _, err := kind.Build(suiteDim, vectorops.L2, []uint64{1}, [][]float32{make([]float32, suiteDim-1)}); err == nil {
		t.Errorf("building over a vector of the wrong dimension: no error")
	}
}

func testEncoding(t *testing.T, kind Kind) {
	x, _, vecs := build(t, kind, vectorops.Cosine)
	enc, err := kind.Encode(x)
	if err != nil {
		t.Fatal(err)
	}
	y, err := kind.Decode(bytes.Clone(enc))
	if err != nil {
		t.Fatal(err)
	}
	for qi := range 20 {
		a, _ := x.Search(vecs[qi*11], 10, nil)
		b, _ := y.Search(vecs[qi*11], 10, nil)
		if !slices.Equal(a, b) {
			t.Fatalf("after a round trip: %v, was %v", b, a)
		}
	}
	for n := 0; n < len(enc); n += 1 + n/64 {
		if _, err := kind.Decode(bytes.Clone(enc[:n])); err == nil {
			t.Fatalf("cut to %d of %d bytes: no error", n, len(enc))
		}
	}
	r := rand.New(rand.NewPCG(5, 5))
	for range 300 {
		c := bytes.Clone(enc)
		for range 1 + r.IntN(3) {
			c[r.IntN(len(c))] ^= byte(1 + r.IntN(255))
		}
		if z, err := kind.Decode(c); err == nil {
			_, _ = z.Search(vecs[0], 10, nil) // a damaged index may answer badly, never panic
		}
	}
}
