package sql

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Select is SELECT count(*) | * | item, ... FROM t [AT (...)] [WHERE
// condition] [ORDER BY term [ASC|DESC]] [LIMIT n], where an item is a
// column or a vector comparison (see VectorExpr), each [AS name]. FROM
// may name a table function instead: FROM f(args).
type Select struct {
	Table    string
	Sub      *Select // FROM (SELECT ...) alias: a subquery instead of a table
	Alias    string  // FROM t alias, or the subquery's name
	Join     *Join
	Func     *TableFunc // FROM f(args): a table function instead of a table
	At       *AtRef     // AT (...): read that commit
	Count    bool       // SELECT count(*) alone, without GROUP BY
	Distinct bool       // SELECT DISTINCT
	Star     bool       // *, alone or before further items
	Items    []Item     // the items after or instead of *
	Where    *Where
	GroupBy  []GroupTerm
	Having   *Where // over the result's columns: names, aliases, count(*), sum(x)
	OrderBy  *OrderBy
	ThenBy   []OrderBy // ORDER BY a, b, c: the terms after the first
	Limit    int       // -1 for none
	Offset   int
	// Src is the script the statement was parsed from, which the items'
	// positions index (for errors with a caret).
	Src string
}

// Join is [INNER | LEFT] JOIN t [alias] ON a.x = b.y: one equality of a
// column of each side, named with the sides' aliases (or unqualified when
// only one side has the column).
type Join struct {
	Table, Alias string
	Left         bool // LEFT JOIN: rows of the left side without a match too
	On           [2]string
	Pos, OnPos   int
}

func (j Join) String() string {
	s := "JOIN "
	if j.Left {
		s = "LEFT JOIN "
	}
	s += Ident(j.Table)
	if j.Alias != "" && j.Alias != j.Table {
		s += " AS " + Ident(j.Alias)
	}
	return s + " ON " + j.On[0] + " = " + j.On[1]
}

// Aggregates are the aggregate functions a SELECT item may call.
var Aggregates = []string{"count", "sum", "avg", "min", "max"}

// GroupTerm is one GROUP BY term: a column (or an item's alias), or the
// 1-based position of a select item.
type GroupTerm struct {
	Name    string
	Ordinal int
	Pos     int
}

func (g GroupTerm) String() string {
	if g.Ordinal > 0 {
		return strconv.Itoa(g.Ordinal)
	}
	return Ident(g.Name)
}

// Aggregated reports whether the SELECT groups or aggregates: GROUP BY,
// DISTINCT or an aggregate item.
func (s Select) Aggregated() bool {
	if len(s.GroupBy) > 0 || s.Distinct {
		return true
	}
	for _, it := range s.Items {
		if it.Agg != "" {
			return true
		}
	}
	return false
}

// Item is one SELECT item: a column, an aggregate, or a vector
// comparison.
type Item struct {
	Column string
	// Agg is an aggregate's function (one of Aggregates) over Column;
	// count(*) has Column "".
	Agg    string
	Vector *VectorExpr
	Alias  string // AS name; a comparison without one is named after its function
	// Pos is the rune offset of the item, AliasPos of its AS.
	Pos, AliasPos int
}

// Name is the item's result column name.
func (it Item) Name() string {
	switch {
	case it.Alias != "":
		return it.Alias
	case it.Vector != nil:
		return it.Vector.Func
	case it.Agg != "":
		return it.Agg // as PostgreSQL names an unnamed aggregate
	}
	return it.Column
}

// AggText is an aggregate item as written: count(*), sum(x); HAVING and
// ORDER BY name aggregates so.
func (it Item) AggText() string {
	if it.Column == "" {
		return it.Agg + "(*)"
	}
	return it.Agg + "(" + Ident(it.Column) + ")"
}

// OrderBy is a SELECT's ORDER BY term: a vector comparison, or a column
// or item named (by its alias), ascending unless Desc.
type OrderBy struct {
	Vector  *VectorExpr
	Name    string // a column, an alias, or an aggregate as written: count(*)
	Ordinal int    // ORDER BY 2: the second select item
	Desc    bool
}

func (o OrderBy) String() string {
	var s string
	switch {
	case o.Vector != nil:
		s = o.Vector.String()
	case o.Ordinal > 0:
		s = strconv.Itoa(o.Ordinal)
	case strings.HasSuffix(o.Name, ")"):
		s = o.Name // an aggregate, as written
	default:
		s = Ident(o.Name)
	}
	if o.Desc {
		s += " DESC"
	}
	return s
}

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
// statement.
type VectorArg struct {
	Param   int       // 1 for $1; 0 for a literal
	Literal []float32 // the literal's values
}

// TableFunc is a table function in FROM, with literal or $N arguments.
type TableFunc struct {
	Name string
	Args []FuncArg
}

// FuncArg is one argument: $Param, or a literal (string or int64).
type FuncArg struct {
	Param int
	Value any
}

// AtRef is a SELECT's AT (TAG => 'name' | COMMIT => n | TIMESTAMP => '...'):
// the commit it reads instead of the head.
type AtRef struct {
	Kind  string // "tag", "commit" or "timestamp"
	Value string
}

func (a AtRef) String() string {
	if a.Kind == "commit" {
		return fmt.Sprintf("AT (COMMIT => %s)", a.Value)
	}
	return fmt.Sprintf("AT (%s => %s)", strings.ToUpper(a.Kind), Quote(a.Value))
}

func (a VectorArg) String() string {
	if a.Param > 0 {
		return "$" + strconv.Itoa(a.Param)
	}
	parts := make([]string, len(a.Literal))
	for i, x := range a.Literal {
		parts[i] = strconv.FormatFloat(float64(x), 'g', -1, 32)
	}
	return "'[" + strings.Join(parts, ", ") + "]'"
}

func (e VectorExpr) String() string {
	if e.Func == "negative_inner_product" {
		return Ident(e.Column) + " <#> " + e.Query.String()
	}
	return e.Func + "(" + Ident(e.Column) + ", " + e.Query.String() + ")"
}

func (f TableFunc) String() string {
	args := make([]string, len(f.Args))
	for i, a := range f.Args {
		if a.Param > 0 {
			args[i] = "$" + strconv.Itoa(a.Param)
		} else {
			args[i] = Value(a.Value)
		}
	}
	return Ident(f.Name) + "(" + strings.Join(args, ", ") + ")"
}

func (s Select) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	if s.Distinct {
		b.WriteString("DISTINCT ")
	}
	var items []string
	if s.Count {
		items = append(items, "count(*)")
	}
	if s.Star {
		items = append(items, "*")
	}
	for _, it := range s.Items {
		x := Ident(it.Column)
		switch {
		case it.Vector != nil:
			x = it.Vector.String()
		case it.Agg != "":
			x = it.AggText()
		}
		if it.Alias != "" {
			x += " AS " + Ident(it.Alias)
		}
		items = append(items, x)
	}
	b.WriteString(strings.Join(items, ", ") + " FROM ")
	switch {
	case s.Sub != nil:
		b.WriteString("(" + s.Sub.String() + ")")
	case s.Func != nil:
		b.WriteString(s.Func.String())
	default:
		b.WriteString(Ident(s.Table))
	}
	if s.At != nil {
		b.WriteString(" " + s.At.String())
	}
	if s.Alias != "" && (s.Sub != nil || s.Alias != s.Table) {
		b.WriteString(" AS " + Ident(s.Alias))
	}
	if s.Join != nil {
		b.WriteString(" " + s.Join.String())
	}
	if s.Where != nil {
		b.WriteString(" WHERE " + s.Where.Expr.String())
	}
	if len(s.GroupBy) > 0 {
		terms := make([]string, len(s.GroupBy))
		for i, g := range s.GroupBy {
			terms[i] = g.String()
		}
		b.WriteString(" GROUP BY " + strings.Join(terms, ", "))
	}
	if s.Having != nil {
		b.WriteString(" HAVING " + s.Having.Expr.String())
	}
	if s.OrderBy != nil {
		b.WriteString(" ORDER BY ")
		for i, o := range append([]OrderBy{*s.OrderBy}, s.ThenBy...) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(o.String())
		}
	}
	if s.Limit >= 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(s.Limit))
	}
	if s.Offset > 0 {
		b.WriteString(" OFFSET " + strconv.Itoa(s.Offset))
	}
	return b.String()
}

// ParseVector reads a vector written as in pgvector or JSON: [0.1, 0.2].
// Every value must be a finite number.
func ParseVector(s string) ([]float32, error) {
	var xs []float64
	if err := json.Unmarshal([]byte(s), &xs); err != nil {
		return nil, fmt.Errorf("a vector is written [0.1, 0.2, ...]: %q is not one", truncate(s))
	}
	return float32s(xs)
}

// VectorOf converts a list literal ([]any of int64 and float64) to a
// vector.
func VectorOf(v any) ([]float32, error) {
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

// truncate shortens a long value for an error message to 256 bytes, as
// lake.Truncate does for row errors.
func truncate(s string) string {
	if len(s) <= 256 {
		return s
	}
	cut := 256
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
