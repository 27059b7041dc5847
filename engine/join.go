package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// A SELECT over a subquery, or with one JOIN: the left side (a subquery,
// which may be a vector search, or a table) is answered first; a JOIN
// then finds each left row's partners in the right table: by key
// lookups when ON names the right table's primary key (a search result
// joined with its metadata reads only the rows it needs, in both tiers),
// else from a hash table built over one scan of the right table. The
// outer WHERE, the items, ORDER BY, OFFSET and LIMIT then work on the
// joined rows, whose columns are named alias.column (or column alone
// where only one side has it).

// joinColumn is a column of a joined row.
type joinColumn struct {
	side, name string // the side's alias, and the column's own name
	typ        lake.Type
}

func (c joinColumn) qualified() string { return c.side + "." + c.name }

// findColumn resolves a name, qualified (d.id) or not (id, when only one
// side has it), to its index.
func findColumn(cols []joinColumn, name string) (int, error) {
	found := -1
	for i, c := range cols {
		if strings.EqualFold(c.qualified(), name) || !strings.Contains(name, ".") && strings.EqualFold(c.name, name) {
			if found >= 0 {
				return -1, fmt.Errorf("%s is ambiguous: say %s or %s", name, cols[found].qualified(), c.qualified())
			}
			found = i
		}
	}
	if found < 0 {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.qualified()
		}
		return -1, fmt.Errorf("no column %s (%s)", name, strings.Join(names, ", "))
	}
	return found, nil
}

func (s *Session) joinRows(ctx context.Context, q Select) (Result, error) {
	if q.Aggregated() {
		return Result{}, errors.New("GROUP BY and aggregates over a subquery or a join are not supported yet: aggregate inside the subquery")
	}
	// The left side.
	var left Result
	var err error
	if q.Sub != nil {
		left, err = s.selectRows(ctx, *q.Sub)
	} else {
		left, err = s.selectRows(ctx, Select{Table: q.Table, Func: q.Func, At: q.At, Star: true, Limit: -1, Src: q.Src})
	}
	if err != nil {
		return Result{}, err
	}
	var cols []joinColumn
	for i, c := range left.Columns {
		cols = append(cols, joinColumn{q.Alias, c, left.Types[i]})
	}
	rows := left.Rows
	plan := "subquery"
	if q.Join != nil {
		if rows, cols, plan, err = s.join(ctx, q, rows, cols); err != nil {
			return Result{}, err
		}
	}
	// The outer WHERE, on the joined rows.
	if q.Where != nil {
		var schema lake.Schema
		for _, c := range cols {
			schema.Columns = append(schema.Columns, lake.Column{Name: c.qualified(), Type: c.typ})
		}
		var resolveErr error
		w := &sql.Where{Src: q.Where.Src, Expr: renameCompares(q.Where.Expr, func(name string) string {
			i, err := findColumn(cols, name)
			if err != nil {
				resolveErr = err
				return name
			}
			return cols[i].qualified()
		})}
		if resolveErr != nil {
			return Result{}, resolveErr
		}
		keep, err := rowFilter(w, schema)
		if err != nil {
			return Result{}, err
		}
		kept := rows[:0:0]
		for _, r := range rows {
			if keep(r) {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	// The items.
	var pick []int
	res := Result{Plan: plan}
	if q.Star {
		for i, c := range cols {
			pick = append(pick, i)
			res.Columns, res.Types = append(res.Columns, c.name), append(res.Types, c.typ)
		}
	}
	for _, it := range q.Items {
		if it.Vector != nil {
			return Result{}, sql.ErrorAt(q.Src, it.Pos, errors.New("compare vectors inside the subquery: SELECT ... FROM (SELECT ..., embedding <=> $1 AS d ...) s JOIN ..."))
		}
		i, err := findColumn(cols, it.Column)
		if err != nil {
			return Result{}, sql.ErrorAt(q.Src, it.Pos, err)
		}
		name := cols[i].name
		if it.Alias != "" {
			name = it.Alias
		}
		pick = append(pick, i)
		res.Columns, res.Types = append(res.Columns, name), append(res.Types, cols[i].typ)
	}
	// ORDER BY, OFFSET, LIMIT.
	if terms := orderTerms(q); terms != nil {
		var sortCols []int
		for _, o := range terms {
			if o.Vector != nil {
				return Result{}, errors.New("ORDER BY a vector comparison over a join: order inside the subquery, or by its distance column")
			}
			col := -1
			switch {
			case o.Ordinal > 0:
				if o.Ordinal > len(pick) {
					return Result{}, fmt.Errorf("ORDER BY %d: the SELECT has %d column(s)", o.Ordinal, len(pick))
				}
				col = pick[o.Ordinal-1]
			default:
				for k, name := range res.Columns { // a result column's name, as PostgreSQL looks first
					if strings.EqualFold(name, o.Name) && col < 0 {
						col = pick[k]
					}
				}
				if col < 0 {
					if col, err = findColumn(cols, o.Name); err != nil {
						return Result{}, err
					}
				}
			}
			sortCols = append(sortCols, col)
		}
		rows = sortByColumns(rows, sortCols, terms)
	}
	rows = page(rows, q)
	for _, r := range rows {
		out := make([]any, len(pick))
		for i, p := range pick {
			out[i] = r[p]
		}
		res.Rows = append(res.Rows, out)
	}
	return res, nil
}

// join finds each left row's partners in the JOIN's table and returns the
// joined rows and their columns.
func (s *Session) join(ctx context.Context, q Select, rows [][]any, cols []joinColumn) ([][]any, []joinColumn, string, error) {
	j := q.Join
	at, err := s.commitOf(q)
	if err != nil {
		return nil, nil, "", err
	}
	rt, err := s.Store.Table(j.Table, at)
	if err != nil {
		return nil, nil, "", err
	}
	right := make([]joinColumn, len(rt.Schema.Columns))
	for i, c := range rt.Schema.Columns {
		right[i] = joinColumn{j.Alias, c.Name, c.Type}
	}
	all := append(append([]joinColumn{}, cols...), right...)
	// ON: one column of each side.
	a, err := findColumn(all, j.On[0])
	if err != nil {
		return nil, nil, "", sql.ErrorAt(q.Src, j.OnPos, err)
	}
	b, err := findColumn(all, j.On[1])
	if err != nil {
		return nil, nil, "", sql.ErrorAt(q.Src, j.OnPos, err)
	}
	if a >= len(cols) {
		a, b = b, a
	}
	if a >= len(cols) || b < len(cols) {
		return nil, nil, "", sql.ErrorAt(q.Src, j.OnPos, fmt.Errorf("ON compares a column of each side: %s = %s", j.On[0], j.On[1]))
	}
	b -= len(cols)
	keyType := rt.Schema.Columns[b].Type
	tbl, err := tiering.Open(s.Store, rt.Name, at)
	if err != nil {
		return nil, nil, "", err
	}
	var out [][]any
	emit := func(l []any, r store.Row) {
		row := make([]any, 0, len(all))
		row = append(row, l...)
		if r == nil {
			row = append(row, make([]any, len(right))...)
		} else {
			row = append(row, r...)
		}
		out = append(out, row)
	}
	pk := rt.Schema.PKIndexes()
	if len(pk) == 1 && pk[0] == b {
		// Key lookups: the rows a search found, and nothing else.
		for _, l := range rows {
			if err := ctx.Err(); err != nil {
				return nil, nil, "", err
			}
			var r store.Row
			if l[a] != nil {
				if v, err := store.Coerce(keyType, l[a]); err == nil {
					if r, err = tbl.Get(ctx, v); err != nil && !errors.Is(err, store.ErrNotFound) {
						return nil, nil, "", err
					}
				}
			}
			if r != nil || j.Left {
				emit(l, r)
			}
		}
		return out, all, fmt.Sprintf("join: %d key lookup(s) in %s by its primary key", len(rows), rt.Name), nil
	}
	// A hash table over one scan of the right table.
	byKey := map[string][]store.Row{}
	var scanned int64
	err = tbl.Scan(ctx, nil, func(r store.Row) error {
		if scanned++; scanned%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if r[b] != nil {
			k := fmt.Sprint(r[b])
			byKey[k] = append(byKey[k], r)
		}
		return nil
	})
	if err != nil {
		return nil, nil, "", err
	}
	for _, l := range rows {
		var matches []store.Row
		if l[a] != nil {
			if v, err := store.Coerce(keyType, l[a]); err == nil {
				matches = byKey[fmt.Sprint(v)]
			}
		}
		for _, r := range matches {
			emit(l, r)
		}
		if len(matches) == 0 && j.Left {
			emit(l, nil)
		}
	}
	return out, all, fmt.Sprintf("join: a hash table over %d row(s) of %s", scanned, rt.Name), nil
}
