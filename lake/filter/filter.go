// Package filter is the boolean expressions of an import's filter: a tree
// that the launcher builds from SQL text and workers evaluate, against the
// partition values of an object key, against the statistics of a row group
// (to skip it unread), and against the rows of a batch.
//
// Expressions use SQL's three-valued logic: a comparison with NULL is
// unknown, NOT unknown is unknown, and a row (or an object) is kept only
// when the expression is true.
//
//	e := filter.And(
//		filter.Compare("year", "=", filter.Int(2024)),
//		filter.Compare("month", ">=", filter.Int(3)))
//	e.Eval(func(col string) (filter.Value, bool) { ... }) == filter.True
package filter

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lakelink/lakelink/lake"
)

// Tri is a three-valued truth value, ordered False < Unknown < True so
// that AND is the minimum and OR the maximum.
type Tri int8

const (
	False Tri = iota
	Unknown
	True
)

func triOf(b bool) Tri {
	if b {
		return True
	}
	return False
}

// Domain is the comparison domain of a value. Values of one column share a
// domain; integers and floats compare with each other.
type Domain uint8

const (
	DomainInt   Domain = iota + 1 // integers, booleans (0, 1)
	DomainFloat                   // floating point
	DomainText                    // strings, compared bytewise
	DomainTime                    // timestamps and dates, in microseconds since 1970 UTC
)

// Value is a non-NULL scalar in a comparison domain. It is plain data, so
// that an expression travels to workers as JSON.
type Value struct {
	D Domain  `json:"d"`
	I int64   `json:"i,omitempty"`
	F float64 `json:"f,omitempty"`
	S string  `json:"s,omitempty"`
}

// Int, Float, Text and Time make values.
func Int(i int64) Value      { return Value{D: DomainInt, I: i} }
func Float(f float64) Value  { return Value{D: DomainFloat, F: f} }
func Text(s string) Value    { return Value{D: DomainText, S: s} }
func Time(t time.Time) Value { return Value{D: DomainTime, I: t.UnixMicro()} }
func Bool(b bool) Value      { return Int(map[bool]int64{false: 0, true: 1}[b]) }
func micros(us int64) Value  { return Value{D: DomainTime, I: us} }

// PartitionValue is the value of a typed Hive partition value (BIGINT,
// DATE or TIMESTAMP, TEXT: objstore.PartitionValue's Value); false for
// NULL (Hive's default partition).
func PartitionValue(v any) (Value, bool) {
	switch x := v.(type) {
	case int64:
		return Int(x), true
	case time.Time:
		return Time(x), true
	case string:
		return Text(x), true
	}
	return Value{}, false
}

func (v Value) float() float64 {
	if v.D == DomainFloat {
		return v.F
	}
	return float64(v.I)
}

func (v Value) String() string {
	switch v.D {
	case DomainInt:
		return fmt.Sprint(v.I)
	case DomainFloat:
		return fmt.Sprint(v.F)
	case DomainTime:
		return time.UnixMicro(v.I).UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("'%s'", v.S)
}

// CompareValues orders two values of compatible domains: negative, zero
// or positive as a is below, equal to or above b. NaN sorts above every
// other float, as in Parquet's and PostgreSQL's ordering.
func CompareValues(a, b Value) int { return compareValues(a, b) }

func compareValues(a, b Value) int {
	switch {
	case a.D == DomainText || b.D == DomainText:
		return strings.Compare(a.S, b.S)
	case a.D == DomainFloat || b.D == DomainFloat:
		x, y := a.float(), b.float()
		switch {
		case math.IsNaN(x) || math.IsNaN(y):
			return cmp.Compare(btoi(math.IsNaN(x)), btoi(math.IsNaN(y)))
		}
		return cmp.Compare(x, y)
	}
	return cmp.Compare(a.I, b.I)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Op is an expression node's operator.
type Op string

const (
	OpAnd Op = "and"
	OpOr  Op = "or"
	OpNot Op = "not"
	OpCmp Op = "cmp" // Column Cmp Values
)

// Expr is a filter expression. A comparison (OpCmp) compares Column with
// Values: Cmp is one of = != < <= > >= (one value), in (one or more),
// between (two, inclusive), like (one text pattern: % any run, _ any one
// character, \ escapes) or null (no value: IS NULL); Negate makes NOT IN,
// NOT BETWEEN, NOT LIKE and IS NOT NULL.
type Expr struct {
	Op     Op      `json:"op"`
	Args   []Expr  `json:"args,omitempty"`
	Column string  `json:"column,omitempty"`
	Cmp    string  `json:"cmp,omitempty"`
	Values []Value `json:"values,omitempty"`
	Negate bool    `json:"negate,omitempty"`
}

// And, Or, Not and Compare build expressions.
func And(l, r Expr) Expr { return Expr{Op: OpAnd, Args: []Expr{l, r}} }
func Or(l, r Expr) Expr  { return Expr{Op: OpOr, Args: []Expr{l, r}} }
func Not(e Expr) Expr    { return Expr{Op: OpNot, Args: []Expr{e}} }
func Compare(column, op string, values ...Value) Expr {
	return Expr{Op: OpCmp, Column: column, Cmp: op, Values: values}
}

// Comparisons lists the comparison operators Compare accepts.
var Comparisons = []string{"=", "!=", "<", "<=", ">", ">=", "in", "between", "like", "null"}

// Validate checks the shape of e: known operators, argument and value
// counts.
func (e Expr) Validate() error {
	switch e.Op {
	case OpAnd, OpOr:
		if len(e.Args) != 2 {
			return fmt.Errorf("filter: %s needs two operands", e.Op)
		}
	case OpNot:
		if len(e.Args) != 1 {
			return fmt.Errorf("filter: not needs one operand")
		}
	case OpCmp:
		n := len(e.Values)
		switch {
		case e.Column == "":
			return fmt.Errorf("filter: comparison without a column")
		case !slices.Contains(Comparisons, e.Cmp):
			return fmt.Errorf("filter: unknown comparison %q", e.Cmp)
		case e.Cmp == "between" && n != 2, e.Cmp == "in" && n == 0, e.Cmp == "null" && n != 0,
			e.Cmp != "in" && e.Cmp != "between" && e.Cmp != "null" && n != 1:
			return fmt.Errorf("filter: %s with %d values", e.Cmp, n)
		case e.Cmp == "like" && e.Values[0].D != DomainText:
			return fmt.Errorf("filter: LIKE takes a text pattern")
		case e.Negate && !slices.Contains([]string{"in", "between", "like", "null"}, e.Cmp):
			return fmt.Errorf("filter: NOT %s", e.Cmp)
		}
		return nil
	default:
		return fmt.Errorf("filter: unknown operator %q", e.Op)
	}
	for _, a := range e.Args {
		if err := a.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Columns lists the columns e names, each once, in order of appearance.
func (e Expr) Columns() []string {
	var out []string
	var walk func(Expr)
	walk = func(e Expr) {
		if e.Op == OpCmp && !slices.Contains(out, e.Column) {
			out = append(out, e.Column)
		}
		for _, a := range e.Args {
			walk(a)
		}
	}
	walk(e)
	return out
}

// Only returns the part of e that names only the given columns, such that
// whenever e is true, so is the result: a conjunct naming another column
// is dropped (true), and anything else naming one makes the whole result
// true. ok is false when nothing of e remains.
func (e Expr) Only(columns []string) (Expr, bool) {
	switch e.Op {
	case OpAnd:
		l, lok := e.Args[0].Only(columns)
		r, rok := e.Args[1].Only(columns)
		switch {
		case lok && rok:
			return And(l, r), true
		case lok:
			return l, true
		case rok:
			return r, true
		}
		return Expr{}, false
	}
	for _, c := range e.Columns() {
		if !slices.Contains(columns, c) {
			return Expr{}, false
		}
	}
	return e, true
}

func (e Expr) String() string {
	if e.Validate() != nil {
		return fmt.Sprintf("<invalid filter %s>", e.Op)
	}
	switch e.Op {
	case OpAnd, OpOr:
		return "(" + e.Args[0].String() + " " + strings.ToUpper(string(e.Op)) + " " + e.Args[1].String() + ")"
	case OpNot:
		return "NOT " + e.Args[0].String()
	}
	not := ""
	if e.Negate {
		not = "NOT "
	}
	switch e.Cmp {
	case "in":
		vals := make([]string, len(e.Values))
		for i, v := range e.Values {
			vals[i] = v.String()
		}
		return fmt.Sprintf("%s %sIN (%s)", e.Column, not, strings.Join(vals, ", "))
	case "between":
		return fmt.Sprintf("%s %sBETWEEN %s AND %s", e.Column, not, e.Values[0], e.Values[1])
	case "like":
		return fmt.Sprintf("%s %sLIKE %s", e.Column, not, e.Values[0])
	case "null":
		return fmt.Sprintf("%s IS %sNULL", e.Column, not)
	}
	return fmt.Sprintf("%s %s %s", e.Column, e.Cmp, e.Values[0])
}

// Eval evaluates e for one row (or one object's partition values): get
// returns a column's value, or false for NULL.
func (e Expr) Eval(get func(column string) (Value, bool)) Tri {
	switch e.Op {
	case OpAnd:
		return min(e.Args[0].Eval(get), e.Args[1].Eval(get))
	case OpOr:
		return max(e.Args[0].Eval(get), e.Args[1].Eval(get))
	case OpNot:
		return True - e.Args[0].Eval(get)
	}
	x, ok := get(e.Column)
	if e.Cmp == "null" {
		return triOf(!ok != e.Negate) // never unknown
	}
	if !ok {
		return Unknown
	}
	return triOf(e.holds(x) != e.Negate)
}

// holds is the comparison for a non-NULL value, before Negate.
func (e Expr) holds(x Value) bool {
	switch e.Cmp {
	case "in":
		for _, v := range e.Values {
			if compareValues(x, v) == 0 {
				return true
			}
		}
		return false
	case "between":
		return compareValues(x, e.Values[0]) >= 0 && compareValues(x, e.Values[1]) <= 0
	case "like":
		return like(x.S, e.Values[0].S)
	}
	c := compareValues(x, e.Values[0])
	switch e.Cmp {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

// DomainOf is the comparison domain of a column type; false for types
// that filters cannot compare (vectors, arrays, UUID, JSONB).
func DomainOf(t lake.Type) (Domain, bool) {
	switch t.Kind {
	case lake.KindSmallInt, lake.KindInt, lake.KindBigInt, lake.KindBoolean:
		return DomainInt, true
	case lake.KindReal, lake.KindDouble:
		return DomainFloat, true
	case lake.KindText:
		return DomainText, true
	case lake.KindTimestamp, lake.KindDate:
		return DomainTime, true
	}
	return 0, false
}

// like matches s against a SQL LIKE pattern: % is any run of characters,
// _ any one character, and \ makes the next character literal.
func like(s, pattern string) bool {
	str, pat := []rune(s), []rune(pattern)
	// Classic two-pointer matcher with backtracking to the last %.
	si, pi, star, mark := 0, 0, -1, 0
	for si < len(str) {
		switch {
		case pi < len(pat) && pat[pi] == '\\' && pi+1 < len(pat) && pat[pi+1] == str[si]:
			si, pi = si+1, pi+2
		case pi < len(pat) && pat[pi] != '%' && pat[pi] != '\\' && (pat[pi] == '_' || pat[pi] == str[si]):
			si, pi = si+1, pi+1
		case pi < len(pat) && pat[pi] == '%':
			star, mark = pi, si
			pi++
		case star >= 0:
			mark++
			si, pi = mark, star+1
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi] == '%' {
		pi++
	}
	return pi == len(pat)
}
