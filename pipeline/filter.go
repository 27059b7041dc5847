package pipeline

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/sql"
)

// A condition (WITH filter, or partition_filter, on an import; WHERE on
// SELECT and DELETE) is parsed by package sql, which checks its syntax;
// here it is typed against a table's columns into a filter.Expr, each
// literal converted to its column's comparison domain. A typing error
// names the place in the statement.

// parseFilter parses an import filter over the given columns.
func parseFilter(src string, types map[string]lake.Type) (filter.Expr, error) {
	e, err := sql.ParseExpr(src)
	if err == nil {
		var fe filter.Expr
		if fe, err = bindExpr(src, e, types); err == nil {
			return fe, nil
		}
	}
	return filter.Expr{}, fmt.Errorf("filter: %w", err)
}

// WhereFilter types a WHERE against a table's schema.
func WhereFilter(w *sql.Where, s lake.Schema) (filter.Expr, error) {
	types := map[string]lake.Type{}
	for _, c := range s.Columns {
		types[c.Name] = c.Type
	}
	return bindExpr(w.Src, w.Expr, types)
}

// bindExpr types e, written in src, against columns of the given types.
func bindExpr(src string, e sql.Expr, types map[string]lake.Type) (filter.Expr, error) {
	var none filter.Expr
	switch x := e.(type) {
	case sql.Logical:
		l, err := bindExpr(src, x.L, types)
		if err != nil {
			return none, err
		}
		r, err := bindExpr(src, x.R, types)
		if err != nil {
			return none, err
		}
		if x.Op == "AND" {
			return filter.And(l, r), nil
		}
		return filter.Or(l, r), nil
	case sql.Not:
		inner, err := bindExpr(src, x.X, types)
		return filter.Not(inner), err
	case sql.Compare:
		return bindCompare(src, x, types)
	}
	return none, fmt.Errorf("unknown condition %T", e)
}

func bindCompare(src string, c sql.Compare, types map[string]lake.Type) (filter.Expr, error) {
	var none filter.Expr
	var name string
	var typ lake.Type
	for n, t := range types {
		if strings.EqualFold(n, c.Column) {
			name, typ = n, t
		}
	}
	if name == "" {
		cols := make([]string, 0, len(types))
		for n := range types {
			cols = append(cols, n)
		}
		sort.Strings(cols)
		return none, sql.ErrorAt(src, c.Pos, fmt.Errorf("%q is not a column that a filter can use (%s)", c.Column, strings.Join(cols, ", ")))
	}
	e := filter.Expr{Op: filter.OpCmp, Column: name, Cmp: c.Op, Negate: c.Negate}
	if c.Op == "null" {
		return e, nil
	}
	if _, ok := filter.DomainOf(typ); !ok && typ.Kind != lake.KindUUID && typ.Kind != lake.KindJSONB {
		return none, sql.ErrorAt(src, c.Pos, fmt.Errorf("%s is %s: a filter can only ask whether it IS NULL", name, typ))
	}
	if c.Op == "like" {
		if d, ok := filter.DomainOf(typ); (!ok || d != filter.DomainText) && typ.Kind != lake.KindUUID && typ.Kind != lake.KindJSONB {
			return none, sql.ErrorAt(src, c.Pos, fmt.Errorf("LIKE needs a text column; %s is %s", name, typ))
		}
		pattern, ok := c.Values[0].Value.(string)
		if !ok {
			return none, sql.ErrorAt(src, c.Values[0].Pos, fmt.Errorf("LIKE takes a quoted pattern"))
		}
		e.Values = []filter.Value{filter.Text(pattern)}
		return e, nil
	}
	for _, v := range c.Values {
		if f, isFloat := v.Value.(float64); isFloat && (typ.Kind == lake.KindSmallInt || typ.Kind == lake.KindInt || typ.Kind == lake.KindBigInt) &&
			f == math.Trunc(f) && math.Abs(f) >= 0x1p63 {
			// A whole number the parser could not hold as an int64 is out
			// of every integer column's range, not a float to round.
			return none, sql.ErrorAt(src, v.Pos, fmt.Errorf("the number is out of range for %s (column %s)", typ, name))
		}
		fv, ok := filterLiteral(typ, v.Value)
		if !ok {
			return none, sql.ErrorAt(src, v.Pos, fmt.Errorf("%v is not a %s value for %s", v.Value, typ, name))
		}
		e.Values = append(e.Values, fv)
	}
	return e, nil
}

// filterLiteral converts a literal to the comparison domain of a column
// of type t; a number compares with integer and float columns alike.
func filterLiteral(t lake.Type, v any) (filter.Value, bool) {
	switch t.Kind {
	case lake.KindUUID: // compared as canonical text
		x, ok := v.(string)
		u, err := uuid.Parse(x)
		return filter.Text(u.String()), ok && err == nil
	case lake.KindJSONB:
		x, ok := v.(string)
		return filter.Text(x), ok
	}
	d, ok := filter.DomainOf(t)
	if !ok || v == nil {
		return filter.Value{}, false
	}
	switch d {
	case filter.DomainInt, filter.DomainFloat:
		switch x := v.(type) {
		case int64:
			return filter.Int(x), t.Kind != lake.KindBoolean
		case float64:
			return filter.Float(x), t.Kind != lake.KindBoolean
		case bool:
			return filter.Bool(x), t.Kind == lake.KindBoolean
		case string: // a partition value quoted: month = '03'; a driver's parameter
			if t.Kind == lake.KindBoolean {
				b, err := strconv.ParseBool(x)
				return filter.Bool(b), err == nil
			}
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return filter.Int(n), true
			}
			if f, err := strconv.ParseFloat(x, 64); err == nil && d == filter.DomainFloat {
				return filter.Float(f), true
			}
		}
	case filter.DomainText:
		if x, ok := v.(string); ok {
			return filter.Text(x), true
		}
	case filter.DomainTime:
		if x, ok := v.(string); ok {
			tm, err := lake.ParseTime(x)
			if err != nil {
				return filter.Value{}, false
			}
			if t.Kind == lake.KindDate {
				tm = tm.Truncate(24 * time.Hour)
			}
			return filter.Time(tm), true
		}
	}
	return filter.Value{}, false
}
