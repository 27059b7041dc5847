package engine

import (
	"context"
	"fmt"

	"github.com/lakelink/lakelink/graphs"
	"github.com/lakelink/lakelink/history"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

// Neighbors returns the nodes next to node id in graph, at the session's
// read commit (Session.At, else the head): through the edges of every
// edge table, or of edge alone; dir is "out", "in" or "both" (default).
// An edge row counts once per direction it is followed in.
func (s *Session) Neighbors(ctx context.Context, graph string, id any, dir, edge string) ([]Neighbor, error) {
	return graphs.Neighbors(ctx, s.Store, s.readAt(), graph, id, dir, edge)
}

// The graph jobs' types, as package graphs defines them.
type (
	Neighbor     = graphs.Neighbor
	Reached      = graphs.Reached
	FastRPJob    = graphs.FastRPJob
	FastRPResult = graphs.FastRPResult
)

// FastRP runs a FastRP job (graphs.FastRP) in a commit of its own.
func (s *Session) FastRP(ctx context.Context, job FastRPJob) (FastRPResult, error) {
	return graphs.FastRP(ctx, s.Store, s.Author, job)
}

// Degree is the number of edge rows at node id, as Neighbors counts them.
func (s *Session) Degree(ctx context.Context, graph string, id any, dir, edge string) (int, error) {
	n, err := s.Neighbors(ctx, graph, id, dir, edge)
	return len(n), err
}

// KHop returns the nodes within k edges of node id (breadth first, the
// start excluded, each node once at its least depth), at most limit of
// them (0 for no limit).
func (s *Session) KHop(ctx context.Context, graph string, id any, k int, dir, edge string, limit int) ([]Reached, error) {
	return graphs.KHop(ctx, s.Store, s.readAt(), graph, id, k, dir, edge, limit)
}

// ShortestPath returns the ids of a shortest path (fewest edges) from
// node from to node to, both included, or nil when there is none.
func (s *Session) ShortestPath(ctx context.Context, graph string, from, to any, dir, edge string) ([]any, error) {
	return graphs.ShortestPath(ctx, s.Store, s.readAt(), graph, from, to, dir, edge)
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
			schema, rows, err := history.DiffWith(ctx, s.Store, argText(args, 0), argText(args, 1), argText(args, 2), s.differ(ctx))
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
	idT := graphs.IDType(s.Store, g, at)
	id := func(v any) any {
		if idT.Kind == lake.KindText {
			return fmt.Sprint(v)
		}
		return v
	}
	var rows []store.Row
	switch name {
	case "neighbors", "degree":
		nbs, err := graphs.Neighbors(ctx, s.Store, at, graph, vals[1], str(2), str(3))
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
		reached, err := graphs.KHop(ctx, s.Store, at, graph, vals[1], k, str(3), "", limit)
		if err != nil {
			return lake.Schema{}, nil, err
		}
		for _, r := range reached {
			rows = append(rows, store.Row{id(r.ID), r.Node, int64(r.Depth)})
		}
		return lake.Schema{Columns: []lake.Column{{Name: "id", Type: idT}, {Name: "node_table", Type: lake.Text}, {Name: "depth", Type: lake.BigInt}}}, rows, nil
	default:
		path, err := graphs.ShortestPath(ctx, s.Store, at, graph, vals[1], vals[2], str(3), "")
		if err != nil {
			return lake.Schema{}, nil, err
		}
		for i, p := range path {
			rows = append(rows, store.Row{int64(i), id(p)})
		}
		return lake.Schema{Columns: []lake.Column{{Name: "step", Type: lake.BigInt}, {Name: "id", Type: idT}}}, rows, nil
	}
}
