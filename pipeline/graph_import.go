package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/history"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/transforms"
)

// An adjacency-list graph import is COPY FROM ... INTO GRAPH g MAP
// COLUMNS (id => node_id, ..., links => edges): one source row per node,
// with its id, its properties and a list of the ids it links to. It
// fills the graph's two tables:
//
//	g.nodes (node_id PRIMARY KEY, every other mapped column)
//	g.edges (source REFERENCES nodes(node_id), target REFERENCES nodes(node_id))
//
// creating the graph when it does not exist (node_id BIGINT for integer
// ids, else the id's type; the properties' types as COPY would create
// them), then importing the nodes and then the edges, one expanded from
// each list element. These names are fixed: GraphNodeTable, GraphEdgeTable,
// GraphNodeKey.
const (
	GraphNodeTable = "nodes"
	GraphEdgeTable = "edges"
	GraphNodeKey   = "node_id"
)

// GraphImportResult is what an adjacency-list graph import did.
type GraphImportResult struct {
	Graph   string
	Created bool // the statement created the graph
	Nodes   ImportResult
	Edges   ImportResult // zero when nothing maps to edges
}

// IsGraphImport reports whether im is an adjacency-list import into a
// whole graph (INTO GRAPH g, no table named).
func IsGraphImport(im Import) bool {
	_, _, dotted := store.SplitGraphTable(im.Table)
	return im.Graph && !dotted
}

// RunGraphImport runs an adjacency-list graph import. The nodes and the
// edges are two commits (after a third that creates the graph, if it
// did not exist); when the edges fail, the nodes' commit is reverted and
// a graph the statement created is dropped, so that the store's contents
// are as before.
func RunGraphImport(ctx context.Context, st *store.Store, im Import, ro runners.Options) (res GraphImportResult, err error) {
	res.Graph = im.Table
	if !lake.ValidName(im.Table) {
		return res, fmt.Errorf("invalid graph name %q", im.Table)
	}
	if len(im.Columns) > 0 {
		return res, fmt.Errorf("COPY INTO GRAPH %s: give MAP COLUMNS (id => %s, ..., list => %s), not a column list", im.Table, GraphNodeKey, GraphEdgeTable)
	}
	var key, links *transforms.ColumnMap
	var nodeMaps []transforms.ColumnMap
	for i, m := range im.Maps {
		switch {
		case strings.EqualFold(m.Target, GraphNodeKey):
			key = &im.Maps[i]
			nodeMaps = append(nodeMaps, transforms.ColumnMap{Source: m.Source, Target: GraphNodeKey, Cast: m.Cast})
		case strings.EqualFold(m.Target, GraphEdgeTable):
			if links != nil {
				return res, fmt.Errorf("COPY INTO GRAPH %s: two columns map to %s (%s and %s)", im.Table, GraphEdgeTable, links.Source, m.Source)
			}
			links = &im.Maps[i]
		default:
			nodeMaps = append(nodeMaps, m)
		}
	}
	if key == nil {
		return res, fmt.Errorf("COPY INTO GRAPH %s: map the node ids to %s: MAP COLUMNS (id => %s, ..., links => %s) (or name a table, INTO GRAPH %s.TABLE)", im.Table, GraphNodeKey, GraphNodeKey, GraphEdgeTable, im.Table)
	}
	for _, m := range im.Options.PrimaryKey {
		if !strings.EqualFold(m, GraphNodeKey) {
			return res, fmt.Errorf("COPY INTO GRAPH %s: the node table's key is %s (primary_key %q does not apply)", im.Table, GraphNodeKey, m)
		}
	}
	before := st.Head()
	g, gerr := st.Graph(im.Table, before)
	if gerr == nil {
		if err := checkAdjacencyGraph(g); err != nil {
			return res, fmt.Errorf("COPY INTO GRAPH %s: %w", im.Table, err)
		}
	} else {
		if err := createAdjacencyGraph(ctx, st, im, nodeMaps); err != nil {
			return res, err
		}
		res.Created = true
	}
	nodesCommit := uint64(0)
	defer func() {
		if err == nil {
			return
		}
		var undone []string
		if nodesCommit != 0 {
			if c, _, rerr := history.Revert(context.Background(), st, im.Author, fmt.Sprint(nodesCommit)); rerr == nil {
				undone = append(undone, fmt.Sprintf("the nodes' commit %d is reverted by commit %d", nodesCommit, c))
			} else {
				undone = append(undone, fmt.Sprintf("reverting the nodes' commit %d failed: %v", nodesCommit, rerr))
			}
		}
		if res.Created {
			if derr := dropGraph(st, im, "COPY INTO GRAPH "+im.Table+" failed: DROP GRAPH "+im.Table); derr == nil {
				undone = append(undone, "the graph it created is dropped")
			} else {
				undone = append(undone, fmt.Sprintf("dropping the graph it created failed: %v", derr))
			}
		}
		if len(undone) > 0 {
			err = fmt.Errorf("%w (%s)", err, strings.Join(undone, "; "))
		}
	}()
	nodes := im
	nodes.Table = im.Table + "." + GraphNodeTable
	nodes.Maps = nodeMaps
	nodes.Options.PrimaryKey = nil
	if res.Nodes, err = RunImport(ctx, st, nodes, ro); err != nil {
		return res, err
	}
	nodesCommit = res.Nodes.Commit
	if links == nil {
		return res, nil
	}
	edges := im
	edges.Table = im.Table + "." + GraphEdgeTable
	edges.Maps = []transforms.ColumnMap{{Source: key.Source, Target: "source", Cast: key.Cast}, {Source: links.Source, Target: "target", Cast: links.Cast}}
	edges.Options.PrimaryKey = nil
	edges.Options.KeyColumns = nil
	edges.Options.Mode = ""
	edges.Options.IndexType = "" // the node table's vector columns are not the edges'
	res.Edges, err = RunImport(ctx, st, edges, ro)
	return res, err
}

// checkAdjacencyGraph checks that an existing graph has the two tables
// an adjacency-list import fills.
func checkAdjacencyGraph(g store.GraphInfo) error {
	e, ok := g.Edge(GraphEdgeTable)
	if !ok || !g.IsNode(GraphNodeTable) || !strings.EqualFold(e.SourceNode, GraphNodeTable) || !strings.EqualFold(e.TargetNode, GraphNodeTable) || !strings.EqualFold(e.Source, "source") || !strings.EqualFold(e.Target, "target") {
		return fmt.Errorf("graph %s exists without the tables an adjacency-list import fills (NODE %s (%s ...), EDGE %s (source, target) between them); name one of its tables, INTO GRAPH %s.TABLE", g.Name, GraphNodeTable, GraphNodeKey, GraphEdgeTable, g.Name)
	}
	return nil
}

// createAdjacencyGraph creates the graph with the node table's columns
// typed as COPY would create them from the first source object.
func createAdjacencyGraph(ctx context.Context, st *store.Store, im Import, nodeMaps []transforms.ColumnMap) error {
	desc, src, err := inspectFirst(ctx, im)
	if err != nil {
		return err
	}
	o := im.Options
	o.PrimaryKey = []string{GraphNodeKey}
	schema, err := inferTable(ctx, desc, src, im.Table+"."+GraphNodeTable, nodeMaps, o)
	if err != nil {
		return err
	}
	k := schema.Index(GraphNodeKey)
	switch schema.Columns[k].Type.Kind {
	case lake.KindSmallInt, lake.KindInt, lake.KindBigInt:
		schema.Columns[k].Type = lake.BigInt
	case lake.KindUUID, lake.KindText:
	default:
		return fmt.Errorf("COPY INTO GRAPH %s: node ids are UUID, BIGINT or TEXT, and %s is %s (cast it: %s => %s::BIGINT)", im.Table, nodeMaps[0].Source, schema.Columns[k].Type, nodeMaps[0].Source, GraphNodeKey)
	}
	idType := schema.Columns[k].Type
	edges := lake.Schema{Columns: []lake.Column{{Name: "source", Type: idType, NotNull: true}, {Name: "target", Type: idType, NotNull: true}}}
	g := store.GraphInfo{Name: im.Table, Nodes: []string{GraphNodeTable},
		Edges: []store.EdgeDef{{Table: GraphEdgeTable, Source: "source", Target: "target", SourceNode: GraphNodeTable, TargetNode: GraphNodeTable}}}
	c, err := st.Begin("CREATE GRAPH " + im.Table + " (COPY INTO GRAPH)")
	if err != nil {
		return err
	}
	c.SetAuthor(history.Author(im.Author))
	c.SetStatement(im.Statement)
	if _, err := c.CreateGraph(g, map[string]lake.Schema{GraphNodeTable: schema, GraphEdgeTable: edges}); err != nil {
		c.Abort()
		return fmt.Errorf("COPY INTO GRAPH %s: %w", im.Table, err)
	}
	_, err = c.Finish()
	return err
}

func dropGraph(st *store.Store, im Import, message string) error {
	c, err := st.Begin(message)
	if err != nil {
		return err
	}
	c.SetAuthor(history.Author(im.Author))
	if err := c.DropGraph(im.Table); err != nil {
		c.Abort()
		return err
	}
	_, err = c.Finish()
	return err
}

// inspectFirst describes the first object the import's sources name,
// with the partition columns it would add.
func inspectFirst(ctx context.Context, im Import) (desc format.Description, src lake.Schema, err error) {
	pats, err := objstore.Patterns(im.Options.Source, im.Sources...)
	if err != nil {
		return desc, src, err
	}
	first, found, err := objstore.First(ctx, pats, nil)
	if err != nil {
		return desc, src, err
	}
	if !found {
		return desc, src, fmt.Errorf("COPY INTO GRAPH %s: no objects match %s", im.Table, strings.Join(im.Sources, ", "))
	}
	fm, settings, err := importFormat(im, first)
	if err != nil {
		return desc, src, fmt.Errorf("COPY INTO GRAPH %s: %w", im.Table, err)
	}
	if desc, err = fm.Inspect(ctx, first, settings); err != nil {
		return desc, src, err
	}
	src = desc.Schema
	if len(im.Options.PartitionColumns) > 0 {
		parts, _, err := objstore.InferPartitions(ctx, pats, im.Options.PartitionColumns)
		if err != nil {
			return desc, src, err
		}
		src.Columns = append(src.Columns, parts...)
	}
	return desc, src, nil
}
