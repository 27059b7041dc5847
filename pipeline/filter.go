package pipeline

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/store"
)

// An import filter (WITH filter, or partition_filter) is an expression
// over partition and data columns, written as in SQL: comparisons (= !=
// <> < <= > >=), IN (...), BETWEEN a AND b, with AND, OR, NOT and
// parentheses. The parser turns it into a filter.Expr, with each literal
// converted to its column's comparison domain.

// parseFilter parses an import filter over the given columns.
func parseFilter(src string, types map[string]lake.Type) (filter.Expr, error) {
	toks, err := lex(src)
	if err != nil {
		return filter.Expr{}, fmt.Errorf("filter: %w", err)
	}
	p := &parser{toks: toks, src: src}
	e, err := p.filterOr(types)
	if err != nil {
		return filter.Expr{}, fmt.Errorf("filter: %w", err)
	}
	if p.peek().kind != tEOF {
		return filter.Expr{}, fmt.Errorf("filter: %w", p.errorf("unexpected text"))
	}
	return e, nil
}

func (p *parser) filterOr(types map[string]lake.Type) (filter.Expr, error) {
	l, err := p.filterAnd(types)
	for err == nil && p.kw("OR") {
		var r filter.Expr
		r, err = p.filterAnd(types)
		l = filter.Or(l, r)
	}
	return l, err
}

func (p *parser) filterAnd(types map[string]lake.Type) (filter.Expr, error) {
	l, err := p.filterNot(types)
	for err == nil && p.kw("AND") {
		var r filter.Expr
		r, err = p.filterNot(types)
		l = filter.And(l, r)
	}
	return l, err
}

func (p *parser) filterNot(types map[string]lake.Type) (filter.Expr, error) {
	if p.kw("NOT") {
		e, err := p.filterNot(types)
		return filter.Not(e), err
	}
	if p.sym("(") {
		e, err := p.filterOr(types)
		if err != nil {
			return e, err
		}
		return e, p.expectSym(")")
	}
	return p.filterCmp(types)
}

func (p *parser) filterCmp(types map[string]lake.Type) (filter.Expr, error) {
	var none filter.Expr
	col, err := p.ident("a column")
	if err != nil {
		return none, err
	}
	var name string
	var typ lake.Type
	for n, t := range types {
		if strings.EqualFold(n, col) {
			name, typ = n, t
		}
	}
	if types == nil { // checking syntax only: any column, any literal
		name = col
	}
	if name == "" {
		cols := make([]string, 0, len(types))
		for n := range types {
			cols = append(cols, n)
		}
		sort.Strings(cols)
		return none, p.errorf("%q is not a column that a filter can use (%s)", col, strings.Join(cols, ", "))
	}
	lit := func() (filter.Value, error) {
		v, err := p.literal()
		if err != nil || types == nil {
			return filter.Value{D: filter.DomainText}, err
		}
		if fv, ok := filterLiteral(typ, v); ok {
			return fv, nil
		}
		return filter.Value{}, p.errorf("%v is not a %s value for %s", v, typ, name)
	}
	if p.kw("IS") {
		e := filter.Expr{Op: filter.OpCmp, Column: name, Cmp: "null", Negate: p.kw("NOT")}
		return e, p.expectKw("NULL")
	}
	if _, ok := filter.DomainOf(typ); types != nil && !ok && typ.Kind != lake.KindUUID && typ.Kind != lake.KindJSONB {
		return none, p.errorf("%s is %s: a filter can only ask whether it IS NULL", name, typ)
	}
	e := filter.Expr{Op: filter.OpCmp, Column: name, Negate: p.kw("NOT")}
	switch {
	case p.kw("LIKE"):
		e.Cmp = "like"
		t := p.advance()
		if t.kind != tString {
			return none, p.errorf("LIKE takes a quoted pattern")
		}
		if d, ok := filter.DomainOf(typ); types != nil && (!ok || d != filter.DomainText) && typ.Kind != lake.KindUUID && typ.Kind != lake.KindJSONB {
			return none, p.errorf("LIKE needs a text column; %s is %s", name, typ)
		}
		e.Values = []filter.Value{filter.Text(t.text)}
		return e, nil
	case p.kw("IN"):
		e.Cmp = "in"
		if err := p.expectSym("("); err != nil {
			return none, err
		}
		for {
			v, err := lit()
			if err != nil {
				return none, err
			}
			e.Values = append(e.Values, v)
			if !p.sym(",") {
				break
			}
		}
		return e, p.expectSym(")")
	case p.kw("BETWEEN"):
		e.Cmp = "between"
		lo, err := lit()
		if err != nil {
			return none, err
		}
		if err := p.expectKw("AND"); err != nil {
			return none, err
		}
		hi, err := lit()
		e.Values = []filter.Value{lo, hi}
		return e, err
	case e.Negate:
		return none, p.errorf("expected IN, BETWEEN or LIKE after NOT")
	}
	for _, op := range []string{"=", "!=", "<>", "<=", ">=", "<", ">"} {
		if p.sym(op) {
			e.Cmp = op
			if op == "<>" {
				e.Cmp = "!="
			}
			v, err := lit()
			e.Values = []filter.Value{v}
			return e, err
		}
	}
	return none, p.errorf("expected a comparison, IN, BETWEEN, LIKE or IS NULL")
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
		case string: // a partition value quoted: month = '03'
			if n, err := strconv.ParseInt(x, 10, 64); err == nil && t.Kind != lake.KindBoolean {
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
			tm, err := store.ParseTime(x)
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
