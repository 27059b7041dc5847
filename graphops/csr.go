package graphops

import (
	"fmt"
	"slices"
)

// Orientation says which way edges are followed.
type Orientation int

const (
	// Natural follows each edge from its source to its target.
	Natural Orientation = iota
	// Reverse follows each edge from its target to its source.
	Reverse
	// Undirected follows each edge both ways.
	Undirected
)

// ParseOrientation reads "natural", "reverse" or "undirected".
func ParseOrientation(s string) (Orientation, error) {
	switch s {
	case "natural", "":
		return Natural, nil
	case "reverse":
		return Reverse, nil
	case "undirected":
		return Undirected, nil
	}
	return 0, fmt.Errorf("unknown orientation %q (natural, reverse, undirected)", s)
}

// CSR is a graph of nodes 0..n-1 as compressed sparse rows: the
// neighbours of node i are Targets[Offsets[i]:Offsets[i+1]], in ascending
// order. An edge given twice is kept twice (it weighs double).
type CSR struct {
	Offsets []int64
	Targets []uint32
}

// NewCSR builds the adjacency of n nodes from edges src[i] -> dst[i].
func NewCSR(n int, src, dst []uint32, o Orientation) (*CSR, error) {
	if len(src) != len(dst) {
		return nil, fmt.Errorf("graphops.NewCSR: %d sources for %d targets", len(src), len(dst))
	}
	counts := make([]int64, n+1)
	for i := range src {
		if int(src[i]) >= n || int(dst[i]) >= n {
			return nil, fmt.Errorf("graphops.NewCSR: edge %d (%d -> %d) names a node past %d", i, src[i], dst[i], n-1)
		}
		if o != Reverse {
			counts[src[i]+1]++
		}
		if o != Natural {
			counts[dst[i]+1]++
		}
	}
	for i := 1; i <= n; i++ {
		counts[i] += counts[i-1]
	}
	g := &CSR{Offsets: counts, Targets: make([]uint32, counts[n])}
	next := slices.Clone(counts[:n])
	add := func(from, to uint32) {
		g.Targets[next[from]] = to
		next[from]++
	}
	for i := range src {
		if o != Reverse {
			add(src[i], dst[i])
		}
		if o != Natural {
			add(dst[i], src[i])
		}
	}
	for i := range n {
		slices.Sort(g.Targets[g.Offsets[i]:g.Offsets[i+1]])
	}
	return g, nil
}

// Nodes is the number of nodes.
func (g *CSR) Nodes() int { return len(g.Offsets) - 1 }

// Edges is the number of stored (directed) adjacencies.
func (g *CSR) Edges() int64 { return g.Offsets[len(g.Offsets)-1] }

// Neighbours returns node i's neighbours; the slice is the graph's own.
func (g *CSR) Neighbours(i int) []uint32 { return g.Targets[g.Offsets[i]:g.Offsets[i+1]] }

// Degree is node i's number of neighbours.
func (g *CSR) Degree(i int) int { return int(g.Offsets[i+1] - g.Offsets[i]) }
