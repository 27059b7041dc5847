package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// deleteRows runs DELETE FROM t [WHERE ...] in one commit. The rows'
// index entries stay and are skipped by searches at later commits (the
// row is gone there) while reads at earlier commits still find them. An
// edge row loses its adjacency with it; a node that edges still reference
// is not deleted: the statement fails, naming it, and deletes nothing. A
// DELETE that matches no row makes no commit. Rows in cold files go too:
// the files that hold any are rewritten without them (pipeline.TakeCold).
func (s *Session) deleteRows(d Delete) (Result, error) {
	return s.inCommit("DELETE FROM "+d.Table, func(c *store.Commit) (Result, error) {
		c.SetStatement(d.Statement)
		t, err := c.Table(d.Table)
		if err != nil {
			return Result{}, fmt.Errorf("DELETE FROM %s: %w", d.Table, err)
		}
		match, err := rowFilter(d.Where, t.Schema)
		if err != nil {
			return Result{}, fmt.Errorf("DELETE FROM %s: %w", d.Table, err)
		}
		edge, refs, err := graphRole(c, t)
		if err != nil {
			return Result{}, err
		}
		v, err := c.View()
		if err != nil {
			return Result{}, err
		}
		defer v.Close()
		n := int64(0)
		err = v.Rows(t, false, func(pk, value []byte, _ uint64) error {
			row, err := store.DecodeRow(t.Schema, value)
			if err != nil {
				return fmt.Errorf("table %s: %w", t.Name, err)
			}
			if match != nil && !match(row) {
				return nil
			}
			key := append([]byte(nil), pk...)
			for _, r := range refs {
				if err := r.check(v, key, row); err != nil {
					return fmt.Errorf("DELETE FROM %s: %w", d.Table, err)
				}
			}
			if edge != nil {
				if sk, tk, err := edge.Keys(row); err != nil {
					return err
				} else if sk != nil {
					if err := c.DeleteAdjacency(t, sk, tk, key); err != nil {
						return err
					}
				}
			}
			n++
			return c.DeleteRow(t, key)
		})
		if err != nil {
			return Result{}, err
		}
		// Rows in cold files: the files the WHERE clause's statistics admit
		// are rewritten without them (copy-on-write).
		taken, err := s.takeCold(c, t, d.Where, match, func(store.Row) error { return nil })
		if err != nil {
			return Result{}, fmt.Errorf("DELETE FROM %s: %w", d.Table, err)
		}
		n += taken
		c.Count(t.Name, 0, 0, n)
		return Result{Message: fmt.Sprintf("DELETE %d row(s) from %s", n, t.Name), Fields: []Field{{"table", t.Name}, {"rows", n}}, unchanged: n == 0}, nil
	})
}

// nodeRef is an edge table whose source or target is a node table.
type nodeRef struct {
	edges     store.TableInfo
	out       bool      // the node is the edges' source
	otherType lake.Type // the id type of the node table at the other end
	nodeID    int       // the node table's id column
}

var errHasEdge = errors.New("has an edge")

// check fails when the node with this key is an end of some edge.
func (r nodeRef) check(v *store.View, key []byte, row store.Row) error {
	err := v.Adjacent(r.edges, key, r.out, r.otherType, func([]byte) error { return errHasEdge })
	if errors.Is(err, errHasEdge) {
		return fmt.Errorf("node %v is an end of edges in %s: delete those first", row[r.nodeID], r.edges.Name)
	}
	return err
}

// graphRole says what table t is in its graph: an edge table (its hook,
// which finds a row's endpoint keys) or a node table (the edge tables
// that reference it). Both are nil for a table outside a graph.
func graphRole(c *store.Commit, t store.TableInfo) (*storeio.EdgeHook, []nodeRef, error) {
	gname, tname, dotted := store.SplitGraphTable(t.Name)
	if !dotted {
		return nil, nil, nil
	}
	g, err := c.Graph(gname)
	if err != nil {
		return nil, nil, nil // a dotted name without its graph
	}
	if e, ok := g.Edge(tname); ok {
		h, err := storeio.NewEdgeHook(c, g, e, t, "")
		return h, nil, err
	}
	var refs []nodeRef
	for _, e := range g.Edges {
		for _, end := range []struct {
			node, other string
			out         bool
		}{{e.SourceNode, e.TargetNode, true}, {e.TargetNode, e.SourceNode, false}} {
			if !strings.EqualFold(end.node, tname) {
				continue
			}
			et, err := c.Table(g.TableName(e.Table))
			if err != nil {
				return nil, nil, err
			}
			other, err := c.Table(g.TableName(end.other))
			if err != nil {
				return nil, nil, err
			}
			refs = append(refs, nodeRef{edges: et, out: end.out,
				otherType: other.Schema.Columns[other.Schema.PKIndexes()[0]].Type, nodeID: t.Schema.PKIndexes()[0]})
		}
	}
	return nil, refs, nil
}

// takeCold takes the rows of t's cold files that match (all when match
// is nil) out of them, in commit c: the files the WHERE clause's
// statistics admit are rewritten without them (tiering.TakeCold,
// copy-on-write), and each row taken goes to put. The rewritten files
// are removed again if the commit does not land. It returns the rows
// taken.
func (s *Session) takeCold(c *store.Commit, t store.TableInfo, where *Where, match func(store.Row) bool, put func(store.Row) error) (int64, error) {
	tbl, err := tiering.Open(s.Store, t.Name, c.Base())
	if err != nil || len(tbl.Files) == 0 {
		return 0, err
	}
	var prune *filter.Expr
	if where != nil {
		e, err := pipeline.WhereFilter(where, t.Schema)
		if err != nil {
			return 0, err
		}
		prune = &e
	}
	tk, err := tiering.TakeCold(context.Background(), c, tbl, tbl.Prune(prune), match, storeio.NewJobID(), put)
	if err != nil {
		for _, f := range tk.Folders {
			tiering.RemoveFolder(f)
		}
		return 0, err
	}
	folders := tk.Folders
	c.OnDone(func() {
		if s.Store.Head() != c.TS() {
			for _, f := range folders {
				tiering.RemoveFolder(f)
			}
		}
	})
	return tk.Rows, nil
}
