package sql

import (
	"strings"
)

// A condition (SELECT's and DELETE's WHERE, an import's filter option) is
// written as in SQL: comparisons (= != <> < <= > >=), IN (...), BETWEEN a
// AND b, LIKE 'pattern', IS [NOT] NULL, with AND, OR, NOT and parentheses.
// The parser checks its syntax only; the engine types it against a
// table's columns.

// Expr is a condition.
type Expr interface {
	String() string
	expr()
}

// Logical is L AND R, or L OR R.
type Logical struct {
	Op   string // "AND" or "OR"
	L, R Expr
}

// Not is NOT X.
type Not struct{ X Expr }

// Compare is one comparison of a column: Column Op Values.
type Compare struct {
	Column string
	Pos    int // where the column is named
	// Op is =, !=, <, <=, >, >=, "in", "between" (two values), "like"
	// (one text value) or "null" (no values).
	Op     string
	Negate bool // NOT IN, NOT BETWEEN, NOT LIKE, IS NOT NULL
	Values []Literal
}

func (Logical) expr() {}
func (Not) expr()     {}
func (Compare) expr() {}

func (e Logical) String() string { return "(" + e.L.String() + " " + e.Op + " " + e.R.String() + ")" }
func (e Not) String() string     { return "NOT " + e.X.String() }

func (e Compare) String() string {
	col, not := Ident(e.Column), ifWord(e.Negate, "NOT ")
	if strings.HasSuffix(e.Column, ")") {
		col = e.Column // an aggregate, as written: count(*)
	}
	vals := make([]string, len(e.Values))
	for i, v := range e.Values {
		vals[i] = Value(v.Value)
	}
	switch e.Op {
	case "null":
		return col + " IS " + not + "NULL"
	case "like":
		return col + " " + not + "LIKE " + vals[0]
	case "in":
		return col + " " + not + "IN (" + strings.Join(vals, ", ") + ")"
	case "between":
		return col + " " + not + "BETWEEN " + vals[0] + " AND " + vals[1]
	}
	return col + " " + e.Op + " " + vals[0]
}

// Where is a WHERE condition, with the script it was written in, so that
// the engine can place a typing error (an unknown column, a value of the
// wrong type) in it.
type Where struct {
	Expr Expr
	Src  string
}

// ParseExpr parses a condition on its own, as an import's filter option
// holds it.
func ParseExpr(src string) (Expr, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, src: src}
	e, err := p.or()
	if err == nil && p.peek().kind != tEOF {
		err = p.errorf("unexpected text")
	}
	return e, err
}

func (p *parser) where() (*Where, error) {
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	return &Where{Expr: e, Src: p.src}, nil
}

func (p *parser) or() (Expr, error) {
	l, err := p.and()
	for err == nil && p.kw("OR") {
		var r Expr
		r, err = p.and()
		l = Logical{Op: "OR", L: l, R: r}
	}
	return l, err
}

func (p *parser) and() (Expr, error) {
	l, err := p.not()
	for err == nil && p.kw("AND") {
		var r Expr
		r, err = p.not()
		l = Logical{Op: "AND", L: l, R: r}
	}
	return l, err
}

func (p *parser) not() (Expr, error) {
	if p.kw("NOT") {
		e, err := p.not()
		return Not{X: e}, err
	}
	if p.sym("(") {
		e, err := p.or()
		if err != nil {
			return e, err
		}
		return e, p.expectSym(")")
	}
	return p.compare()
}

func (p *parser) compare() (Expr, error) {
	pos := p.peek().pos
	var col string
	var err error
	if p.aggregateNext() { // HAVING count(*) > 1
		agg, c, err := p.aggregate()
		if err != nil {
			return nil, err
		}
		col = Item{Agg: agg, Column: c}.AggText()
	} else if col, err = p.ident("a column"); err != nil {
		return nil, err
	}
	if err := p.noColumnArithmetic(); err != nil {
		return nil, err
	}
	lit := func() (Literal, error) {
		at := p.peek().pos
		v, err := p.literal()
		if err == nil {
			err = p.noColumnArithmetic()
		}
		return Literal{Value: v, Pos: at}, err
	}
	e := Compare{Column: col, Pos: pos}
	if p.kw("IS") {
		e.Op, e.Negate = "null", p.kw("NOT")
		return e, p.expectKw("NULL")
	}
	e.Negate = p.kw("NOT")
	switch {
	case p.kw("LIKE"):
		e.Op = "like"
		t := p.peek()
		if t.kind != tString {
			return nil, p.errorf("LIKE takes a quoted pattern")
		}
		p.i++
		e.Values = []Literal{{Value: t.text, Pos: t.pos}}
		return e, nil
	case p.kw("IN"):
		e.Op = "in"
		if err := p.expectSym("("); err != nil {
			return nil, err
		}
		for {
			v, err := lit()
			if err != nil {
				return nil, err
			}
			e.Values = append(e.Values, v)
			if !p.sym(",") {
				break
			}
		}
		return e, p.expectSym(")")
	case p.kw("BETWEEN"):
		e.Op = "between"
		lo, err := lit()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("AND"); err != nil {
			return nil, err
		}
		hi, err := lit()
		e.Values = []Literal{lo, hi}
		return e, err
	case e.Negate:
		return nil, p.errorf("expected IN, BETWEEN or LIKE after NOT")
	}
	for _, op := range []string{"=", "!=", "<>", "<=", ">=", "<", ">"} {
		if p.sym(op) {
			e.Op = op
			if op == "<>" {
				e.Op = "!="
			}
			v, err := lit()
			e.Values = []Literal{v}
			return e, err
		}
	}
	return nil, p.errorf("expected a comparison, IN, BETWEEN, LIKE or IS NULL")
}
