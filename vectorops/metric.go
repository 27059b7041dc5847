package vectorops

import (
	"fmt"
	"strings"
)

// Metric is how an index compares vectors. Indexes order by a distance,
// smaller meaning nearer, whatever the metric:
//
//	L2            squared Euclidean distance
//	Cosine        1 - cosine similarity (vectors are normalised when added)
//	InnerProduct  -(a·b)
type Metric uint8

const (
	L2 Metric = iota
	Cosine
	InnerProduct
)

// ParseMetric reads a metric's name: "l2", "cosine" or "ip" (also
// "euclidean", "inner_product", "dot").
func ParseMetric(s string) (Metric, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "l2", "euclidean":
		return L2, nil
	case "cosine":
		return Cosine, nil
	case "ip", "inner_product", "dot":
		return InnerProduct, nil
	}
	return 0, fmt.Errorf("unknown metric %q (l2, cosine, ip)", s)
}

func (m Metric) String() string {
	switch m {
	case L2:
		return "l2"
	case Cosine:
		return "cosine"
	case InnerProduct:
		return "ip"
	}
	return fmt.Sprintf("metric(%d)", uint8(m))
}

// kernel returns the raw kernel behind the metric's distance: squared L2,
// or the inner product that fromKernel turns into a distance.
func (m Metric) kernel() rawKernel {
	if m == L2 {
		return active.rawL2
	}
	return active.rawDot
}

// fromKernel turns the kernel's value into the metric's distance over
// prepared vectors (normalised for Cosine).
func (m Metric) fromKernel(v float32) float32 {
	switch m {
	case Cosine:
		return 1 - v
	case InnerProduct:
		return -v
	}
	return v
}

// prepare returns v as the index stores and compares it: a normalised
// copy for Cosine, v itself otherwise.
func (m Metric) prepare(v []float32) []float32 {
	if m != Cosine {
		return v
	}
	c := append([]float32(nil), v...)
	Normalize(c)
	return c
}

// Result is one neighbour found by a search.
type Result struct {
	Label    uint64  // what the caller gave Add
	Distance float32 // by the index's metric; smaller is nearer
}

// checkVector rejects a vector of the wrong dimension or with values that
// are not finite numbers.
func checkVector(what string, v []float32, dim int) error {
	if dim < 1 {
		return fmt.Errorf("an index needs vectors of at least one dimension, not %d", dim)
	}
	if len(v) != dim {
		return fmt.Errorf("%s has %d dimensions, the index %d", what, len(v), dim)
	}
	if !Finite(v) {
		return fmt.Errorf("%s has a NaN or infinite value", what)
	}
	return nil
}
