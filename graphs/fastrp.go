package graphs

import (
	"context"
	"fmt"
	"github.com/lakelink/lakelink/history"
	"strings"
	"time"

	"github.com/lakelink/lakelink/graphops"
	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

// FastRPJob computes FastRP embeddings of a graph's nodes (graphops.FastRP)
// and writes them as a VECTOR(Dim) column of the node table, in one
// commit, so that they can be indexed and searched like any vector.
type FastRPJob struct {
	Graph string
	// Node is the node table (default: the graph's only one); Edge the
	// edge table (default: every edge table from Node to Node).
	Node, Edge string
	// Column receives the embeddings (default "fastrp"); an existing
	// column must be a VECTOR of the same dimension, and is overwritten.
	Column      string
	Orientation graphops.Orientation
	Config      graphops.FastRPConfig
}

// defaultFastRPDim is graphops' default dimension.
const defaultFastRPDim = 256

// flushBytes is how many bytes of rewritten rows a FastRP job hands the
// commit between flushes.
const flushBytes = 64 << 20

// FastRPResult reports a FastRP job.
type FastRPResult struct {
	Nodes, Edges int
	Column       string
	Commit       uint64
	Compute      time.Duration // the embedding itself, without reading and writing
}

// FastRP runs a FastRP job. The node keys and the adjacency (CSR) are held
// in memory; the three nodes x dimension arrays FastRP works in are too,
// unless Config.MemoryLimit is set and they exceed it, when they are
// mapped files that the operating system pages. The rows are rewritten as
// the embeddings come out, flushing the commit as it goes.
//
// The job runs in a commit of its own, which author makes (history.Author).
func FastRP(ctx context.Context, st *store.Store, author string, job FastRPJob) (FastRPResult, error) {
	var res FastRPResult
	if job.Column == "" {
		job.Column = "fastrp"
	}
	res.Column = job.Column
	_, err := history.InCommit(st, author, "FASTRP "+job.Graph, func(c *store.Commit) error {
		g, err := c.Graph(job.Graph)
		if err != nil {
			return err
		}
		node := strings.ToLower(job.Node)
		if node == "" {
			if len(g.Nodes) != 1 {
				return fmt.Errorf("graph %s has %d node tables (%s): name one", g.Name, len(g.Nodes), strings.Join(g.Nodes, ", "))
			}
			node = g.Nodes[0]
		}
		if !g.IsNode(node) {
			return fmt.Errorf("graph %s has no node table %s", g.Name, node)
		}
		ti, err := c.Table(g.TableName(node))
		if err != nil {
			return err
		}
		var edges []store.TableInfo
		for _, e := range g.Edges {
			if e.SourceNode != node || e.TargetNode != node || job.Edge != "" && !strings.EqualFold(job.Edge, e.Table) {
				continue
			}
			et, err := c.Table(g.TableName(e.Table))
			if err != nil {
				return err
			}
			edges = append(edges, et)
		}
		if len(edges) == 0 {
			return fmt.Errorf("graph %s: no edge table from %s to %s%s", g.Name, node, node, map[bool]string{true: " named " + job.Edge}[job.Edge != ""])
		}
		v, err := c.View()
		if err != nil {
			return err
		}
		defer v.Close()
		// Nodes in key order get positions 0..n-1.
		index := map[string]uint32{}
		var keys [][]byte
		if err := v.Rows(ti, false, func(pk, _ []byte, _ uint64) error {
			index[string(pk)] = uint32(len(keys))
			keys = append(keys, append([]byte(nil), pk...))
			return nil
		}); err != nil {
			return err
		}
		var src, dst []uint32
		idT := idType(ti)
		for _, et := range edges {
			err := v.EachEdge(et, idT, idT, func(a, b []byte) error {
				i, ok1 := index[string(a)]
				j, ok2 := index[string(b)]
				if !ok1 || !ok2 {
					return fmt.Errorf("edge table %s has an edge to a node that %s lacks", et.Name, ti.Name)
				}
				src, dst = append(src, i), append(dst, j)
				return nil
			})
			if err != nil {
				return err
			}
		}
		csr, err := graphops.NewCSR(len(keys), src, dst, job.Orientation)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			return fmt.Errorf("graph %s: %s has no nodes", g.Name, ti.Name)
		}
		res.Nodes, res.Edges = len(keys), len(src)
		dim := job.Config.Dim
		if dim == 0 {
			dim = defaultFastRPDim
		}
		col := ti.Schema.Index(job.Column)
		switch {
		case col < 0:
			schema, err := ti.Schema.AddColumn(lake.Column{Name: job.Column, Type: lake.Vector(dim)})
			if err != nil {
				return err
			}
			if ti, err = c.AlterTable(ti.Name, schema); err != nil {
				return err
			}
			col = ti.Schema.Index(job.Column)
		case ti.Schema.Columns[col].Type != lake.Vector(dim):
			return fmt.Errorf("column %s of %s is %s; FastRP of dimension %d needs VECTOR(%d)", job.Column, ti.Name, ti.Schema.Columns[col].Type, dim, dim)
		}
		// The rows are rewritten as FastRP hands out the embeddings; the
		// commit is flushed every flushBytes, so written rows need not
		// stay in memory.
		start := time.Now()
		written := 0
		cfg := job.Config
		cfg.Ctx = ctx
		err = graphops.FastRPEach(csr, cfg, func(i int, emb []float32) error {
			if i == 0 {
				res.Compute = time.Since(start)
			}
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			value, _, _, err := v.Row(ti, keys[i])
			if err != nil {
				return err
			}
			row, err := store.DecodeRow(ti.Schema, value)
			if err != nil {
				return err
			}
			row[col] = emb
			enc, err := store.EncodeRow(ti.Schema, row)
			if err != nil {
				return err
			}
			if written += len(enc); written > flushBytes {
				if err := c.Flush(); err != nil {
					return err
				}
				written = 0
			}
			c.Count(ti.Name, 0, 1, 0)
			return c.Put(ti, keys[i], enc)
		})
		if err != nil {
			return err
		}
		if _, err := indexes.Commit(ctx, nil, c, ti, nil, nil); err != nil {
			return err
		}
		res.Commit = c.TS()
		return nil
	})
	return res, err
}
