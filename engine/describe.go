package engine

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/lakelink/lakelink/lake"
)

// Description is what a statement will return, known before it runs: the
// columns of its rows (none for a statement that returns a message) and
// how many $n parameters it takes. The PostgreSQL extended protocol's
// Describe answers with it.
type Description struct {
	Columns []string
	Types   []lake.Type // the zero Type for a vector comparison's score
	Params  int
}

var paramRef = regexp.MustCompile(`\$([0-9]+)`)

// Describe describes one statement without running it: for a SELECT, the
// columns its rows will have (a table at the head, or a table function,
// which is opened); for SHOW, its column; for the others, none.
func (s *Session) Describe(ctx context.Context, statement string) (Description, error) {
	var d Description
	defer s.Store.Use()()
	for _, m := range paramRef.FindAllStringSubmatch(statement, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil && n > d.Params {
			d.Params = n
		}
	}
	stmts, err := Parse(statement)
	if err != nil {
		return d, err
	}
	if len(stmts) != 1 {
		if len(stmts) == 0 {
			return d, nil
		}
		return d, fmt.Errorf("a prepared statement is one statement; this text has %d", len(stmts))
	}
	switch q := stmts[0].(type) {
	case Values:
		d.Columns, d.Types = valuesColumns(q)
	case Explain:
		d.Columns, d.Types = []string{"QUERY PLAN"}, []lake.Type{lake.Text}
	case DescribeTable:
		r, err := s.describeTable(q.Name)
		d.Columns, d.Types = r.Columns, r.Types
		return d, err
	case Show:
		switch q.Name {
		case "all":
			d.Columns, d.Types = []string{"name", "setting"}, []lake.Type{lake.Text, lake.Text}
		case "tables":
			d.Columns, d.Types = TablesColumns, []lake.Type{lake.Text, lake.BigInt, lake.Text, lake.Text, lake.Text}
		default:
			d.Columns, d.Types = []string{q.Name}, []lake.Type{lake.Text}
		}
	case Select:
		if q.Count {
			d.Columns, d.Types = []string{"count"}, []lake.Type{lake.BigInt}
			return d, nil
		}
		schema, err := s.schemaOf(ctx, q)
		if err != nil {
			return d, err
		}
		if q.Aggregated() {
			r, err := s.aggregate(ctx, q, schema, nil, nil)
			d.Columns, d.Types = r.Columns, r.Types
			return d, err
		}
		out, err := s.outputsOf(q, schema, false)
		if err != nil {
			return d, err
		}
		for _, o := range out {
			t := lake.Type{} // a score: float8
			if !o.vector {
				t = schema.Columns[o.col].Type
			}
			d.Columns, d.Types = append(d.Columns, o.name), append(d.Types, t)
		}
	}
	return d, nil
}

// schemaOf is the schema a SELECT reads: its table's at the head (or its
// AT), or its table function's.
func (s *Session) schemaOf(ctx context.Context, q Select) (lake.Schema, error) {
	at := s.Store.Head()
	if s.At != 0 {
		at = s.At
	}
	call := q.Func
	if call == nil {
		if _, ok := lookupTableFunction(q.Table); ok {
			if _, err := s.Store.Table(q.Table, at); err != nil {
				call = &TableFunc{Name: q.Table}
			}
		}
	}
	if call != nil {
		_, rel, err := s.openRelation(ctx, *call, at)
		return rel.Schema, err
	}
	if q.At != nil {
		var err error
		if at, err = s.resolve(*q.At); err != nil {
			return lake.Schema{}, err
		}
	}
	ti, err := s.Store.Table(q.Table, at)
	return ti.Schema, err
}
