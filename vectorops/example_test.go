package vectorops_test

import (
	"fmt"

	"github.com/lakelink/lakelink/vectorops"
)

func Example() {
	h := vectorops.NewHNSW(2, vectorops.L2, vectorops.DefaultHNSW)
	for i, v := range [][]float32{{0, 0}, {1, 0}, {0, 1}, {5, 5}} {
		_ = h.Add(uint64(i), v)
	}
	res, _ := h.Search([]float32{4, 4}, 2, 0, nil)
	fmt.Println(res)
	// Output: [{3 2} {1 25}]
}

func ExampleCosineSimilarity() {
	fmt.Println(vectorops.CosineSimilarity([]float32{1, 0}, []float32{1, 1}))
	// Output: 0.70710677
}
