package pipeline

import (
	"fmt"
	"strings"

	"github.com/lakelink/lakelink/graphs"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/transforms"
)

// validTableName accepts a table's name or a graph's table, GRAPH.TABLE.
func validTableName(s string) bool {
	if g, t, ok := store.SplitGraphTable(s); ok {
		return lake.ValidName(g) && lake.ValidName(t)
	}
	return lake.ValidName(s)
}

// checkGraphTarget checks that an import into GRAPH.TABLE names a table
// of an existing graph; INTO GRAPH demands one.
func checkGraphTarget(st *store.Store, im Import) error {
	g, t, dotted := store.SplitGraphTable(im.Table)
	if !dotted {
		if im.Graph {
			return fmt.Errorf("COPY INTO GRAPH %s: an import into a whole graph (MAP COLUMNS (id => node_id, ..., links => edges)) runs through RunGraphImport; one table of it is GRAPH.TABLE", im.Table)
		}
		return nil
	}
	gi, err := st.Graph(g, st.Head())
	if err != nil {
		return fmt.Errorf("COPY INTO %s: %w (CREATE GRAPH declares it)", im.Table, err)
	}
	if _, edge := gi.Edge(t); !edge && !gi.IsNode(t) {
		return fmt.Errorf("COPY INTO %s: graph %s has no table %s (nodes %s; edges %s)", im.Table, g, t, strings.Join(gi.Nodes, ", "), strings.Join(graphs.EdgeNames(gi), ", "))
	}
	return nil
}

// edgeOf returns the edge table that an import targets, if it does.
func edgeOf(st *store.Store, table string) (store.EdgeDef, bool) {
	g, t, dotted := store.SplitGraphTable(table)
	if !dotted {
		return store.EdgeDef{}, false
	}
	gi, err := st.Graph(g, st.Head())
	if err != nil {
		return store.EdgeDef{}, false
	}
	return gi.Edge(t)
}

// edgesTarget rewrites MAP COLUMNS (list => edges) on an edge table to
// the table's target column.
func edgesTarget(st *store.Store, im Import) []transforms.ColumnMap {
	e, ok := edgeOf(st, im.Table)
	if !ok {
		return im.Maps
	}
	maps := append([]transforms.ColumnMap(nil), im.Maps...)
	for i := range maps {
		if strings.EqualFold(maps[i].Target, "edges") && tableLacks(st, im.Table, "edges") {
			maps[i].Target = e.Target
		}
	}
	return maps
}

func tableLacks(st *store.Store, table, column string) bool {
	ti, err := st.Table(table, st.Head())
	return err != nil || ti.Schema.Index(column) < 0
}

// edgeExpansion is the expansion of an import into an edge table whose
// target column is fed by a list column (an adjacency list), or nil. A
// list column is one whose source type is a list, one of a text format
// whose values look like lists (suggested, the format's suggested types
// by source column), or one the mapping casts to a list
// (outgoing_links => target::BIGINT[]).
func edgeExpansion(st *store.Store, im Import, source, table lake.Schema, maps []transforms.ColumnMap, suggested []lake.Type) *transforms.Expansion {
	e, ok := edgeOf(st, im.Table)
	if !ok {
		return nil
	}
	col := table.Index(e.Target)
	from := e.Target
	var cast *lake.Type
	for _, m := range maps {
		if strings.EqualFold(m.Target, e.Target) {
			from, cast = m.Source, m.Cast
		}
	}
	si := source.Index(from)
	if col < 0 || si < 0 {
		return nil
	}
	list := source.Columns[si].Type.Kind == lake.KindArray
	if source.Columns[si].Type.Kind == lake.KindText {
		list = cast != nil && cast.Kind == lake.KindArray ||
			cast == nil && si < len(suggested) && (suggested[si].Kind == lake.KindArray || suggested[si].Kind == lake.KindVector)
	}
	if !list {
		return nil
	}
	return &transforms.Expansion{Final: table, Column: col, Source: table.Index(e.Source),
		KeepDuplicates: im.Options.DuplicateEdges == "keep", SkipSelfLoops: im.Options.SelfLoops == "skip"}
}
