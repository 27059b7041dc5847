package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/lakelink/lakelink/history"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/pipeline"
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

func (s *Session) traversal(graph, edge string, at uint64) (*traversal, error) {
	g, err := s.Store.Graph(graph, at)
	if err != nil {
		return nil, err
	}
	v := s.Store.View(at)
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
		return nil, fmt.Errorf("graph %s has no edge table %s (%s)", graph, edge, strings.Join(pipeline.EdgeNames(g), ", "))
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
			if err != nil {
				continue // an id of another type: not a node of this table
			}
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
	return nil
}

// Neighbors returns the nodes next to node id in graph, at the session's
// read commit (Session.At, else the head): through the edges of every
// edge table, or of edge alone; dir is "out", "in" or "both" (default).
// An edge row counts once per direction it is followed in.
func (s *Session) Neighbors(ctx context.Context, graph string, id any, dir, edge string) ([]Neighbor, error) {
	return s.neighborsAt(ctx, s.readAt(), graph, id, dir, edge)
}

func (s *Session) neighborsAt(ctx context.Context, at uint64, graph string, id any, dir, edge string) ([]Neighbor, error) {
	tr, err := s.traversal(graph, edge, at)
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

// Degree is the number of edge rows at node id, as Neighbors counts them.
func (s *Session) Degree(ctx context.Context, graph string, id any, dir, edge string) (int, error) {
	n, err := s.Neighbors(ctx, graph, id, dir, edge)
	return len(n), err
}

// Reached is a node found by KHop, at its distance in edges.
type Reached struct {
	ID    any
	Node  string
	Depth int
}

// KHop returns the nodes within k edges of node id (breadth first, the
// start excluded, each node once at its least depth), at most limit of
// them (0 for no limit).
func (s *Session) KHop(ctx context.Context, graph string, id any, k int, dir, edge string, limit int) ([]Reached, error) {
	return s.kHopAt(ctx, s.readAt(), graph, id, k, dir, edge, limit)
}

func (s *Session) kHopAt(ctx context.Context, at uint64, graph string, id any, k int, dir, edge string, limit int) ([]Reached, error) {
	if k < 1 {
		return nil, fmt.Errorf("k-hop: k must be at least 1")
	}
	tr, err := s.traversal(graph, edge, at)
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
// node from to node to, both included, or nil when there is none.
func (s *Session) ShortestPath(ctx context.Context, graph string, from, to any, dir, edge string) ([]any, error) {
	return s.shortestPathAt(ctx, s.readAt(), graph, from, to, dir, edge)
}

func (s *Session) shortestPathAt(ctx context.Context, at uint64, graph string, from, to any, dir, edge string) ([]any, error) {
	tr, err := s.traversal(graph, edge, at)
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

func (s *Session) readAt() uint64 {
	if s.At != 0 {
		return s.At
	}
	return s.Store.Head()
}

// The graph traversals and diff, as table functions.
func init() {
	graphFn := func(name string) func(ctx context.Context, s *Session, args []any, at uint64) (Relation, error) {
		return func(ctx context.Context, s *Session, args []any, at uint64) (Relation, error) {
			schema, rows, err := s.graphFunction(ctx, name, args, at)
			return rowsRelation(schema, rows), err
		}
	}
	RegisterTableFunction(TableFunction{Name: "neighbors", MinArgs: 2, MaxArgs: 4, Open: graphFn("neighbors"),
		Signature: "neighbors(graph, id [, direction [, edge_table]])"})
	RegisterTableFunction(TableFunction{Name: "degree", MinArgs: 2, MaxArgs: 4, Open: graphFn("degree"),
		Signature: "degree(graph, id [, direction [, edge_table]])"})
	RegisterTableFunction(TableFunction{Name: "khop", MinArgs: 3, MaxArgs: 5, Open: graphFn("khop"),
		Signature: "khop(graph, id, k [, direction [, limit]])"})
	RegisterTableFunction(TableFunction{Name: "shortest_path", MinArgs: 3, MaxArgs: 4, Open: graphFn("shortest_path"),
		Signature: "shortest_path(graph, from, to [, direction])"})
	RegisterTableFunction(TableFunction{Name: "diff", MinArgs: 2, MaxArgs: 3,
		Signature: "diff(from, to [, table])",
		Open: func(ctx context.Context, s *Session, args []any, _ uint64) (Relation, error) {
			schema, rows, err := history.Diff(ctx, s.Store, argText(args, 0), argText(args, 1), argText(args, 2))
			return rowsRelation(schema, rows), err
		}})
}

// graphFunction runs a traversal at commit at: its schema and rows.
func (s *Session) graphFunction(ctx context.Context, name string, vals []any, at uint64) (lake.Schema, []store.Row, error) {
	str := func(i int) string { return argText(vals, i) }
	num := func(i int) (int, error) { return argInt(name, vals, i) }
	graph := str(0)
	g, err := s.Store.Graph(graph, at)
	if err != nil {
		return lake.Schema{}, nil, err
	}
	idT := graphIDType(s.Store, g, at)
	id := func(v any) any {
		if idT.Kind == lake.KindText {
			return fmt.Sprint(v)
		}
		return v
	}
	var rows []store.Row
	switch name {
	case "neighbors", "degree":
		nbs, err := s.neighborsAt(ctx, at, graph, vals[1], str(2), str(3))
		if err != nil {
			return lake.Schema{}, nil, err
		}
		if name == "degree" {
			return lake.Schema{Columns: []lake.Column{{Name: "degree", Type: lake.BigInt}}}, []store.Row{{int64(len(nbs))}}, nil
		}
		for _, nb := range nbs {
			rows = append(rows, store.Row{id(nb.ID), nb.Node, nb.Edge, nb.Direction})
		}
		return lake.Schema{Columns: []lake.Column{{Name: "id", Type: idT}, {Name: "node_table", Type: lake.Text},
			{Name: "edge_table", Type: lake.Text}, {Name: "direction", Type: lake.Text}}}, rows, nil
	case "khop":
		k, err := num(2)
		if err != nil {
			return lake.Schema{}, nil, err
		}
		limit, err := num(4)
		if err != nil {
			return lake.Schema{}, nil, err
		}
		reached, err := s.kHopAt(ctx, at, graph, vals[1], k, str(3), "", limit)
		if err != nil {
			return lake.Schema{}, nil, err
		}
		for _, r := range reached {
			rows = append(rows, store.Row{id(r.ID), r.Node, int64(r.Depth)})
		}
		return lake.Schema{Columns: []lake.Column{{Name: "id", Type: idT}, {Name: "node_table", Type: lake.Text}, {Name: "depth", Type: lake.BigInt}}}, rows, nil
	default:
		path, err := s.shortestPathAt(ctx, at, graph, vals[1], vals[2], str(3), "")
		if err != nil {
			return lake.Schema{}, nil, err
		}
		for i, p := range path {
			rows = append(rows, store.Row{int64(i), id(p)})
		}
		return lake.Schema{Columns: []lake.Column{{Name: "step", Type: lake.BigInt}, {Name: "id", Type: idT}}}, rows, nil
	}
}

// graphIDType is the type of the graph's node ids: their own when every
// node table has the same, TEXT otherwise.
func graphIDType(st *store.Store, g store.GraphInfo, at uint64) lake.Type {
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
