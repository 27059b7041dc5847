package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/google/uuid"

	"github.com/lakelink/lakelink/lake"
)

// A graph is a set of node tables and edge tables, each an ordinary table
// named "<graph>.<table>", declared together so that an edge's endpoints
// can be checked against its node tables and its adjacency kept in both
// directions. Every edge row written also writes two adjacency keys, one
// from each endpoint, in the same commit; so at any commit the adjacency
// keys are exactly those of the edge rows there, and neighbours in either
// direction are a prefix scan.
//
//	n<graph name>                                         the graph (JSON GraphInfo)
//	a<edge table id:4>o<source key><target key><row key>  out-adjacency
//	a<edge table id:4>i<target key><source key><row key>  in-adjacency
//
// Endpoint keys are the node table's primary-key encoding (KeyOf), which
// orders and ends itself (fixed width, or terminated text), so the two
// keys and the row key can be told apart.
const (
	spaceGraph     = 'n'
	spaceAdjacency = 'a'
)

// GraphInfo declares a graph.
type GraphInfo struct {
	Name    string    `json:"name"`
	Nodes   []string  `json:"nodes"` // node tables, by their name in the graph
	Edges   []EdgeDef `json:"edges"`
	Created uint64    `json:"created"`
}

// EdgeDef is one edge table of a graph: which columns hold its endpoints
// and which node tables they reference.
type EdgeDef struct {
	Table      string `json:"table"`
	Source     string `json:"source"`
	Target     string `json:"target"`
	SourceNode string `json:"source_node"`
	TargetNode string `json:"target_node"`
}

// TableName is the store name of a graph's table: "<graph>.<table>".
func (g GraphInfo) TableName(table string) string { return g.Name + "." + table }

// Edge returns the edge table of that name.
func (g GraphInfo) Edge(table string) (EdgeDef, bool) {
	for _, e := range g.Edges {
		if strings.EqualFold(e.Table, table) {
			return e, true
		}
	}
	return EdgeDef{}, false
}

// IsNode reports whether the graph has a node table of that name.
func (g GraphInfo) IsNode(table string) bool {
	for _, n := range g.Nodes {
		if strings.EqualFold(n, table) {
			return true
		}
	}
	return false
}

func graphKey(name string) []byte { return append([]byte{spaceGraph}, strings.ToLower(name)...) }

// SplitGraphTable splits "<graph>.<table>" ; ok is false for a plain name.
func SplitGraphTable(name string) (graph, table string, ok bool) {
	graph, table, ok = strings.Cut(name, ".")
	return graph, table, ok
}

// CreateGraph creates a graph and its tables, named "<graph>.<table>",
// with the given schemas. Each edge's endpoint columns must have the type
// of the primary key of the node table they reference.
func (c *Commit) CreateGraph(g GraphInfo, schemas map[string]lake.Schema) (GraphInfo, error) {
	if !lake.ValidName(g.Name) {
		return g, fmt.Errorf("invalid graph name %q: use letters, digits and _", g.Name)
	}
	if _, err := c.Graph(g.Name); err == nil {
		return g, fmt.Errorf("graph %q already exists", g.Name)
	} else if !errors.Is(err, ErrNotFound) {
		return g, err
	}
	if len(g.Nodes) == 0 {
		return g, fmt.Errorf("graph %s: no NODE table", g.Name)
	}
	for _, n := range g.Nodes {
		s := schemas[n]
		if len(s.PrimaryKey) != 1 {
			return g, fmt.Errorf("graph %s: node table %s needs a one-column PRIMARY KEY (its node id)", g.Name, n)
		}
		switch k := s.Columns[s.Index(s.PrimaryKey[0])].Type.Kind; k {
		case lake.KindUUID, lake.KindBigInt, lake.KindInt, lake.KindText:
		default:
			return g, fmt.Errorf("graph %s: node table %s: a node id is UUID, BIGINT or TEXT, not %s", g.Name, n, s.Columns[s.Index(s.PrimaryKey[0])].Type)
		}
	}
	for _, e := range g.Edges {
		s := schemas[e.Table]
		for _, end := range [][2]string{{e.Source, e.SourceNode}, {e.Target, e.TargetNode}} {
			if !g.IsNode(end[1]) {
				return g, fmt.Errorf("graph %s: edge table %s: %s references %s, which is no NODE table of the graph", g.Name, e.Table, end[0], end[1])
			}
			ns := schemas[end[1]]
			want := ns.Columns[ns.Index(ns.PrimaryKey[0])].Type
			i := s.Index(end[0])
			if i < 0 {
				return g, fmt.Errorf("graph %s: edge table %s has no column %s", g.Name, e.Table, end[0])
			}
			if got := s.Columns[i].Type; got.Kind != want.Kind {
				return g, fmt.Errorf("graph %s: edge table %s: %s is %s, and the id of %s is %s", g.Name, e.Table, end[0], got, end[1], want)
			}
		}
	}
	names := append([]string(nil), g.Nodes...)
	for _, e := range g.Edges {
		names = append(names, e.Table)
	}
	for _, n := range names {
		if !lake.ValidName(n) {
			return g, fmt.Errorf("graph %s: invalid table name %q", g.Name, n)
		}
		if _, err := c.createTable(g.TableName(n), schemas[n]); err != nil {
			return g, err
		}
	}
	g.Created = c.ts
	b, _ := json.Marshal(g)
	return g, c.wb.Set(graphKey(g.Name), b)
}

// DropGraph drops a graph and its tables; earlier commits still read them.
func (c *Commit) DropGraph(name string) error {
	g, err := c.Graph(name)
	if err != nil {
		return err
	}
	names := append([]string(nil), g.Nodes...)
	for _, e := range g.Edges {
		names = append(names, e.Table)
	}
	for _, n := range names {
		if err := c.DropTable(g.TableName(n)); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return c.wb.Delete(graphKey(name))
}

// Graph returns a graph as the commit's base has it.
func (c *Commit) Graph(name string) (GraphInfo, error) {
	g, err := getJSON[GraphInfo](c.read, graphKey(name))
	if err != nil {
		return g, fmt.Errorf("graph %q: %w", name, err)
	}
	return g, nil
}

// Graph returns a graph as of commit at.
func (s *Store) Graph(name string, at uint64) (GraphInfo, error) {
	if err := s.readable(at); err != nil {
		return GraphInfo{}, err
	}
	txn := s.db.NewTransactionAt(at, false)
	defer txn.Discard()
	g, err := getJSON[GraphInfo](txn, graphKey(name))
	if err != nil {
		return g, fmt.Errorf("graph %q: %w", name, err)
	}
	return g, nil
}

// Graphs lists the graphs as of commit at.
func (s *Store) Graphs(at uint64) ([]GraphInfo, error) {
	return list[GraphInfo](s, at, []byte{spaceGraph})
}

func adjacencyPrefix(edgeTable uint32, dir byte, node []byte) []byte {
	k := rowPrefix(edgeTable)
	k[0] = spaceAdjacency
	return append(append(k, dir), node...)
}

// PutAdjacency records an edge row of edge table t, from source to
// target (both endpoint keys), with the row's key, in both directions.
func (c *Commit) PutAdjacency(t TableInfo, source, target, rowKey []byte) error {
	out := append(append(adjacencyPrefix(t.ID, 'o', source), target...), rowKey...)
	in := append(append(adjacencyPrefix(t.ID, 'i', target), source...), rowKey...)
	if err := c.wb.Set(out, nil); err != nil {
		return err
	}
	return c.wb.Set(in, nil)
}

// DeleteAdjacency removes what PutAdjacency recorded, for an edge row
// that the commit rewrites.
func (c *Commit) DeleteAdjacency(t TableInfo, source, target, rowKey []byte) error {
	if err := c.wb.Delete(append(append(adjacencyPrefix(t.ID, 'o', source), target...), rowKey...)); err != nil {
		return err
	}
	return c.wb.Delete(append(append(adjacencyPrefix(t.ID, 'i', target), source...), rowKey...))
}

// Adjacent calls fn with the key of every node at the other end of an
// edge of table t from node (out: node is the source; in: the target), in
// key order, one call per edge row; other is the type of the other end's
// id.
func (v *View) Adjacent(t TableInfo, node []byte, out bool, other lake.Type, fn func(other []byte) error) error {
	if v.err != nil {
		return v.err
	}
	dir := byte('i')
	if out {
		dir = 'o'
	}
	prefix := adjacencyPrefix(t.ID, dir, node)
	it := v.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		rest := it.Item().Key()[len(prefix):]
		n, err := keyLen(other, rest)
		if err != nil {
			return fmt.Errorf("table %s: corrupt adjacency key: %w", t.Name, err)
		}
		if err := fn(rest[:n]); err != nil {
			return err
		}
	}
	return nil
}

// keyLen is the length of the one-column key of type t at the start of b.
func keyLen(t lake.Type, b []byte) (int, error) {
	n := 0
	switch t.Kind {
	case lake.KindUUID:
		n = 16
	case lake.KindSmallInt, lake.KindInt, lake.KindBigInt:
		n = 8
	case lake.KindText:
		for i := 0; i+1 < len(b); i++ {
			if b[i] == 0 {
				if b[i+1] == 1 {
					return i + 2, nil
				}
				i++ // 0 0xFF: an escaped 0
			}
		}
		return 0, fmt.Errorf("unterminated text key")
	default:
		return 0, fmt.Errorf("type %s is no node id", t)
	}
	if len(b) < n {
		return 0, fmt.Errorf("short key")
	}
	return n, nil
}

// DecodeKey reads back a one-column key of type t (a node id) as KeyOf
// encoded it.
func DecodeKey(t lake.Type, b []byte) (any, error) {
	n, err := keyLen(t, b)
	if err != nil || n != len(b) {
		return nil, fmt.Errorf("not a %s key", t)
	}
	switch t.Kind {
	case lake.KindUUID:
		var u [16]byte
		copy(u[:], b)
		return uuid.UUID(u), nil
	case lake.KindText:
		out := make([]byte, 0, len(b)-2)
		for i := 0; i < len(b)-2; i++ {
			out = append(out, b[i])
			if b[i] == 0 {
				i++ // skip the 0xFF of an escaped 0
			}
		}
		return string(out), nil
	default:
		return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)), nil
	}
}

// EachEdge calls fn with the endpoint keys of every edge row of edge
// table t, from its out-adjacency, in source order; src and dst are the
// types of the two ends' ids.
func (v *View) EachEdge(t TableInfo, src, dst lake.Type, fn func(source, target []byte) error) error {
	if v.err != nil {
		return v.err
	}
	prefix := adjacencyPrefix(t.ID, 'o', nil)
	it := v.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		rest := it.Item().Key()[len(prefix):]
		n, err := keyLen(src, rest)
		if err != nil {
			return fmt.Errorf("table %s: corrupt adjacency key: %w", t.Name, err)
		}
		m, err := keyLen(dst, rest[n:])
		if err != nil {
			return fmt.Errorf("table %s: corrupt adjacency key: %w", t.Name, err)
		}
		if err := fn(rest[:n], rest[n:n+m]); err != nil {
			return err
		}
	}
	return nil
}
