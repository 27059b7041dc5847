package indexes

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops"
)

// DefaultName is the name of an index that CREATE INDEX or build_indexes
// declares without one: TABLE_COLUMN_idx, lower case, a graph table's dot
// as an underscore.
func DefaultName(table, column string) string {
	return strings.ToLower(strings.ReplaceAll(table, ".", "_") + "_" + column + "_idx")
}

// NewDef checks an index declaration against the table.
func NewDef(t store.TableInfo, name, column, typ, metric string, opts map[string]int) (store.IndexDef, error) {
	i := t.Schema.Index(column)
	if i < 0 {
		return store.IndexDef{}, fmt.Errorf("table %s has no column %q", t.Name, column)
	}
	col := t.Schema.Columns[i]
	if col.Type.Kind != lake.KindVector {
		return store.IndexDef{}, fmt.Errorf("index on %s: column %s is %s; vector indexes need a VECTOR column", t.Name, col.Name, col.Type)
	}
	typ, metric, err := Check(typ, metric, opts)
	if err != nil {
		return store.IndexDef{}, err
	}
	if name == "" {
		name = DefaultName(t.Name, col.Name)
	}
	if !lake.ValidName(name) {
		return store.IndexDef{}, fmt.Errorf("invalid index name %q", name)
	}
	if _, dup := t.Index(name); dup {
		return store.IndexDef{}, fmt.Errorf("table %s already has an index %s", t.Name, name)
	}
	return store.IndexDef{Name: name, Column: col.Name, Type: typ, Metric: metric, Options: opts}, nil
}

// StagedParts returns the parts that the workers built for index d over
// the rows of this commit, resolved for it; ok is false when they built
// none for d as it is declared now, and the commit builds them itself.
type StagedParts func(d store.IndexDef) (parts [][]byte, ok bool, err error)

// Commit stores, for every structured index of the table, a segment
// over the rows that the commit wrote (from the workers' parts when staged
// has them), or over all rows for the indexes in fresh (declared by this
// commit). A commit that writes rows of an indexed table calls it before
// Finish. It reports, per index, the parts stored and who built them.
//
// ctx ends the builds it makes itself; counts, when not nil (an import's
// job), follows them.
func Commit(ctx context.Context, counts *progress.Counters, c *store.Commit, t store.TableInfo, fresh []store.IndexDef, staged StagedParts) ([]Built, error) {
	var out []Built
	var v *store.View
	defer func() {
		if v != nil {
			v.Close()
		}
	}()
	for _, d := range t.Indexes {
		if !Structured(d.Type) {
			continue
		}
		own := !slices.ContainsFunc(fresh, func(f store.IndexDef) bool { return f.Name == d.Name })
		var parts [][]byte
		built := false
		if own && staged != nil {
			var err error
			if parts, built, err = staged(d); err != nil {
				return nil, err
			}
		}
		if !built {
			if v == nil {
				var err error
				if v, err = c.View(); err != nil {
					return nil, err
				}
			}
			var err error
			parts, err = buildParts(ctx, counts, d, t.Schema, func(fn func(pk, value []byte, version uint64) error) error {
				return v.Rows(t, own, fn)
			})
			if err != nil {
				return nil, err
			}
		}
		out = append(out, Built{Index: d.Name, Parts: len(parts), ByWorkers: built})
		if len(parts) > 0 {
			if err := c.PutIndexSegment(t, d.Name, EncodeSegment(parts)); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Built says how a commit indexed its rows: the parts it stored for
// an index, and whether the import's workers built them.
type Built struct {
	Index     string
	Parts     int
	ByWorkers bool
}

// buildParts indexes the vector column of the rows that rows yields, in
// parts of at most SegmentRows rows.
func buildParts(ctx context.Context, counts *progress.Counters, d store.IndexDef, schema lake.Schema, rows func(fn func(pk, value []byte, version uint64) error) error) ([][]byte, error) {
	b, err := NewBuilder(d, schema)
	if err != nil {
		return nil, err
	}
	if counts == nil {
		counts = &progress.Counters{}
	}
	limit := SegmentRows(d, schema.Columns[schema.Index(d.Column)].Type.Dim, 0)
	var parts [][]byte
	flush := func() error {
		counts.IndexTotal.Add(int64(b.Len()))
		part, err := b.BuildWith(vectorops.Build{Ctx: ctx, Done: &counts.IndexDone})
		if part != nil {
			parts = append(parts, part)
		}
		return err
	}
	err = rows(func(pk, value []byte, version uint64) error {
		if _, err := b.AddRow(pk, value, version); err != nil {
			return err
		}
		if b.Len() >= limit {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return parts, err
}

// MaxSegments is how many segments an index may have before the commit
// that would add one more compacts it instead: one segment over all rows
// replaces them, so searches stay one graph walk per few imports.
const MaxSegments = 8

// Compact replaces the segments of every structured index of the
// table by one over its current rows, in commit c (which has written its
// own rows, if any).
func Compact(ctx context.Context, counts *progress.Counters, c *store.Commit, t store.TableInfo) ([]Built, error) {
	var fresh []store.IndexDef
	for _, d := range t.Indexes {
		if !Structured(d.Type) {
			continue
		}
		if err := c.DropIndexSegments(t, d.Name); err != nil {
			return nil, err
		}
		fresh = append(fresh, d)
	}
	return Commit(ctx, counts, c, t, fresh, nil)
}
