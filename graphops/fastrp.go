package graphops

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// FastRPConfig configures FastRP. The zero value takes the defaults noted
// on each field, which are Neo4j GDS's; the FastRP paper's setting for
// BlogCatalog is Dim 512, IterationWeights [0, 0, 1, 6.67],
// NormalizationStrength -0.64.
type FastRPConfig struct {
	// Dim is the embedding dimension (default 256).
	Dim int
	// IterationWeights weigh M·R, M²·R, ... in the sum: their number is
	// the number of iterations (default [0, 1, 1]).
	IterationWeights []float64
	// NormalizationStrength β scales node i's random vector by
	// degree(i)^β: negative values damp high-degree nodes (default 0).
	NormalizationStrength float64
	// SelfInfluence weighs each node's own random vector in the sum
	// (default 0).
	SelfInfluence float64
	// Adjacency multiplies by the adjacency matrix A instead of the
	// transition matrix D⁻¹A (the mean of the neighbours).
	Adjacency bool
	// Density is the fraction of non-zero entries of the random
	// projection (default 1/√n, the paper's very sparse projection,
	// at least 3/Dim so that every node gets some).
	Density float64
	// Seed fixes the random projection: equal seeds, equal embeddings.
	Seed uint64
	// Workers is how many goroutines compute rows (default: one per
	// core); BatchNodes is how many rows one takes at a time (default
	// 9,216). Neither changes the result.
	Workers, BatchNodes int
	// MemoryLimit bounds the bytes of the three nodes x Dim arrays that
	// FastRP works in (0: no bound); past it they are files in ScratchDir
	// (default: the system's temporary folder) mapped into memory, which
	// the operating system pages, and the rows are handed out as they are
	// read (FastRPEach).
	MemoryLimit int64
	ScratchDir  string
	// Ctx, when set, ends the computation between batches of nodes once
	// it is done; FastRP then returns its error.
	Ctx context.Context
}

func (c FastRPConfig) withDefaults(n int) (FastRPConfig, error) {
	if c.Dim == 0 {
		c.Dim = 256
	}
	if c.IterationWeights == nil {
		c.IterationWeights = []float64{0, 1, 1}
	}
	if c.Density == 0 {
		c.Density = min(1, max(1/math.Sqrt(float64(max(n, 1))), 3/float64(c.Dim)))
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.BatchNodes <= 0 {
		c.BatchNodes = 9216
	}
	switch {
	case c.Dim < 1 || c.Dim > 1<<16:
		return c, fmt.Errorf("fastrp: dimension %d out of range (1 to 65536)", c.Dim)
	case len(c.IterationWeights) == 0:
		return c, fmt.Errorf("fastrp: no iteration weights")
	case c.Density <= 0 || c.Density > 1:
		return c, fmt.Errorf("fastrp: density %g out of range (0, 1]", c.Density)
	}
	for _, w := range append([]float64{c.NormalizationStrength, c.SelfInfluence}, c.IterationWeights...) {
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return c, fmt.Errorf("fastrp: weights and strengths must be finite numbers")
		}
	}
	return c, nil
}

// FastRP returns an embedding of Dim values for every node of g, as rows
// of one array. Node i's embedding is
//
//	SelfInfluence·‖Rᵢ‖ + Σₖ IterationWeights[k]·‖(Mᵏ⁺¹R)ᵢ‖
//
// where M is the transition matrix (or the adjacency matrix), R the very
// sparse random projection with rows scaled by degree^NormalizationStrength,
// and ‖·‖ scales a row to unit length (a zero row stays zero).
func FastRP(g *CSR, cfg FastRPConfig) ([][]float32, error) {
	cfg.MemoryLimit = 0
	var out [][]float32
	err := FastRPEach(g, cfg, func(_ int, row []float32) error {
		out = append(out, row)
		return nil
	})
	return out, err
}

// FastRPEach is FastRP handing each node's embedding to fn, in node
// order. Under MemoryLimit the row is only valid during the call.
func FastRPEach(g *CSR, cfg FastRPConfig, fn func(node int, row []float32) error) error {
	n := g.Nodes()
	cfg, err := cfg.withDefaults(n)
	if err != nil {
		return err
	}
	d := cfg.Dim
	alloc := func() ([]float32, func(), error) { return make([]float32, n*d), func() {}, nil }
	if cfg.MemoryLimit > 0 && int64(n)*int64(d)*4*3 > cfg.MemoryLimit {
		alloc = func() ([]float32, func(), error) { return fileArray(n*d, cfg.ScratchDir) }
	}
	var arrays [3][]float32
	for i := range arrays {
		a, release, err := alloc()
		if err != nil {
			return fmt.Errorf("fastrp: scratch space: %w", err)
		}
		defer release()
		arrays[i] = a
	}
	cur, next, emb := arrays[0], arrays[1], arrays[2]
	rows := func(m []float32, i int) []float32 { return m[i*d : (i+1)*d] }

	stopped := func() error {
		if cfg.Ctx == nil {
			return nil
		}
		return cfg.Ctx.Err()
	}
	each := func(fn func(i int)) {
		var wg sync.WaitGroup
		batches := make(chan int)
		for range cfg.Workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for start := range batches {
					for i := start; i < min(start+cfg.BatchNodes, n); i++ {
						fn(i)
					}
				}
			}()
		}
		for start := 0; start < n && stopped() == nil; start += cfg.BatchNodes {
			batches <- start
		}
		close(batches)
		wg.Wait()
	}

	// The projection: each node's row from its own generator, so the
	// result does not depend on how rows are shared out.
	scale := float32(math.Sqrt(1/cfg.Density) / math.Sqrt(float64(d)))
	each(func(i int) {
		r := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
		s := scale
		if deg := g.Degree(i); deg > 0 && cfg.NormalizationStrength != 0 {
			s *= float32(math.Pow(float64(deg), cfg.NormalizationStrength))
		}
		row := rows(cur, i)
		for j := range row {
			switch u := r.Float64(); {
			case u < cfg.Density/2:
				row[j] = s
			case u < cfg.Density:
				row[j] = -s
			}
		}
		if cfg.SelfInfluence != 0 {
			addNormalized(rows(emb, i), row, float32(cfg.SelfInfluence))
		}
	})
	for _, w := range cfg.IterationWeights {
		each(func(i int) {
			out := rows(next, i)
			clear(out)
			nb := g.Neighbours(i)
			for _, j := range nb {
				axpy(out, rows(cur, int(j)), 1)
			}
			if !cfg.Adjacency && len(nb) > 0 {
				inv := 1 / float32(len(nb))
				for k := range out {
					out[k] *= inv
				}
			}
			if w != 0 {
				addNormalized(rows(emb, i), out, float32(w))
			}
		})
		if err := stopped(); err != nil {
			return err
		}
		cur, next = next, cur
	}
	for i := range n {
		if err := fn(i, rows(emb, i)); err != nil {
			return err
		}
	}
	return nil
}

// axpy adds a·x to y.
func axpy(y, x []float32, a float32) {
	x = x[:len(y)]
	for k := range y {
		y[k] += a * x[k]
	}
}

// addNormalized adds w·x/|x| to y; a zero x adds nothing.
func addNormalized(y, x []float32, w float32) {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	if ss == 0 {
		return
	}
	axpy(y, x, w/float32(math.Sqrt(ss)))
}
