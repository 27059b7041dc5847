package graphs

import (

	"github.com/lakelink/lakelink/store"
)

func EdgeNames(g store.GraphInfo) []string {
	var out []string
	for _, e := range g.Edges {
		out = append(out, e.Table)
	}
	return out
}
