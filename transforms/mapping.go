package transforms

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/lakelink/lakelink/lake"
)

// ColumnMap is one entry of MAP COLUMNS: source => target[::Cast].
type ColumnMap struct {
	Source string     `json:"source"`
	Target string     `json:"target"`
	Cast   *lake.Type `json:"cast,omitempty"`
}

// Mapping turns batches of a source schema into batches of a table schema.
// It is plain data, so a Beam DoFn can carry it to workers.
type Mapping struct {
	Target lake.Schema `json:"target"`
	// For each target column: the source column that feeds it ("" for NULL)
	// and that column's type in the source.
	From     []string    `json:"from"`
	FromType []lake.Type `json:"from_type"`
	// Expand, when set, explodes an adjacency-list column into one row
	// per element after mapping (Target is then ExpandingTarget).
	Expand *Expansion `json:"expand,omitempty"`
}

// SourceColumns are the source columns the mapping reads, in order; a reader
// needs only these.
func (m Mapping) SourceColumns() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range m.From {
		if f != "" && !seen[strings.ToLower(f)] {
			seen[strings.ToLower(f)] = true
			out = append(out, f)
		}
	}
	return out
}

// PlanMapping checks a mapping from source to target and returns it. With
// no maps, target columns take the same-named source column (or NULL). With
// maps, only mapped target columns are fed. Unknown columns, duplicate
// targets, casts that disagree with the target type, a NOT NULL column left
// unfed and impossible casts are errors.
func PlanMapping(source, target lake.Schema, maps []ColumnMap) (Mapping, error) {
	return planMapping(source, target, maps, false)
}

// PlanPartialMapping is PlanMapping for an update of existing rows: a NOT
// NULL column may go unfed, because it keeps its stored value.
func PlanPartialMapping(source, target lake.Schema, maps []ColumnMap) (Mapping, error) {
	return planMapping(source, target, maps, true)
}

// Fed lists the target columns that a source column feeds.
func (m Mapping) Fed() []int {
	var out []int
	for ti, f := range m.From {
		if f != "" {
			out = append(out, ti)
		}
	}
	return out
}

func planMapping(source, target lake.Schema, maps []ColumnMap, partial bool) (Mapping, error) {
	m := Mapping{Target: target, From: make([]string, len(target.Columns)), FromType: make([]lake.Type, len(target.Columns))}
	set := func(ti int, src string) error {
		si := source.Index(src)
		if si < 0 {
			return fmt.Errorf("source has no column %q (it has %s)", src, names(source))
		}
		m.From[ti], m.FromType[ti] = source.Columns[si].Name, source.Columns[si].Type
		return nil
	}
	if len(maps) == 0 {
		for ti, c := range target.Columns {
			if source.Index(c.Name) >= 0 {
				_ = set(ti, c.Name)
			}
		}
	}
	for _, cm := range maps {
		ti := target.Index(cm.Target)
		if ti < 0 {
			return m, fmt.Errorf("MAP COLUMNS: table has no column %q (it has %s)", cm.Target, names(target))
		}
		if m.From[ti] != "" {
			return m, fmt.Errorf("MAP COLUMNS: column %q is mapped twice", cm.Target)
		}
		if cm.Cast != nil && !cm.Cast.Equal(target.Columns[ti].Type) {
			return m, fmt.Errorf("MAP COLUMNS: %s => %s::%s, but column %q is %s", cm.Source, cm.Target, cm.Cast, cm.Target, target.Columns[ti].Type)
		}
		if err := set(ti, cm.Source); err != nil {
			return m, fmt.Errorf("MAP COLUMNS: %w", err)
		}
	}
	fed := 0
	for ti, c := range target.Columns {
		if m.From[ti] == "" {
			if c.NotNull && !partial && c.Default == nil {
				return m, fmt.Errorf("column %q is NOT NULL but no source column feeds it", c.Name)
			}
			continue
		}
		fed++
		if !CanCast(m.FromType[ti], c.Type) {
			return m, fmt.Errorf("cannot cast source column %q (%s) to %s for column %q", m.From[ti], m.FromType[ti], c.Type, c.Name)
		}
	}
	if fed == 0 {
		return m, fmt.Errorf("no source column matches a column of the table (source has %s, table has %s)", names(source), names(target))
	}
	return m, nil
}

func names(s lake.Schema) string {
	n := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		n[i] = c.Name
	}
	return strings.Join(n, ", ")
}

// Apply maps one batch. Rows that a cast rejects are left out and returned
// as row errors; the good rows come back as one or more batches (split
// around the bad rows, each with its own origin), in input order.
func (m Mapping) Apply(b lake.Batch) ([]lake.Batch, []lake.RowError) {
	rec := b.Record
	n := b.Rows()
	bad := map[int]bool{}
	var errs []lake.RowError
	cols := make([]arrow.Array, len(m.Target.Columns))
	for ti, tc := range m.Target.Columns {
		if m.From[ti] == "" {
			cols[ti] = unfed(tc, n)
			continue
		}
		si := rec.Schema().FieldIndices(m.From[ti])
		if len(si) == 0 {
			errs = append(errs, lake.RowError{Object: b.Origin.Object, ObjectIndex: b.Origin.ObjectIndex, RowGroup: b.Origin.RowGroup, Row: b.Origin.FirstRow, Column: m.From[ti], Reason: "column missing from this object"})
			return nil, errs
		}
		_, binary := rec.Schema().Field(si[0]).Metadata.GetValue(lake.BinaryMetaKey)
		arr, rowErrs := castArray(rec.Column(si[0]), m.FromType[ti], tc.Type, binary)
		cols[ti] = arr
		if tc.Type.Kind == lake.KindVector {
			rowErrs = append(rowErrs, nonFinite(arr)...)
		}
		for _, re := range rowErrs {
			if tc.NotNull && re.reason == "" {
				continue
			}
			bad[re.row] = true
			errs = append(errs, lake.RowError{
				Object: b.Origin.Object, ObjectIndex: b.Origin.ObjectIndex, RowGroup: b.Origin.RowGroup,
				Row: b.Origin.FirstRow + int64(re.row), Column: m.From[ti], Value: lake.Truncate(re.value), Reason: re.reason,
			})
		}
		if tc.NotNull {
			for i := 0; i < n; i++ {
				if arr.IsNull(i) && !bad[i] {
					bad[i] = true
					errs = append(errs, lake.RowError{Object: b.Origin.Object, ObjectIndex: b.Origin.ObjectIndex, RowGroup: b.Origin.RowGroup,
						Row: b.Origin.FirstRow + int64(i), Column: m.From[ti], Value: "NULL", Reason: fmt.Sprintf("NULL in NOT NULL column %q", tc.Name)})
				}
			}
		}
	}
	out := array.NewRecordBatch(m.Target.Arrow(), cols, int64(n))
	if m.Expand != nil {
		good, more := m.expandAll(b, out, bad)
		errs = append(errs, more...)
		sortErrors(errs)
		return good, errs
	}
	if len(bad) == 0 {
		return []lake.Batch{{Origin: b.Origin, Record: out}}, nil
	}
	sortErrors(errs)
	var good []lake.Batch
	start := 0
	for i := 0; i <= n; i++ {
		if i == n || bad[i] {
			if i > start {
				o := b.Origin
				o.FirstRow += int64(start)
				good = append(good, lake.Batch{Origin: o, Record: out.NewSlice(int64(start), int64(i))})
			}
			start = i + 1
		}
	}
	return good, errs
}

func sortErrors(errs []lake.RowError) {
	// Insertion sort: errors are few and nearly ordered.
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Row < errs[j-1].Row; j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

// unfed is the column of n rows that a target column no source feeds
// gets: its default, or NULLs.
func unfed(c lake.Column, n int) arrow.Array {
	if c.Default != nil {
		if v, err := lake.ParseDefault(c.Type, *c.Default); err == nil {
			b := array.NewBuilder(memory.DefaultAllocator, c.Type.ArrowType())
			defer b.Release()
			b.Reserve(n)
			for i := 0; i < n; i++ {
				if lake.AppendValue(b, c.Type, v) != nil {
					break
				}
			}
			if b.Len() == n {
				return b.NewArray()
			}
		}
	}
	return array.MakeArrayOfNull(memory.DefaultAllocator, c.Type.ArrowType(), n)
}
