package storeio

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/store"
)

// Missing-node rules for edge imports (COPY ... WITH (on_missing_node =
// ...)): an edge whose source or target is no node of its node table at
// the commit, counting nodes that the same import creates, is a row error
// naming both ids (error, the default), is left out (skip), or creates the
// missing node with only its id (create).
const (
	MissingNodeError  = "error"
	MissingNodeSkip   = "skip"
	MissingNodeCreate = "create"
)

// EdgeHook is the commit's RowHook for a graph's edge table.
type EdgeHook struct {
	table            store.TableInfo
	src, dst         int // endpoint columns
	srcNode, dstNode store.TableInfo
	onMissing        string
	// known caches, by node table id + key, whether a node exists: at
	// the commit's base, or created by this commit. Most nodes are the
	// end of many edges.
	known map[string]bool
	// The endpoint keys Check found, for the Written call that follows it
	// for the same row.
	lastVal          []byte
	lastSrc, lastDst []byte
}

func NewEdgeHook(c *store.Commit, g store.GraphInfo, e store.EdgeDef, t store.TableInfo, onMissing string) (*EdgeHook, error) {
	h := &EdgeHook{table: t, src: t.Schema.Index(e.Source), dst: t.Schema.Index(e.Target), onMissing: onMissing, known: map[string]bool{}}
	if h.onMissing == "" {
		h.onMissing = MissingNodeError
	}
	var err error
	if h.srcNode, err = c.Table(g.TableName(e.SourceNode)); err != nil {
		return nil, err
	}
	if h.dstNode, err = c.Table(g.TableName(e.TargetNode)); err != nil {
		return nil, err
	}
	if h.src < 0 || h.dst < 0 {
		return nil, fmt.Errorf("edge table %s lost its endpoint columns %s, %s", t.Name, e.Source, e.Target)
	}
	return h, nil
}

// endpoints returns the row's source and target ids and their keys.
func (h *EdgeHook) endpoints(val []byte) (row store.Row, sk, tk []byte, err error) {
	if row, err = store.DecodeRow(h.table.Schema, val); err != nil {
		return nil, nil, nil, err
	}
	sk, tk, err = h.Keys(row)
	if err != nil {
		return nil, nil, nil, err
	}
	return row, sk, tk, nil
}

// Keys returns the keys of an edge row's source and target, nil when an
// end is NULL.
func (h *EdgeHook) Keys(row store.Row) (sk, tk []byte, err error) {
	if row[h.src] == nil || row[h.dst] == nil {
		return nil, nil, nil
	}
	if sk, err = store.KeyOf(h.srcNode.Schema, row[h.src]); err != nil {
		return nil, nil, err
	}
	tk, err = store.KeyOf(h.dstNode.Schema, row[h.dst])
	return sk, tk, err
}

func nodeKey(node store.TableInfo, key []byte) string {
	return string(binary.BigEndian.AppendUint32(nil, node.ID)) + string(key)
}

func (h *EdgeHook) exists(c *store.Commit, node store.TableInfo, key []byte) (bool, error) {
	k := nodeKey(node, key)
	if ok, seen := h.known[k]; seen {
		return ok, nil
	}
	ok, err := c.Exists(node, key)
	if err == nil {
		h.known[k] = ok
	}
	return ok, err
}

func (h *EdgeHook) Check(c *store.Commit, val []byte) (v sinks.Verdict, err error) {
	row, sk, tk, err := h.endpoints(val)
	if err != nil {
		return v, err
	}
	edge := func() string { return fmt.Sprintf("edge %v -> %v", row[h.src], row[h.dst]) }
	if sk == nil {
		col := h.table.Schema.Columns[h.src].Name
		if row[h.src] != nil {
			col = h.table.Schema.Columns[h.dst].Name
		}
		return sinks.Verdict{Action: sinks.Reject, Column: col, Value: "NULL", Reason: edge() + ": an edge needs both ends"}, nil
	}
	var missing []string
	for _, end := range []struct {
		node store.TableInfo
		key  []byte
		col  int
	}{{h.srcNode, sk, h.src}, {h.dstNode, tk, h.dst}} {
		ok, err := h.exists(c, end.node, end.key)
		if err != nil {
			return v, err
		}
		if ok {
			continue
		}
		switch h.onMissing {
		case MissingNodeCreate:
			id := make(store.Row, len(end.node.Schema.Columns))
			id[end.node.Schema.PKIndexes()[0]] = row[end.col]
			enc, err := store.EncodeRow(end.node.Schema, id)
			if err != nil {
				return v, fmt.Errorf("%s: creating node %v of %s: %w", edge(), row[end.col], end.node.Name, err)
			}
			if err := c.Put(end.node, end.key, enc); err != nil {
				return v, err
			}
			c.Count(end.node.Name, 1, 0, 0)
			h.known[nodeKey(end.node, end.key)] = true
		default:
			missing = append(missing, fmt.Sprintf("%s %v is no node of %s", h.table.Schema.Columns[end.col].Name, row[end.col], end.node.Name))
		}
	}
	if len(missing) == 0 {
		h.lastVal, h.lastSrc, h.lastDst = val, sk, tk
		return sinks.Verdict{Action: sinks.Write}, nil
	}
	if h.onMissing == MissingNodeSkip {
		return sinks.Verdict{Action: sinks.Skip}, nil
	}
	return sinks.Verdict{Action: sinks.Reject, Column: h.table.Schema.Columns[h.src].Name, Value: fmt.Sprint(row[h.src]),
		Reason: edge() + ": " + strings.Join(missing, "; ") + " (on_missing_node = 'skip' or 'create' to import it anyway)"}, nil
}

// Written records the edge's adjacency; an edge row rewritten (by its
// primary key) first loses the adjacency of its old endpoints.
func (h *EdgeHook) Written(c *store.Commit, key, val []byte) error {
	if len(h.table.Schema.PrimaryKey) > 0 {
		old, err := c.Get(h.table, key)
		if err != nil {
			return err
		}
		if old != nil {
			if _, osk, otk, err := h.endpoints(old); err == nil && osk != nil {
				if err := c.DeleteAdjacency(h.table, osk, otk, key); err != nil {
					return err
				}
			}
		}
	}
	sk, tk := h.lastSrc, h.lastDst
	if len(val) == 0 || len(h.lastVal) == 0 || &val[0] != &h.lastVal[0] {
		var err error
		if _, sk, tk, err = h.endpoints(val); err != nil || sk == nil {
			return err
		}
	}
	return c.PutAdjacency(h.table, sk, tk, key)
}

// importHook is the commit's RowHook for an import into table ti: the
// edge hook when ti is a graph's edge table, else nil.
func importHook(c *store.Commit, ti store.TableInfo, onMissing string) (sinks.RowHook, error) {
	g, t, dotted := store.SplitGraphTable(ti.Name)
	if !dotted {
		return nil, nil
	}
	gi, err := c.Graph(g)
	if err != nil {
		return nil, err
	}
	e, ok := gi.Edge(t)
	if !ok {
		return nil, nil
	}
	return NewEdgeHook(c, gi, e, ti, onMissing)
}
