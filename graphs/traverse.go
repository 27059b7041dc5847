package graphs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

// Neighbor is a node next to another through one edge row.
type Neighbor struct {
	ID        any    // the neighbour's id
	Node      string // its node table, GRAPH.TABLE
	Edge      string // the edge table, GRAPH.TABLE
	Direction string // "out": the edge leads to the neighbour; "in": from it
}

// traversal reads a graph's adjacency at one commit.
type traversal struct {
	v     *store.View
	g     store.GraphInfo
	edges []edgeTables
}

type edgeTables struct {
	def              store.EdgeDef
	table            store.TableInfo
	srcNode, dstNode store.TableInfo
}

func open(st *store.Store, graph, edge string, at uint64) (*traversal, error) {
	g, err := st.Graph(graph, at)
	if err != nil {
		return nil, err
	}
	v := st.View(at)
	tr := &traversal{v: v, g: g}
	for _, e := range g.Edges {
		if edge != "" && !strings.EqualFold(edge, e.Table) && !strings.EqualFold(edge, g.TableName(e.Table)) {
			continue
		}
		var et edgeTables
		et.def = e
		if et.table, err = v.Table(g.TableName(e.Table)); err == nil {
			if et.srcNode, err = v.Table(g.TableName(e.SourceNode)); err == nil {
				et.dstNode, err = v.Table(g.TableName(e.TargetNode))
			}
		}
		if err != nil {
			v.Close()
			return nil, err
		}
		tr.edges = append(tr.edges, et)
	}
	if edge != "" && len(tr.edges) == 0 {
		v.Close()
		return nil, fmt.Errorf("graph %s has no edge table %s (%s)", graph, edge, strings.Join(EdgeNames(g), ", "))
	}
	return tr, nil
}

func (tr *traversal) close() { tr.v.Close() }

func idType(t store.TableInfo) lake.Type {
	return t.Schema.Columns[t.Schema.PKIndexes()[0]].Type
}

// neighbors calls fn for every edge row at node id (of any node table
// whose id type takes it) in the direction: "out", "in" or "both".
func (tr *traversal) neighbors(id any, dir string, fn func(Neighbor) error) error {
	dir = strings.ToLower(dir)
	if dir == "" {
		dir = "both"
	}
	if dir != "out" && dir != "in" && dir != "both" {
		return fmt.Errorf("direction %q: out, in or both", dir)
	}
	fits := false       // the id is of the key type of some node table
	var misfit []string // the node tables whose key type it is not
	for _, et := range tr.edges {
		for _, out := range []bool{true, false} {
			if out && dir == "in" || !out && dir == "out" {
				continue
			}
			from, to, name := et.srcNode, et.dstNode, "out"
			if !out {
				from, to, name = et.dstNode, et.srcNode, "in"
			}
			key, err := store.KeyOf(from.Schema, id)
			if err != nil { // an id of another type: not a node of this table
				misfit = append(misfit, fmt.Sprintf("%s has %s ids", from.Name, idType(from)))
				continue
			}
			fits = true
			err = tr.v.Adjacent(et.table, key, out, idType(to), func(other []byte) error {
				nid, err := store.DecodeKey(idType(to), other)
				if err != nil {
					return err
				}
				return fn(Neighbor{ID: nid, Node: to.Name, Edge: et.table.Name, Direction: name})
			})
			if err != nil {
				return err
			}
		}
	}
	if !fits && len(misfit) > 0 {
		slices.Sort(misfit)
		return fmt.Errorf("node id %q is not of any node table's id type (%s)", lake.Truncate(lake.Render(id)), strings.Join(slices.Compact(misfit), ", "))
	}
	return nil
}

// Neighbors returns the nodes next to node id in graph at commit at:
// through the edges of every edge table, or of edge alone; dir is "out",
// "in" or "both" (default). An edge row counts once per direction it is
// followed in.
func Neighbors(ctx context.Context, st *store.Store, at uint64, graph string, id any, dir, edge string) ([]Neighbor, error) {
	tr, err := open(st, graph, edge, at)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	var out []Neighbor
	return out, tr.neighbors(id, dir, func(n Neighbor) error {
		out = append(out, n)
		if len(out)%4096 == 0 {
			return ctx.Err()
		}
		return nil
	})
}

// Reached is a node found by KHop, at its distance in edges.
type Reached struct {
	ID    any
	Node  string
	Depth int
}

// KHop returns the nodes within k edges of node id at commit at (breadth
// first, the start excluded, each node once at its least depth), at most
// limit of them (0 for no limit).
func KHop(ctx context.Context, st *store.Store, at uint64, graph string, id any, k int, dir, edge string, limit int) ([]Reached, error) {
	if k < 1 {
		return nil, fmt.Errorf("k-hop: k must be at least 1")
	}
	tr, err := open(st, graph, edge, at)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	seen := map[string]bool{fmt.Sprint(id): true}
	frontier := []any{id}
	var out []Reached
	for depth := 1; depth <= k && len(frontier) > 0; depth++ {
		var next []any
		for _, n := range frontier {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			err := tr.neighbors(n, dir, func(nb Neighbor) error {
				key := fmt.Sprint(nb.ID)
				if seen[key] || limit > 0 && len(out) >= limit {
					return nil
				}
				seen[key] = true
				out = append(out, Reached{ID: nb.ID, Node: nb.Node, Depth: depth})
				next = append(next, nb.ID)
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		frontier = next
	}
	return out, nil
}

// ShortestPath returns the ids of a shortest path (fewest edges) from
// node from to node to at commit at, both included, or nil when there is
// none.
func ShortestPath(ctx context.Context, st *store.Store, at uint64, graph string, from, to any, dir, edge string) ([]any, error) {
	tr, err := open(st, graph, edge, at)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	target := fmt.Sprint(to)
	parent := map[string]any{fmt.Sprint(from): nil}
	ids := map[string]any{fmt.Sprint(from): from}
	frontier := []any{from}
	found := fmt.Sprint(from) == target
	for len(frontier) > 0 && !found {
		var next []any
		for _, n := range frontier {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			err := tr.neighbors(n, dir, func(nb Neighbor) error {
				key := fmt.Sprint(nb.ID)
				if _, seen := ids[key]; seen || found {
					return nil
				}
				ids[key], parent[key] = nb.ID, n
				found = found || key == target
				next = append(next, nb.ID)
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		frontier = next
	}
	if !found {
		return nil, nil
	}
	var path []any
	for at := any(ids[target]); at != nil; at = parent[fmt.Sprint(at)] {
		path = append([]any{at}, path...)
	}
	return path, nil
}

// IDType is the type of the graph's node ids: their own when every
// node table has the same, TEXT otherwise.
func IDType(st *store.Store, g store.GraphInfo, at uint64) lake.Type {
	var t lake.Type
	for i, n := range g.Nodes {
		ti, err := st.Table(g.TableName(n), at)
		if err != nil {
			return lake.Text
		}
		if it := idType(ti); i == 0 {
			t = it
		} else if it.Kind != t.Kind {
			return lake.Text
		}
	}
	return t
}
