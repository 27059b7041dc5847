package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/vectorops"
)

// Similarity search in SELECT: a select item or ORDER BY term may compare
// a VECTOR column with a query vector, by function or by pgvector's
// operators:
//
//	cosine_similarity(col, q)   cos(col, q)
//	cosine_distance(col, q)     1 - cos(col, q)       col <=> q
//	l2_distance(col, q)         Euclidean distance    col <-> q
//	inner_product(col, q)       col · q
//	                            -(col · q)            col <#> q
//
// q is a parameter ($1) or a vector literal written as in pgvector,
// '[0.1, 0.2, ...]' (or unquoted [0.1, 0.2, ...]).

// VectorFuncs are the comparison functions, by name.
var VectorFuncs = []string{"cosine_similarity", "cosine_distance", "l2_distance", "inner_product"}

// operatorFuncs are pgvector's operators as functions; "negative_inner_product"
// is <#>'s own.
var operatorFuncs = map[string]string{"<=>": "cosine_distance", "<->": "l2_distance", "<#>": "negative_inner_product"}

// VectorExpr compares a VECTOR column with a query vector.
type VectorExpr struct {
	Func   string // one of VectorFuncs, or negative_inner_product
	Column string
	Query  VectorArg
}

// VectorArg is a query vector: a literal, or a parameter given with the
// statement (Session.Params).
type VectorArg struct {
	Param   int       // 1 for $1; 0 for a literal
	Literal []float32 // the literal's values
}

// Item is one SELECT item: a column, or a vector comparison.
type Item struct {
	Column string
	Vector *VectorExpr
	Alias  string // AS name; a comparison without one is named after its function
}

// Name is the item's result column name.
func (it Item) Name() string {
	switch {
	case it.Alias != "":
		return it.Alias
	case it.Vector != nil:
		return it.Vector.Func
	}
	return it.Column
}

// OrderBy is a SELECT's ORDER BY term: a vector comparison, or a column
// or item named (by its alias), ascending unless Desc.
type OrderBy struct {
	Vector *VectorExpr
	Name   string
	Desc   bool
}

// vectorExpr parses a comparison if one is next: func(col, q) or
// col OP q (or q OP col). ok is false, and nothing is consumed, when the
// next tokens are not one.
func (p *parser) vectorExpr() (e *VectorExpr, ok bool, err error) {
	t := p.peek()
	if t.kind == tIdent && p.toks[min(p.i+1, len(p.toks)-1)].text == "(" {
		name := strings.ToLower(t.text)
		known := false
		for _, f := range VectorFuncs {
			known = known || f == name
		}
		if !known {
			return nil, false, nil
		}
		p.i += 2
		e = &VectorExpr{Func: name}
		err := p.vectorOperands(e, func() error {
			if !p.sym(",") {
				return p.errorf("%s takes a vector column and a query vector", name)
			}
			return nil
		})
		if err == nil {
			err = p.expectSym(")")
		}
		return e, true, err
	}
	// col OP q, or q OP col
	next := p.toks[min(p.i+1, len(p.toks)-1)]
	isOp := func(tok token) bool { _, ok := operatorFuncs[tok.text]; return tok.kind == tSym && ok }
	if !(t.kind == tIdent && isOp(next) || t.kind == tParam || t.kind == tString || t.kind == tSym && t.text == "[") {
		return nil, false, nil
	}
	e = &VectorExpr{}
	err = p.vectorOperands(e, func() error {
		op := p.peek()
		if !isOp(op) {
			return p.errorf("expected <=>, <-> or <#>")
		}
		e.Func = operatorFuncs[op.text]
		p.i++
		return nil
	})
	return e, true, err
}

// vectorOperands parses "a SEP b" where one of a and b is a column and the
// other a query vector, in either order.
func (p *parser) vectorOperands(e *VectorExpr, sep func() error) error {
	for side := 0; side < 2; side++ {
		if side == 1 {
			if err := sep(); err != nil {
				return err
			}
		}
		if t := p.peek(); t.kind == tIdent && e.Column == "" {
			e.Column = t.text
			p.i++
			continue
		}
		q, err := p.vectorArg()
		if err != nil {
			return err
		}
		if e.Query.Param != 0 || e.Query.Literal != nil {
			return p.errorf("compare a vector column with a query vector, not two query vectors")
		}
		e.Query = q
	}
	if e.Column == "" {
		return p.errorf("compare a vector column with a query vector")
	}
	return nil
}

// vectorArg parses $N, '[...]' or [...].
func (p *parser) vectorArg() (VectorArg, error) {
	t := p.peek()
	switch {
	case t.kind == tParam:
		p.i++
		n, err := strconv.Atoi(t.text)
		if err != nil || n < 1 {
			return VectorArg{}, p.errorf("parameters are numbered from $1")
		}
		return VectorArg{Param: n}, nil
	case t.kind == tString:
		v, err := ParseVector(t.text)
		if err != nil {
			return VectorArg{}, p.errorf("%v", err)
		}
		p.i++
		return VectorArg{Literal: v}, nil
	case t.kind == tSym && t.text == "[":
		lit, err := p.literal()
		if err != nil {
			return VectorArg{}, err
		}
		v, err := vectorOf(lit)
		if err != nil {
			return VectorArg{}, p.errorf("%v", err)
		}
		return VectorArg{Literal: v}, nil
	}
	return VectorArg{}, p.errorf("expected a query vector: $1 or '[0.1, 0.2, ...]'")
}

// ParseVector reads a vector written as in pgvector or JSON: [0.1, 0.2].
// Every value must be a finite number.
func ParseVector(s string) ([]float32, error) {
	var xs []float64
	if err := json.Unmarshal([]byte(s), &xs); err != nil {
		return nil, fmt.Errorf("a vector is written [0.1, 0.2, ...]: %q is not one", lake.Truncate(s))
	}
	return float32s(xs)
}

func vectorOf(v any) ([]float32, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("a vector is a list of numbers")
	}
	xs := make([]float64, len(list))
	for i, e := range list {
		switch n := e.(type) {
		case int64:
			xs[i] = float64(n)
		case float64:
			xs[i] = n
		default:
			return nil, fmt.Errorf("a vector is a list of numbers, and %v is not one", e)
		}
	}
	return float32s(xs)
}

func float32s(xs []float64) ([]float32, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("a vector needs at least one value")
	}
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x)
		if math.IsNaN(x) || math.IsInf(float64(out[i]), 0) {
			return nil, fmt.Errorf("vector value %d (%g) is not a finite float32", i, x)
		}
	}
	return out, nil
}

// scorer compares rows' vectors with the query by one function.
type scorer struct {
	expr  *VectorExpr
	col   int // index of the vector column in the row
	query []float32
	fn    func(v []float32) float64
}

// newScorer binds e to a table's schema and the statement's parameters,
// checking that the column is a vector of the query's dimension.
func newScorer(e *VectorExpr, s lake.Schema, table string, params map[int]any) (scorer, error) {
	i := s.Index(e.Column)
	if i < 0 {
		return scorer{}, fmt.Errorf("table %s has no column %q", table, e.Column)
	}
	c := s.Columns[i]
	if c.Type.Kind != lake.KindVector {
		return scorer{}, fmt.Errorf("%s: column %s is %s, not a VECTOR", e.Func, c.Name, c.Type)
	}
	q := e.Query.Literal
	if e.Query.Param != 0 {
		v, ok := params[e.Query.Param]
		if !ok {
			return scorer{}, fmt.Errorf("%s: no value for parameter $%d", e.Func, e.Query.Param)
		}
		var err error
		switch x := v.(type) {
		case []float32:
			q = x
		case string:
			q, err = ParseVector(x)
		default:
			q, err = vectorOf(v)
		}
		if err != nil {
			return scorer{}, fmt.Errorf("parameter $%d: %w", e.Query.Param, err)
		}
	}
	if len(q) != c.Type.Dim {
		return scorer{}, fmt.Errorf("%s: the query vector has %d dimensions, column %s is %s", e.Func, len(q), c.Name, c.Type)
	}
	sc := scorer{expr: e, col: i, query: q}
	switch e.Func {
	case "cosine_similarity":
		sc.fn = func(v []float32) float64 { return float64(vectorops.CosineSimilarity(v, q)) }
	case "cosine_distance":
		sc.fn = func(v []float32) float64 { return 1 - float64(vectorops.CosineSimilarity(v, q)) }
	case "l2_distance":
		sc.fn = func(v []float32) float64 { return math.Sqrt(float64(vectorops.L2Squared(v, q))) }
	case "inner_product":
		sc.fn = func(v []float32) float64 { return float64(vectorops.Dot(v, q)) }
	case "negative_inner_product":
		sc.fn = func(v []float32) float64 { return -float64(vectorops.Dot(v, q)) }
	default:
		return scorer{}, fmt.Errorf("unknown vector function %q", e.Func)
	}
	return sc, nil
}

// score is the comparison's value for a row: nil for a NULL vector.
func (sc scorer) score(row []any) any {
	v, ok := row[sc.col].([]float32)
	if !ok {
		return nil
	}
	return sc.fn(v)
}

// Search is a similarity search from Go, without SQL text: the K rows of
// Table whose Column is nearest to Query, best first, as
//
//	SELECT columns..., <comparison> AS score FROM Table [WHERE Where]
//	ORDER BY score LIMIT K
//
// where the comparison is cosine_similarity (Metric "cosine", the
// default; best is highest), l2_distance ("l2"; lowest) or inner_product
// ("ip"; highest). It uses an index as the SQL form does.
type Search struct {
	Table   string
	Column  string
	Query   []float32
	K       int
	Metric  string
	Where   string   // a condition as in SQL's WHERE; empty for none
	Columns []string // the columns to return; all when empty
	// At, when set, is the tag, commit number or time to search at
	// (Session.Resolve); Session.At applies otherwise.
	At string
}

// Search runs a similarity search.
func (s *Session) Search(ctx context.Context, q Search) (Result, error) {
	if !lake.ValidName(q.Table) {
		return Result{}, fmt.Errorf("invalid table name %q", q.Table)
	}
	if q.K <= 0 {
		return Result{}, fmt.Errorf("search %s: K must be at least 1", q.Table)
	}
	e := &VectorExpr{Column: q.Column, Query: VectorArg{Literal: q.Query}}
	desc := true
	switch strings.ToLower(q.Metric) {
	case "", "cosine":
		e.Func = "cosine_similarity"
	case "l2":
		e.Func, desc = "l2_distance", false
	case "ip":
		e.Func = "inner_product"
	default:
		return Result{}, fmt.Errorf("search %s: unknown metric %q (cosine, l2, ip)", q.Table, q.Metric)
	}
	sel := Select{Table: q.Table, Star: len(q.Columns) == 0, OrderBy: &OrderBy{Vector: e, Desc: desc}, Limit: q.K}
	for _, c := range q.Columns {
		sel.Items = append(sel.Items, Item{Column: c})
	}
	sel.Items = append(sel.Items, Item{Vector: e, Alias: "score"})
	if q.Where != "" {
		stmts, err := Parse("SELECT * FROM " + q.Table + " WHERE " + q.Where)
		if err != nil {
			return Result{}, fmt.Errorf("search %s: %w", q.Table, err)
		}
		sel.Where = stmts[0].(Select).Where
	}
	if q.At != "" {
		ts, err := s.Resolve(q.At)
		if err != nil {
			return Result{}, fmt.Errorf("search %s: %w", q.Table, err)
		}
		sel.At = &AtRef{Kind: "commit", Value: strconv.FormatUint(ts, 10)}
	}
	return s.selectRows(ctx, sel)
}
