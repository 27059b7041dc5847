package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/tiering"
)

// Explain is EXPLAIN [ANALYZE] SELECT ...
type Explain = sql.Explain

// commitOf is the commit a SELECT reads: its AT (...), else the
// session's At, else the head.
func (s *Session) commitOf(q Select) (uint64, error) {
	if q.At != nil {
		return s.resolve(*q.At)
	}
	if s.At != 0 {
		return s.At, nil
	}
	return s.Store.Head(), nil
}

// explain runs the SELECT and says how it was answered, a line a row in
// one column, "QUERY PLAN", as psql shows PostgreSQL's: what it read and
// at which commit; how it found its rows (an index and which, a scan and
// why, the catalog's count, an aggregate); for a stored table, the hot
// rows and which cold files the WHERE clause's statistics admit; and the
// rows returned and the time taken. EXPLAIN always runs the query (as
// PostgreSQL's EXPLAIN ANALYZE does): lakelink chooses an index or a scan
// as it runs.
func (s *Session) explain(ctx context.Context, x Explain) (Result, error) {
	q := x.Query
	at, err := s.commitOf(q)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	res, err := s.selectRows(ctx, q)
	if err != nil {
		return Result{}, err
	}
	took := time.Since(start)
	var lines []string
	add := func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }
	virtual := q.Func != nil
	if !virtual {
		if _, ok := lookupTableFunction(q.Table); ok {
			if _, err := s.Store.Table(q.Table, at); err != nil {
				virtual = true
			}
		}
	}
	if virtual {
		name := q.Table
		if q.Func != nil {
			name = q.Func.String()
		}
		add("read: table function %s", name)
	} else {
		add("read: table %s at commit %d", q.Table, at)
	}
	switch {
	case res.Plan != "":
		add("access: %s", res.Plan)
	case q.Count && q.Where == nil && !virtual:
		add("access: count(*) from the catalog: the store's row count and the cold files' listed rows, no row read")
	case q.Where != nil:
		add("access: scan, with the WHERE clause on every row")
	default:
		add("access: scan")
	}
	if !virtual {
		tbl, err := tiering.Open(s.Store, q.Table, at)
		if err != nil {
			return Result{}, err
		}
		add("hot tier: the store's rows at commit %d", at)
		if len(tbl.Files) == 0 {
			add("cold tier: no cold files")
		} else {
			var prune *filter.Expr
			if q.Where != nil {
				ti, err := s.Store.Table(q.Table, at)
				if err != nil {
					return Result{}, err
				}
				if e, err := pipeline.WhereFilter(q.Where, ti.Schema); err == nil {
					prune = &e
				}
			}
			admitted := tbl.Prune(prune)
			var rows int64
			for _, f := range admitted {
				rows += f.Rows
			}
			add("cold tier: %d of %d file(s) (%d of %d rows) admitted by the WHERE clause's statistics; the others are not opened", len(admitted), len(tbl.Files), rows, tbl.ColdRows())
		}
	}
	add("rows: %d returned in %s", len(res.Rows), took.Round(time.Microsecond))
	out := Result{Columns: []string{"QUERY PLAN"}, Types: []lake.Type{lake.Text}}
	for _, l := range lines {
		out.Rows = append(out.Rows, []any{l})
	}
	return out, nil
}
