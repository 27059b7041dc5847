package graphs

import (
	"github.com/lakelink/lakelink/store"
)

// EdgeNames are the names of a graph's edge tables, as declared.
func EdgeNames(g store.GraphInfo) []string {
	var out []string
	for _, e := range g.Edges {
		out = append(out, e.Table)
	}
	return out
}
