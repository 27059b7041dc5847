package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/graphops"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/store"
)

// queryCmd makes a command that reads the store and prints one result.
type queryCmd func(use, short string, nargs cobra.PositionalArgs, run func(ctx context.Context, st *store.Store, args []string) (engine.Result, error)) *cobra.Command

// newGraphCmd is `lakelink graph`: FastRP embeddings and traversal.
// memoryLimit is the global --memory-limit: past it FastRP works in mapped
// files.
func newGraphCmd(query queryCmd, memoryLimit *string) *cobra.Command {
	graph := &cobra.Command{Use: "graph", Short: "Graphs: FastRP embeddings, neighbours, degrees, k-hop, shortest paths"}

	var node, edge, column, weights, orientation string
	var dim int
	var normalization, self float64
	var seed uint64
	fastrp := query("fastrp GRAPH", "Compute FastRP node embeddings into a VECTOR column of the node table, in one commit", cobra.ExactArgs(1), func(ctx context.Context, st *store.Store, args []string) (engine.Result, error) {
		o, err := graphops.ParseOrientation(orientation)
		if err != nil {
			return engine.Result{}, err
		}
		var ws []float64
		for _, w := range strings.Split(weights, ",") {
			f, err := strconv.ParseFloat(strings.TrimSpace(w), 64)
			if err != nil {
				return engine.Result{}, fmt.Errorf("--weights: %q is not a number", w)
			}
			ws = append(ws, f)
		}
		var limit int64
		if *memoryLimit != "" {
			if limit, err = pipeline.ParseSize(*memoryLimit); err != nil {
				return engine.Result{}, fmt.Errorf("--memory-limit: %w", err)
			}
		}
		res, err := (&engine.Session{Store: st}).FastRP(ctx, engine.FastRPJob{Graph: args[0], Node: node, Edge: edge, Column: column, Orientation: o,
			Config: graphops.FastRPConfig{Dim: dim, IterationWeights: ws, NormalizationStrength: normalization, SelfInfluence: self, Seed: seed, MemoryLimit: limit}})
		if err != nil {
			return engine.Result{}, err
		}
		return engine.Result{Message: fmt.Sprintf("FastRP: %d nodes, %d edges, %d-d embeddings in column %s (computed in %s; commit %d)",
			res.Nodes, res.Edges, dim, res.Column, res.Compute.Round(1e6), res.Commit)}, nil
	})
	f := fastrp.Flags()
	f.StringVar(&node, "node", "", "the node table (default: the graph's only one)")
	f.StringVar(&edge, "edge", "", "the edge table (default: every one from the node table to itself)")
	f.StringVar(&column, "column", "fastrp", "the VECTOR column to write")
	f.IntVarP(&dim, "dim", "d", 256, "embedding dimension")
	f.StringVar(&weights, "weights", "0,1,1", "iteration weights, comma-separated (the paper's BlogCatalog setting: 0,0,1,6.67)")
	f.Float64Var(&normalization, "normalization", 0, "normalisation strength: degree^N scales each node's random vector (the paper: -0.64)")
	f.Float64Var(&self, "self-influence", 0, "weight of each node's own random vector")
	f.Uint64Var(&seed, "seed", 42, "random seed: equal seeds, equal embeddings")
	f.StringVar(&orientation, "orientation", "natural", "natural, reverse or undirected")

	var dir, edgeTable string
	var k, limit int
	sql := func(use, short string, nargs cobra.PositionalArgs, stmt func(args []string) string) *cobra.Command {
		return query(use, short, nargs, func(ctx context.Context, st *store.Store, args []string) (engine.Result, error) {
			s := &engine.Session{Store: st, Params: map[int]any{}}
			for i, a := range args[1:] {
				s.Params[i+1] = a
			}
			res, err := s.Exec(ctx, stmt(args))
			if err != nil {
				return engine.Result{}, err
			}
			return res[0], nil
		})
	}
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	neighbors := sql("neighbors GRAPH ID", "List a node's neighbours", cobra.ExactArgs(2), func(a []string) string {
		return fmt.Sprintf("SELECT * FROM neighbors(%s, $1, %s, %s)", quote(a[0]), quote(dir), quote(edgeTable))
	})
	degree := sql("degree GRAPH ID", "Count a node's edges", cobra.ExactArgs(2), func(a []string) string {
		return fmt.Sprintf("SELECT * FROM degree(%s, $1, %s, %s)", quote(a[0]), quote(dir), quote(edgeTable))
	})
	khop := sql("khop GRAPH ID", "List the nodes within --k edges of a node", cobra.ExactArgs(2), func(a []string) string {
		return fmt.Sprintf("SELECT * FROM khop(%s, $1, %d, %s, %d)", quote(a[0]), k, quote(dir), limit)
	})
	path := sql("path GRAPH FROM TO", "Print a shortest path between two nodes", cobra.ExactArgs(3), func(a []string) string {
		return fmt.Sprintf("SELECT * FROM shortest_path(%s, $1, $2, %s)", quote(a[0]), quote(dir))
	})
	for _, c := range []*cobra.Command{neighbors, degree, khop, path} {
		c.Flags().StringVar(&dir, "direction", "both", "out, in or both")
	}
	for _, c := range []*cobra.Command{neighbors, degree} {
		c.Flags().StringVar(&edgeTable, "edge", "", "only this edge table")
	}
	khop.Flags().IntVar(&k, "k", 2, "the most edges away")
	khop.Flags().IntVar(&limit, "limit", 0, "the most nodes to list (0: all)")
	graph.AddCommand(fastrp, neighbors, degree, khop, path)
	return graph
}
