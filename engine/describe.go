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
		cols, types, err := s.describeSelect(ctx, q)
		d.Columns, d.Types = cols, types
		return d, err
	}
	return d, nil
}

// describeSelect is a SELECT's result columns and types, found without
// running it (its parameters are not bound yet).
func (s *Session) describeSelect(ctx context.Context, q Select) ([]string, []lake.Type, error) {
	if q.Count {
		return []string{"count"}, []lake.Type{lake.BigInt}, nil
	}
	if q.Sub != nil || q.Join != nil {
		return s.describeJoin(ctx, q)
	}
	schema, err := s.schemaOf(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	if q.Aggregated() {
		r, err := s.aggregate(ctx, q, schema, nil, nil)
		return r.Columns, r.Types, err
	}
	out, err := s.outputsOf(q, schema, false)
	if err != nil {
		return nil, nil, err
	}
	var cols []string
	var types []lake.Type
	for _, o := range out {
		t := lake.Type{} // a score: float8
		if !o.vector {
			t = schema.Columns[o.col].Type
		}
		cols, types = append(cols, o.name), append(types, t)
	}
	return cols, types, nil
}

// describeJoin is describeSelect for a subquery or a join: the left
// side's columns, the right table's, and the items among them.
func (s *Session) describeJoin(ctx context.Context, q Select) ([]string, []lake.Type, error) {
	var names []string
	var types []lake.Type
	var err error
	if q.Sub != nil {
		names, types, err = s.describeSelect(ctx, *q.Sub)
	} else {
		var schema lake.Schema
		schema, err = s.schemaOf(ctx, q)
		for _, c := range schema.Columns {
			names, types = append(names, c.Name), append(types, c.Type)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	var cols []joinColumn
	for i, n := range names {
		cols = append(cols, joinColumn{q.Alias, n, types[i]})
	}
	if j := q.Join; j != nil {
		at := s.Store.Head()
		if s.At != 0 {
			at = s.At
		}
		rt, err := s.Store.Table(j.Table, at)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range rt.Schema.Columns {
			cols = append(cols, joinColumn{j.Alias, c.Name, c.Type})
		}
	}
	var outNames []string
	var outTypes []lake.Type
	if q.Star {
		for _, c := range cols {
			outNames, outTypes = append(outNames, c.name), append(outTypes, c.typ)
		}
	}
	for _, it := range q.Items {
		i, err := findColumn(cols, it.Column)
		if err != nil {
			return nil, nil, err
		}
		name := cols[i].name
		if it.Alias != "" {
			name = it.Alias
		}
		outNames, outTypes = append(outNames, name), append(outTypes, cols[i].typ)
	}
	return outNames, outTypes, nil
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
