package filter

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func row(vals map[string]Value) func(string) (Value, bool) {
	return func(c string) (Value, bool) { v, ok := vals[c]; return v, ok }
}

func TestEvalThreeValued(t *testing.T) {
	year := Compare("year", "=", Int(2024))
	month := Compare("month", ">=", Int(3))
	tests := []struct {
		e    Expr
		vals map[string]Value
		want Tri
	}{
		{And(year, month), map[string]Value{"year": Int(2024), "month": Int(3)}, True},
		{And(year, month), map[string]Value{"year": Int(2024), "month": Int(2)}, False},
		{And(year, month), map[string]Value{"year": Int(2024)}, Unknown},
		{And(year, month), map[string]Value{"year": Int(2023)}, False}, // false AND unknown
		{Or(year, month), map[string]Value{"year": Int(2024)}, True},   // true OR unknown
		{Not(month), map[string]Value{}, Unknown},
		{Not(month), map[string]Value{"month": Int(1)}, True},
		{Compare("m", "in", Int(1), Int(5)), map[string]Value{"m": Int(5)}, True},
		{Expr{Op: OpCmp, Column: "m", Cmp: "in", Values: []Value{Int(1)}, Negate: true}, map[string]Value{"m": Int(5)}, True},
		{Compare("m", "between", Int(1), Int(5)), map[string]Value{"m": Int(5)}, True},
		{Compare("m", "between", Int(1), Int(5)), map[string]Value{"m": Int(6)}, False},
		{Compare("x", "<", Float(2.5)), map[string]Value{"x": Int(2)}, True}, // int against float
		{Compare("x", "<", Float(2.5)), map[string]Value{"x": Float(2.5)}, False},
		{Compare("s", ">", Text("b")), map[string]Value{"s": Text("ba")}, True},
		{Compare("s", "!=", Text("b")), map[string]Value{"s": Text("b")}, False},
		{Compare("s", "null"), map[string]Value{}, True},
		{Compare("s", "null"), map[string]Value{"s": Text("")}, False},
		{Expr{Op: OpCmp, Column: "s", Cmp: "null", Negate: true}, map[string]Value{}, False},
		{Compare("s", "like", Text("ve%or")), map[string]Value{"s": Text("vector")}, True},
		{Compare("s", "like", Text("ve%or")), map[string]Value{"s": Text("vectors")}, False},
		{Compare("s", "like", Text("_ec%")), map[string]Value{"s": Text("vec")}, True},
		{Compare("s", "like", Text(`100\%`)), map[string]Value{"s": Text("100%")}, True},
		{Compare("s", "like", Text(`100\%`)), map[string]Value{"s": Text("1000")}, False},
		{Compare("s", "like", Text("%")), map[string]Value{}, Unknown},
		{Expr{Op: OpCmp, Column: "s", Cmp: "like", Values: []Value{Text("a%")}, Negate: true}, map[string]Value{"s": Text("abc")}, False},
	}
	for _, tt := range tests {
		if got := tt.e.Eval(row(tt.vals)); got != tt.want {
			t.Errorf("%s with %v = %v, want %v", tt.e, tt.vals, got, tt.want)
		}
	}
}

// exprs over one column x, every shape the grammar produces.
func exprs() []Expr {
	var leaves []Expr
	for _, op := range []string{"=", "!=", "<", "<=", ">", ">="} {
		for v := int64(0); v <= 6; v += 2 {
			leaves = append(leaves, Compare("x", op, Int(v)))
		}
	}
	leaves = append(leaves,
		Compare("x", "null"),
		Expr{Op: OpCmp, Column: "x", Cmp: "null", Negate: true},
		Compare("x", "in", Int(1), Int(4)),
		Expr{Op: OpCmp, Column: "x", Cmp: "in", Values: []Value{Int(2), Int(3)}, Negate: true},
		Compare("x", "between", Int(2), Int(4)),
		Expr{Op: OpCmp, Column: "x", Cmp: "between", Values: []Value{Int(1), Int(3)}, Negate: true})
	out := append([]Expr(nil), leaves...)
	for i, a := range leaves {
		b := leaves[(i*7+3)%len(leaves)]
		out = append(out, And(a, b), Or(a, b), Not(a), Not(And(a, Not(b))), Or(Not(a), b))
	}
	return out
}

// MayMatch must never rule out a row group that holds a matching row: for
// every expression and every range of values (with and without NULLs),
// if some value in the range makes it true, MayMatch says so; and for
// single comparisons it is exact.
func TestMayMatchIsSound(t *testing.T) {
	for _, e := range exprs() {
		for lo := int64(0); lo <= 6; lo++ {
			for hi := lo; hi <= 6; hi++ {
				r := Range{Min: Int(lo), Max: Int(hi)}
				stats := func(string) (Range, bool) { return r, true }
				some := false
				for v := lo; v <= hi; v++ {
					some = some || e.Eval(row(map[string]Value{"x": Int(v)})) == True
				}
				got := e.MayMatch(stats)
				if some && !got {
					t.Fatalf("%s on [%d, %d]: MayMatch false, but a value matches", e, lo, hi)
				}
				if e.Op == OpCmp && e.Cmp != "in" && e.Cmp != "null" && got != some { // IN is only sound: a range is not a set
					t.Errorf("%s on [%d, %d]: MayMatch %v, exact answer %v", e, lo, hi, got, some)
				}
			}
		}
		if allNull := (func(string) (Range, bool) { return Range{AllNull: true}, true }); e.MayMatch(allNull) != (e.Eval(row(nil)) == True) {
			t.Errorf("%s: MayMatch on a column of NULLs only differs from evaluating a NULL", e)
		}
		if !e.MayMatch(func(string) (Range, bool) { return Range{}, false }) {
			t.Errorf("%s: MayMatch false without statistics", e)
		}
	}
}

func TestOnlyKeepsWhatImpliesTheWhole(t *testing.T) {
	year := Compare("year", "=", Int(2024))
	score := Compare("score", ">", Float(0.5))
	tests := []struct {
		e    Expr
		cols []string
		want string // "" for nothing left
	}{
		{And(year, score), []string{"year"}, "year = 2024"},
		{And(year, score), []string{"score"}, "score > 0.5"},
		{Or(year, score), []string{"year"}, ""},
		{Not(And(year, score)), []string{"year"}, ""},
		{And(And(year, score), Compare("month", "<", Int(3))), []string{"year", "month"}, "(year = 2024 AND month < 3)"},
	}
	for _, tt := range tests {
		got, ok := tt.e.Only(tt.cols)
		s := ""
		if ok {
			s = got.String()
		}
		if s != tt.want {
			t.Errorf("%s only %v = %q, want %q", tt.e, tt.cols, s, tt.want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, e := range exprs() {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var back Expr
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if back.String() != e.String() || back.Validate() != nil {
			t.Fatalf("%s came back as %s", e, back)
		}
	}
	bad := []Expr{{Op: "xor"}, {Op: OpCmp, Column: "x", Cmp: "between", Values: []Value{Int(1)}}, {Op: OpAnd, Args: []Expr{{}}}}
	for _, e := range bad {
		if e.Validate() == nil {
			t.Errorf("%+v validated", e)
		}
	}
}

func TestRuns(t *testing.T) {
	mem := memory.NewGoAllocator()
	ib := array.NewInt64Builder(mem)
	sb := array.NewStringBuilder(mem)
	for i := 0; i < 10; i++ {
		if i == 4 {
			ib.AppendNull()
		} else {
			ib.Append(int64(i))
		}
		sb.Append(fmt.Sprint("k", i%3))
	}
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "s", Type: arrow.BinaryTypes.String}}, nil),
		[]arrow.Array{ib.NewArray(), sb.NewArray()}, 10)
	defer rec.Release()
	runs, err := Compare("n", "<", Int(7)).Runs(rec)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(runs) != "[[0 4] [5 7]]" { // row 4 is NULL: unknown, dropped
		t.Errorf("runs %v", runs)
	}
	runs, _ = Not(Compare("s", "=", Text("k0"))).Runs(rec)
	if fmt.Sprint(runs) != "[[1 3] [4 6] [7 9]]" {
		t.Errorf("runs %v", runs)
	}
	if _, err := Compare("missing", "=", Int(1)).Runs(rec); err == nil {
		t.Error("a missing column was accepted")
	}
}
