package graphops_test

import (
	"fmt"
	"math"

	"github.com/lakelink/lakelink/graphops"
)

// Two triangles joined by one edge: FastRP puts nodes of the same
// triangle nearer to each other than to the other triangle's.
func ExampleFastRP() {
	src := []uint32{0, 1, 2, 3, 4, 5, 2}
	dst := []uint32{1, 2, 0, 4, 5, 3, 3}
	g, err := graphops.NewCSR(6, src, dst, graphops.Undirected)
	if err != nil {
		panic(err)
	}
	emb, err := graphops.FastRP(g, graphops.FastRPConfig{Dim: 64, IterationWeights: []float64{1, 1}, Seed: 1})
	if err != nil {
		panic(err)
	}
	cos := func(a, b []float32) float64 {
		var ab, aa, bb float64
		for i := range a {
			ab += float64(a[i] * b[i])
			aa += float64(a[i] * a[i])
			bb += float64(b[i] * b[i])
		}
		return ab / math.Sqrt(aa*bb)
	}
	fmt.Println("same triangle nearer:", cos(emb[0], emb[1]) > cos(emb[0], emb[4]))
	fmt.Println("degree of node 2:", g.Degree(2))
	// Output:
	// same triangle nearer: true
	// degree of node 2: 3
}
