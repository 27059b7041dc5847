package engine

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/vectorops"
)

// ParseVector reads a vector written as in pgvector or JSON: [0.1, 0.2].
// Every value must be a finite number.
func ParseVector(s string) ([]float32, error) { return sql.ParseVector(s) }

// VectorFuncs are the vector comparison functions, by name.
var VectorFuncs = sql.VectorFuncs

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
			q, err = sql.VectorOf(v)
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
