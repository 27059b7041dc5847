package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/store"
)

// CreateGraph is CREATE GRAPH [IF NOT EXISTS] g (NODE n (columns), EDGE e
// (source T REFERENCES n(id), target T REFERENCES n(id), columns), ...)
// bound: node and edge tables named g.n and g.e. An edge table's first
// column with REFERENCES is its source, the second its target.
type CreateGraph struct {
	Name        string
	IfNotExists bool
	Nodes       []GraphTable
	Edges       []GraphTable
}

// GraphTable is one NODE or EDGE table of CREATE GRAPH.
type GraphTable struct {
	Name   string
	Schema lake.Schema
	refs   []reference
}

// graphInfo checks the declaration and turns it into the store's.
func (cg CreateGraph) graphInfo() (store.GraphInfo, map[string]lake.Schema, error) {
	g := store.GraphInfo{Name: cg.Name}
	schemas := map[string]lake.Schema{}
	bad := func(f string, a ...any) error {
		return fmt.Errorf("CREATE GRAPH %s: %s", cg.Name, fmt.Sprintf(f, a...))
	}
	for _, t := range append(append([]GraphTable(nil), cg.Nodes...), cg.Edges...) {
		if _, dup := schemas[strings.ToLower(t.Name)]; dup {
			return g, nil, bad("two tables named %s", t.Name)
		}
		schemas[strings.ToLower(t.Name)] = t.Schema
	}
	for _, n := range cg.Nodes {
		g.Nodes = append(g.Nodes, strings.ToLower(n.Name))
	}
	for _, e := range cg.Edges {
		if len(e.refs) != 2 {
			return g, nil, bad("EDGE %s needs two columns with REFERENCES (its source, then its target), not %d", e.Name, len(e.refs))
		}
		for _, r := range e.refs {
			node, ok := schemas[strings.ToLower(r.Table)]
			if !ok || !g.IsNode(r.Table) {
				return g, nil, bad("EDGE %s: %s references %s, which is no NODE table of the graph", e.Name, r.Column, r.Table)
			}
			if r.RefColumn != "" && (len(node.PrimaryKey) != 1 || !strings.EqualFold(node.PrimaryKey[0], r.RefColumn)) {
				return g, nil, bad("EDGE %s: %s references %s(%s), which is not that table's PRIMARY KEY", e.Name, r.Column, r.Table, r.RefColumn)
			}
		}
		g.Edges = append(g.Edges, store.EdgeDef{Table: strings.ToLower(e.Name), Source: e.refs[0].Column, Target: e.refs[1].Column,
			SourceNode: strings.ToLower(e.refs[0].Table), TargetNode: strings.ToLower(e.refs[1].Table)})
	}
	return g, schemas, nil
}

func (s *Session) createGraph(cg CreateGraph) (Result, error) {
	if _, err := s.Store.Graph(cg.Name, s.Store.Head()); err == nil && cg.IfNotExists {
		return Result{Message: fmt.Sprintf("graph %s exists", cg.Name)}, nil
	}
	g, schemas, err := cg.graphInfo()
	if err != nil {
		return Result{}, err
	}
	return s.inCommit("CREATE GRAPH "+cg.Name, func(c *store.Commit) (Result, error) {
		if _, err := c.CreateGraph(g, schemas); err != nil {
			return Result{}, err
		}
		var names []string
		for _, n := range g.Nodes {
			names = append(names, g.TableName(n))
		}
		for _, e := range g.Edges {
			names = append(names, g.TableName(e.Table))
		}
		return Result{Message: fmt.Sprintf("CREATE GRAPH %s: %s", g.Name, strings.Join(names, ", "))}, nil
	})
}

func (s *Session) dropGraph(dg DropGraph) (Result, error) {
	if _, err := s.Store.Graph(dg.Name, s.Store.Head()); errors.Is(err, store.ErrNotFound) && dg.IfExists {
		return Result{Message: fmt.Sprintf("graph %s does not exist", dg.Name)}, nil
	}
	return s.inCommit("DROP GRAPH "+dg.Name, func(c *store.Commit) (Result, error) {
		return Result{Message: "DROP GRAPH " + dg.Name}, c.DropGraph(dg.Name)
	})
}

// graphImport runs COPY FROM ... INTO GRAPH g MAP COLUMNS (id => node_id,
// ..., links => edges) (pipeline.RunGraphImport).
func (s *Session) graphImport(ctx context.Context, im pipeline.Import) (Result, error) {
	res, err := pipeline.RunGraphImport(ctx, s.Store, im, s.Runner)
	if err != nil {
		return Result{}, err
	}
	var parts []string
	if res.Created {
		parts = append(parts, fmt.Sprintf("created graph %s (%s.%s, %s.%s)", res.Graph, res.Graph, pipeline.GraphNodeTable, res.Graph, pipeline.GraphEdgeTable))
	}
	parts = append(parts, fmt.Sprintf("%d nodes into %s (job %s, commit %d)", res.Nodes.Rows, res.Nodes.Table, res.Nodes.Job, res.Nodes.Commit))
	if res.Edges.Job != "" {
		parts = append(parts, fmt.Sprintf("%d edges into %s (job %s, commit %d)", res.Edges.Rows, res.Edges.Table, res.Edges.Job, res.Edges.Commit))
	}
	for _, r := range []pipeline.ImportResult{res.Nodes, res.Edges} {
		if r.Errors > 0 {
			parts = append(parts, fmt.Sprintf("%d row(s) rejected: see `lakelink errors %s`", r.Errors, r.Job))
		}
	}
	commit := res.Nodes.Commit
	if res.Edges.Commit != 0 {
		commit = res.Edges.Commit
	}
	return Result{Message: "COPY INTO GRAPH " + res.Graph + ": " + strings.Join(parts, "; "),
		Fields: []Field{{"graph", res.Graph}, {"nodes", res.Nodes.Rows}, {"edges", res.Edges.Rows}, {"commit", commit}}}, nil
}
