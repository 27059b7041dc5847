package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/store"
)

// indexFor returns the table's index that answers ORDER BY e in that
// direction: on its column, with a metric whose nearest-first order is
// the requested one; or, when there is none, the plan that says why.
func indexFor(t store.TableInfo, e *VectorExpr, desc bool) (store.IndexDef, string) {
	var others []string
	for _, d := range t.Indexes {
		if indexes.Structured(d.Type) && strings.EqualFold(d.Column, e.Column) {
			others = append(others, fmt.Sprintf("%s is %s", d.Name, d.Metric))
		}
	}
	if len(others) == 0 {
		return store.IndexDef{}, "scan"
	}
	metric, ok := nearestFirst(e, desc)
	if !ok {
		return store.IndexDef{}, "scan: an index finds nearest first, and this orders farthest first"
	}
	for _, d := range t.Indexes {
		if indexes.Structured(d.Type) && d.Metric == metric && strings.EqualFold(d.Column, e.Column) {
			return d, ""
		}
	}
	return store.IndexDef{}, fmt.Sprintf("scan: no %s index on %s (%s)", metric, e.Column, strings.Join(others, ", "))
}

// nearestFirst is the index metric whose nearest-first order is the
// comparison's order; false when it orders farthest first.
func nearestFirst(e *VectorExpr, desc bool) (string, bool) {
	switch {
	case e.Func == "cosine_distance" && !desc, e.Func == "cosine_similarity" && desc:
		return "cosine", true
	case e.Func == "l2_distance" && !desc:
		return "l2", true
	case e.Func == "negative_inner_product" && !desc, e.Func == "inner_product" && desc:
		return "ip", true
	}
	return "", false
}

// createIndex declares an index and builds it over the table's rows, in
// one commit.
func (s *Session) createIndex(ctx context.Context, ci CreateIndex) (Result, error) {
	return s.inCommit("CREATE INDEX ON "+ci.Table, func(c *store.Commit) (Result, error) { return createIndexIn(ctx, c, ci) })
}

func createIndexIn(ctx context.Context, c *store.Commit, ci CreateIndex) (Result, error) {
	ti, err := c.Table(ci.Table)
	if err != nil {
		return Result{}, err
	}
	if ci.IfNotExists {
		name := ci.Name
		if i := ti.Schema.Index(ci.Column); name == "" && i >= 0 {
			name = indexes.DefaultName(ti.Name, ti.Schema.Columns[i].Name)
		}
		if d, ok := ti.Index(name); ok {
			return Result{Message: fmt.Sprintf("index %s exists on %s (%s, %s); nothing done (IF NOT EXISTS)", d.Name, ti.Name, d.Type, d.Column),
				Fields: []Field{{"index", d.Name}, {"table", ti.Name}}, unchanged: true}, nil
		}
	}
	d, err := indexes.NewDef(ti, ci.Name, ci.Column, ci.Type, ci.Metric, indexes.Prefixed(ci.Type, ci.Options))
	if err != nil {
		return Result{}, fmt.Errorf("CREATE INDEX: %w", err)
	}
	if ti, err = c.SetIndexes(ti.Name, append(append([]store.IndexDef(nil), ti.Indexes...), d)); err != nil {
		return Result{}, err
	}
	if _, err := indexes.Commit(ctx, nil, c, ti, []store.IndexDef{d}, nil); err != nil {
		return Result{}, fmt.Errorf("CREATE INDEX %s: %w", d.Name, err)
	}
	return Result{Message: fmt.Sprintf("CREATE INDEX %s ON %s USING %s (%s) WITH (%s)", d.Name, ti.Name, d.Type, d.Column, indexes.WithClause(d)),
		Fields: []Field{{"index", d.Name}, {"table", ti.Name}}}, nil
}

// dropIndex removes an index and its segments in one commit; earlier
// commits keep them.
func (s *Session) dropIndex(di DropIndex) (Result, error) {
	tables, err := s.Store.Tables(s.Store.Head())
	if err != nil {
		return Result{}, err
	}
	for _, t := range tables {
		d, found := t.Index(di.Name)
		if !found {
			continue
		}
		return s.inCommit("DROP INDEX "+d.Name, func(c *store.Commit) (Result, error) {
			var rest []store.IndexDef
			for _, x := range t.Indexes {
				if x.Name != d.Name {
					rest = append(rest, x)
				}
			}
			if _, err := c.SetIndexes(t.Name, rest); err != nil {
				return Result{}, err
			}
			return Result{Message: "DROP INDEX " + d.Name, Fields: []Field{{"index", d.Name}, {"table", t.Name}}}, c.DropIndexSegments(t, d.Name)
		})
	}
	if di.IfExists {
		return Result{Message: fmt.Sprintf("index %s does not exist", di.Name)}, nil
	}
	return Result{}, fmt.Errorf("index %q does not exist", di.Name)
}

// Compact merges the segments of every index of a table into one, in one
// commit (`lakelink compact TABLE`; imports also compact past maxSegments).
func (s *Session) Compact(ctx context.Context, table string) (Result, error) {
	res, err := s.inCommit("COMPACT "+table, func(c *store.Commit) (Result, error) {
		ti, err := c.Table(table)
		if err != nil {
			return Result{}, err
		}
		_, err = indexes.Compact(ctx, nil, c, ti)
		return Result{Message: fmt.Sprintf("compacted %d index(es) of %s", len(ti.Indexes), ti.Name)}, err
	})
	if err != nil {
		return Result{}, fmt.Errorf("compact %s: %w", table, err)
	}
	return res, nil
}
