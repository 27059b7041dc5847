package vectorops

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Data with exact duplicates, as a keyless table that took the same file
// twice holds, or embeddings of nodes with the same neighbourhood: groups
// of identical vectors larger than a node's neighbour lists must not
// close over themselves. Every distinct vector is found at distance 0,
// from a query equal to it, sequential and batch builds alike, at M 8
// and 16 (at M 4 even distinct random vectors of this dimension are
// missed now and then).
func TestHNSWWithDuplicatesStaysNavigable(t *testing.T) {
	const dim, distinct, groups, groupSize = 16, 300, 6, 40
	r := rand.New(rand.NewPCG(11, 3))
	random := func() []float32 {
		v := make([]float32, dim)
		for k := range v {
			v[k] = float32(r.NormFloat64())
		}
		return v
	}
	var vecs [][]float32
	var uniq [][]float32
	for range distinct {
		v := random()
		uniq = append(uniq, v)
		vecs = append(vecs, v, v) // every vector twice
	}
	for range groups {
		v := random()
		uniq = append(uniq, v)
		for range groupSize { // a large group of one vector
			vecs = append(vecs, v)
		}
	}
	r.Shuffle(len(vecs), func(i, j int) { vecs[i], vecs[j] = vecs[j], vecs[i] })
	labels := make([]uint64, len(vecs))
	for i := range labels {
		labels[i] = uint64(i)
	}
	for _, m := range []int{8, 16} {
		for _, metric := range []Metric{Cosine, L2} {
			for _, batch := range []bool{false, true} {
				t.Run(fmt.Sprintf("m=%d/%s/batch=%v", m, metric, batch), func(t *testing.T) {
					h := NewHNSW(dim, metric, HNSWConfig{M: m, EfConstruction: 64, Seed: 1})
					if batch {
						if err := h.AddBatch(labels, vecs, 2); err != nil {
							t.Fatal(err)
						}
					} else {
						for i := range vecs {
							if err := h.Add(labels[i], vecs[i]); err != nil {
								t.Fatal(err)
							}
						}
					}
					missed := 0
					for _, q := range uniq {
						res, err := h.Search(q, 1, 64, nil)
						if err != nil {
							t.Fatal(err)
						}
						if len(res) == 0 || res[0].Distance > 1e-5 {
							missed++
						}
					}
					if missed > 0 {
						t.Errorf("%d of %d distinct vectors not found at distance 0", missed, len(uniq))
					}
				})
			}
		}
	}
}
