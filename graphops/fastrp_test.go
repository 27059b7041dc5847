package graphops

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestCSR(t *testing.T) {
	src, dst := []uint32{0, 0, 2, 3}, []uint32{1, 2, 1, 3}
	for _, c := range []struct {
		o    Orientation
		want string
	}{
		{Natural, "[[1 2] [] [1] [3]]"},
		{Reverse, "[[] [0 2] [0] [3]]"},
		{Undirected, "[[1 2] [0 2] [0 1] [3 3]]"},
	} {
		g, err := NewCSR(4, src, dst, c.o)
		if err != nil {
			t.Fatal(err)
		}
		var got [][]uint32
		for i := range g.Nodes() {
			got = append(got, g.Neighbours(i))
			if g.Degree(i) != len(g.Neighbours(i)) {
				t.Errorf("degree of %d", i)
			}
		}
		if fmt.Sprint(got) != c.want {
			t.Errorf("orientation %d: %v, want %s", c.o, got, c.want)
		}
	}
	if _, err := NewCSR(3, []uint32{0}, []uint32{3}, Natural); err == nil || !strings.Contains(err.Error(), "names a node past 2") {
		t.Errorf("an edge past the nodes: %v", err)
	}
	if _, err := ParseOrientation("sideways"); err == nil {
		t.Errorf("unknown orientation accepted")
	}
}

func randomGraph(n, m int, seed uint64) *CSR {
	r := rand.New(rand.NewPCG(seed, 1))
	src, dst := make([]uint32, m), make([]uint32, m)
	for i := range m {
		src[i], dst[i] = uint32(r.IntN(n)), uint32(r.IntN(n))
	}
	g, _ := NewCSR(n, src, dst, Undirected)
	return g
}

// The same seed gives the same embeddings on any number of workers and
// batch size; another seed gives others.
func TestFastRPIsDeterministic(t *testing.T) {
	g := randomGraph(3000, 12000, 1)
	base := FastRPConfig{Dim: 64, IterationWeights: []float64{0, 1, 1}, NormalizationStrength: -0.5, SelfInfluence: 0.5, Seed: 7}
	want, err := FastRP(g, base)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ workers, batch int }{{1, 9216}, {2, 100}, {7, 1}} {
		cfg := base
		cfg.Workers, cfg.BatchNodes = c.workers, c.batch
		got, _ := FastRP(g, cfg)
		for i := range got {
			if !slices.Equal(got[i], want[i]) {
				t.Fatalf("%d workers, batches of %d: node %d differs", c.workers, c.batch, i)
			}
		}
	}
	// Past MemoryLimit the arrays are mapped files: the same embeddings.
	paged := base
	paged.MemoryLimit, paged.ScratchDir = 1, t.TempDir()
	n := 0
	if err := FastRPEach(g, paged, func(i int, row []float32) error {
		n++
		if !slices.Equal(row, want[i]) {
			return fmt.Errorf("node %d differs with file-backed arrays", i)
		}
		return nil
	}); err != nil || n != len(want) {
		t.Fatalf("file-backed: %v after %d rows", err, n)
	}
	other := base
	other.Seed = 8
	got, _ := FastRP(g, other)
	if slices.Equal(got[5], want[5]) {
		t.Errorf("another seed gave the same embedding")
	}
}

// FastRP equals its formula computed densely in float64: the projection's
// signs, read back from a run that keeps only the nodes' own vectors, are
// scaled by degree^β and multiplied by powers of the transition or
// adjacency matrix, each power's rows normalised and weighed.
func TestFastRPMatchesTheFormula(t *testing.T) {
	const n, d = 120, 32
	g := randomGraph(n, 300, 3)
	for _, adjacency := range []bool{false, true} {
		for _, beta := range []float64{0, -0.64} {
			self := FastRPConfig{Dim: d, IterationWeights: []float64{0}, SelfInfluence: 1, Seed: 5}
			r, err := FastRP(g, self)
			if err != nil {
				t.Fatal(err)
			}
			// Rows of R: the signs, scaled by degree^β (isolated nodes by 1).
			R := make([][]float64, n)
			for i := range R {
				R[i] = make([]float64, d)
				s := 1.0
				if deg := g.Degree(i); deg > 0 {
					s = math.Pow(float64(deg), beta)
				}
				for j, v := range r[i] {
					R[i][j] = s * float64(sign(v))
				}
			}
			weights := []float64{0.3, 0, 1, 6.67}
			cfg := FastRPConfig{Dim: d, IterationWeights: weights, NormalizationStrength: beta, SelfInfluence: 0.25, Adjacency: adjacency, Seed: 5}
			got, err := FastRP(g, cfg)
			if err != nil {
				t.Fatal(err)
			}
			want := make([][]float64, n)
			cur := R
			for i := range want {
				want[i] = make([]float64, d)
				addUnit(want[i], R[i], 0.25)
			}
			for _, w := range weights {
				next := make([][]float64, n)
				for i := range next {
					next[i] = make([]float64, d)
					nb := g.Neighbours(i)
					for _, j := range nb {
						for k := range d {
							next[i][k] += cur[j][k]
						}
					}
					if !adjacency && len(nb) > 0 {
						for k := range d {
							next[i][k] /= float64(len(nb))
						}
					}
					addUnit(want[i], next[i], w)
				}
				cur = next
			}
			for i := range n {
				for k := range d {
					if math.Abs(float64(got[i][k])-want[i][k]) > 1e-4 {
						t.Fatalf("adjacency %v, beta %g: node %d value %d = %g, formula %g", adjacency, beta, i, k, got[i][k], want[i][k])
					}
				}
			}
		}
	}
}

func sign(v float32) float32 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func addUnit(y, x []float64, w float64) {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	if ss == 0 {
		return
	}
	for k := range y {
		y[k] += w * x[k] / math.Sqrt(ss)
	}
}

// Nodes of one community end up nearer to each other than to the other
// community's.
func TestFastRPSeparatesCommunities(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	var src, dst []uint32
	for range 2000 {
		side := uint32(r.IntN(2)) * 100
		src, dst = append(src, side+uint32(r.IntN(100))), append(dst, side+uint32(r.IntN(100)))
	}
	src, dst = append(src, 0), append(dst, 100) // one bridge
	g, _ := NewCSR(200, src, dst, Undirected)
	emb, err := FastRP(g, FastRPConfig{Dim: 128, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cos := func(a, b []float32) float64 {
		var ab, aa, bb float64
		for k := range a {
			ab += float64(a[k] * b[k])
			aa += float64(a[k] * a[k])
			bb += float64(b[k] * b[k])
		}
		return ab / math.Sqrt(aa*bb)
	}
	var same, across float64
	for i := range 100 {
		same += cos(emb[i], emb[(i+1)%100]) + cos(emb[100+i], emb[100+(i+1)%100])
		across += 2 * cos(emb[i], emb[100+i])
	}
	if same/200 < across/200+0.3 {
		t.Errorf("mean cosine within communities %.3f, across %.3f", same/200, across/200)
	}
}

func TestFastRPConfigErrors(t *testing.T) {
	g := randomGraph(10, 20, 1)
	for _, c := range []struct {
		cfg  FastRPConfig
		want string
	}{
		{FastRPConfig{Dim: -1}, "dimension -1 out of range"},
		{FastRPConfig{IterationWeights: []float64{}}, "no iteration weights"},
		{FastRPConfig{Density: 2}, "density 2 out of range"},
		{FastRPConfig{NormalizationStrength: math.NaN()}, "finite"},
	} {
		if _, err := FastRP(g, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}

// FastRP under a context that has ended computes no further iteration
// and hands out no row.
func TestFastRPStopsWithItsContext(t *testing.T) {
	g := randomGraph(5000, 20000, 3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rows := 0
	err := FastRPEach(g, FastRPConfig{Dim: 32, Ctx: ctx}, func(int, []float32) error { rows++; return nil })
	if !errors.Is(err, context.Canceled) || rows != 0 {
		t.Errorf("canceled FastRP: %v, %d rows handed out", err, rows)
	}
	if err := FastRPEach(g, FastRPConfig{Dim: 32, Ctx: context.Background()}, func(int, []float32) error { rows++; return nil }); err != nil || rows != 5000 {
		t.Errorf("FastRP: %v, %d rows", err, rows)
	}
}
