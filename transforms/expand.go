package transforms

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/lakelink/lakelink/lake"
)

// SourceRowColumn is the column that an expanded batch carries after the
// table's columns: each row's offset from the batch's Origin.FirstRow,
// because expanded rows are no longer one per source row. The staging
// keeps it, so that row errors still name the source row.
const SourceRowColumn = "__lakelink_source_row"

// Expansion turns each row whose adjacency-list column holds n ids into n
// rows, one per id, as edges from an adjacency list: `outgoing_links =>
// target` (or `=> edges`) on a graph's edge table. Within one row's list,
// a repeated id gives one edge unless KeepDuplicates; an id equal to the
// row's source gives a self-loop unless SkipSelfLoops; NULL ids and empty
// or NULL lists give no edge.
type Expansion struct {
	// Final is the table's schema; the mapping's target is Final with
	// column Column as an array of its type.
	Final          lake.Schema `json:"final"`
	Column         int         `json:"column"`
	Source         int         `json:"source"` // the edge's source column, for self-loops (-1: none)
	KeepDuplicates bool        `json:"keep_duplicates,omitempty"`
	SkipSelfLoops  bool        `json:"skip_self_loops,omitempty"`
}

// ExpandingTarget is the schema a mapping must target for the expansion of
// column col of final: that column as an array of its type, nullable.
func ExpandingTarget(final lake.Schema, col int) lake.Schema {
	t := final
	t.Columns = append([]lake.Column(nil), final.Columns...)
	c := t.Columns[col]
	c.Type, c.NotNull, c.Default = lake.ArrayOf(c.Type), false, nil
	t.Columns[col] = c
	return t
}

// expand explodes a mapped batch (of the expanding target schema) into
// the final schema, plus SourceRowColumn.
func (e *Expansion) expand(b lake.Batch) (lake.Batch, error) {
	rec := b.Record
	list, ok := rec.Column(e.Column).(*array.List)
	if !ok {
		return b, fmt.Errorf("expanding column %s: not a list", e.Final.Columns[e.Column].Name)
	}
	elems := list.ListValues()
	// Pairs (source row, element index) in input order.
	var rows, picks []int
	for i := 0; i < int(rec.NumRows()); i++ {
		if list.IsNull(i) {
			continue
		}
		lo, hi := list.ValueOffsets(i)
		var self any
		if e.Source >= 0 {
			self = lake.ValueAt(rec.Column(e.Source), i)
		}
		var seen map[string]bool
		for k := int(lo); k < int(hi); k++ {
			v := lake.ValueAt(elems, k)
			if v == nil {
				continue
			}
			if e.SkipSelfLoops && self != nil && fmt.Sprint(v) == fmt.Sprint(self) {
				continue
			}
			if !e.KeepDuplicates {
				if seen == nil {
					seen = map[string]bool{}
				}
				key := fmt.Sprint(v)
				if seen[key] {
					continue
				}
				seen[key] = true
			}
			rows, picks = append(rows, i), append(picks, k)
		}
	}
	fields := append(e.Final.Arrow().Fields(), arrow.Field{Name: SourceRowColumn, Type: arrow.PrimitiveTypes.Int64})
	cols := make([]arrow.Array, len(fields))
	for c, col := range e.Final.Columns {
		bld := array.NewBuilder(memory.DefaultAllocator, col.Type.ArrowType())
		bld.Reserve(len(rows))
		for n, i := range rows {
			v := lake.ValueAt(rec.Column(c), i)
			if c == e.Column {
				v = lake.ValueAt(elems, picks[n])
			}
			if err := lake.AppendValue(bld, col.Type, v); err != nil {
				bld.Release()
				return b, fmt.Errorf("expanding column %s: %w", col.Name, err)
			}
		}
		cols[c] = bld.NewArray()
		bld.Release()
	}
	src := array.NewInt64Builder(memory.DefaultAllocator)
	for _, i := range rows {
		src.Append(int64(i))
	}
	cols[len(cols)-1] = src.NewArray()
	src.Release()
	out := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(len(rows)))
	return lake.Batch{Origin: b.Origin, Record: out}, nil
}

// expandAll expands the good rows of a mapped batch, split around the bad
// ones as Apply splits them.
func (m Mapping) expandAll(b lake.Batch, out arrow.RecordBatch, bad map[int]bool) ([]lake.Batch, []lake.RowError) {
	var good []lake.Batch
	var errs []lake.RowError
	start, n := 0, int(out.NumRows())
	for i := 0; i <= n; i++ {
		if i < n && !bad[i] {
			continue
		}
		if i > start {
			o := b.Origin
			o.FirstRow += int64(start)
			x, err := m.Expand.expand(lake.Batch{Origin: o, Record: out.NewSlice(int64(start), int64(i))})
			if err != nil {
				errs = append(errs, lake.RowError{Object: o.Object, ObjectIndex: o.ObjectIndex, RowGroup: o.RowGroup, Row: o.FirstRow, Reason: err.Error()})
			} else if x.Rows() > 0 {
				good = append(good, x)
			}
		}
		start = i + 1
	}
	sortErrors(errs)
	return good, errs
}
