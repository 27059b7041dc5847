package pipeline

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/sources"
	"github.com/lakelink/lakelink/store"
)

// A partition filter is an expression over partition columns, written as
// in SQL: comparisons (= != <> < <= > >=), IN (...), BETWEEN a AND b, with
// AND, OR, NOT and parentheses. It is evaluated with SQL's three-valued
// logic: a comparison with a NULL partition is unknown, and an object is
// kept only when the filter is true.
type filterExpr interface {
	eval(vals map[string]any) tri
}

type tri int8

const (
	triFalse tri = iota
	triUnknown
	triTrue
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

type andExpr struct{ l, r filterExpr }
type orExpr struct{ l, r filterExpr }
type notExpr struct{ e filterExpr }

func (e andExpr) eval(v map[string]any) tri { return min(e.l.eval(v), e.r.eval(v)) }
func (e orExpr) eval(v map[string]any) tri  { return max(e.l.eval(v), e.r.eval(v)) }
func (e notExpr) eval(v map[string]any) tri { return triTrue - e.e.eval(v) }

// cmpExpr compares a column with one or more literals: op is one of
// = != < <= > >= in between.
type cmpExpr struct {
	col  string
	op   string
	vals []any // literals converted to the column's type
	neg  bool  // NOT IN, NOT BETWEEN
}

func (e cmpExpr) eval(v map[string]any) tri {
	x := v[e.col]
	if x == nil {
		return triUnknown
	}
	var r bool
	switch e.op {
	case "in":
		for _, l := range e.vals {
			r = r || compare(x, l) == 0
		}
	case "between":
		r = compare(x, e.vals[0]) >= 0 && compare(x, e.vals[1]) <= 0
	default:
		c := compare(x, e.vals[0])
		r = map[string]bool{"=": c == 0, "!=": c != 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[e.op]
	}
	if e.neg {
		r = !r
	}
	return triOf(r)
}

// compare orders two values of the same partition type.
func compare(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case time.Time:
		return x.Compare(b.(time.Time))
	case string:
		return strings.Compare(x, b.(string))
	}
	return 0
}

// parseFilter parses a partition filter over the given partition columns.
func parseFilter(src string, types map[string]lake.Type) (filterExpr, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, fmt.Errorf("partition_filter: %w", err)
	}
	p := &parser{toks: toks, src: src}
	e, err := p.filterOr(types)
	if err != nil {
		return nil, fmt.Errorf("partition_filter: %w", err)
	}
	if p.peek().kind != tEOF {
		return nil, fmt.Errorf("partition_filter: %w", p.errorf("unexpected text"))
	}
	return e, nil
}

func (p *parser) filterOr(types map[string]lake.Type) (filterExpr, error) {
	l, err := p.filterAnd(types)
	for err == nil && p.kw("OR") {
		var r filterExpr
		r, err = p.filterAnd(types)
		l = orExpr{l, r}
	}
	return l, err
}

func (p *parser) filterAnd(types map[string]lake.Type) (filterExpr, error) {
	l, err := p.filterNot(types)
	for err == nil && p.kw("AND") {
		var r filterExpr
		r, err = p.filterNot(types)
		l = andExpr{l, r}
	}
	return l, err
}

func (p *parser) filterNot(types map[string]lake.Type) (filterExpr, error) {
	if p.kw("NOT") {
		e, err := p.filterNot(types)
		return notExpr{e}, err
	}
	if p.sym("(") {
		e, err := p.filterOr(types)
		if err != nil {
			return nil, err
		}
		return e, p.expectSym(")")
	}
	return p.filterCmp(types)
}

func (p *parser) filterCmp(types map[string]lake.Type) (filterExpr, error) {
	col, err := p.ident("a partition column")
	if err != nil {
		return nil, err
	}
	var name string
	var typ lake.Type
	for n, t := range types {
		if strings.EqualFold(n, col) {
			name, typ = n, t
		}
	}
	if name == "" {
		cols := make([]string, 0, len(types))
		for n := range types {
			cols = append(cols, n)
		}
		return nil, p.errorf("%q is not a partition column (partition_columns: %s)", col, strings.Join(cols, ", "))
	}
	lit := func() (any, error) {
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		c, err := store.Coerce(typ, v)
		if err != nil || c == nil {
			return nil, p.errorf("%v is not a %s value for %s", v, typ, name)
		}
		if t, ok := c.(time.Time); ok && typ.Kind == lake.KindDate {
			c = t.Truncate(24 * time.Hour)
		}
		return c, nil
	}
	e := cmpExpr{col: name, neg: p.kw("NOT")}
	switch {
	case p.kw("IN"):
		e.op = "in"
		if err := p.expectSym("("); err != nil {
			return nil, err
		}
		for {
			v, err := lit()
			if err != nil {
				return nil, err
			}
			e.vals = append(e.vals, v)
			if !p.sym(",") {
				break
			}
		}
		return e, p.expectSym(")")
	case p.kw("BETWEEN"):
		e.op = "between"
		lo, err := lit()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("AND"); err != nil {
			return nil, err
		}
		hi, err := lit()
		e.vals = []any{lo, hi}
		return e, err
	case e.neg:
		return nil, p.errorf("expected IN or BETWEEN after NOT")
	}
	for _, op := range []string{"=", "!=", "<>", "<=", ">=", "<", ">"} {
		if p.sym(op) {
			e.op = op
			if op == "<>" {
				e.op = "!="
			}
			v, err := lit()
			e.vals = []any{v}
			return e, err
		}
	}
	return nil, p.errorf("expected a comparison, IN or BETWEEN")
}

// partitioned is the outcome of partition pruning: the kept objects, each
// one's partition values, and the partition columns of the source schema.
type partitioned struct {
	objects []sources.Object
	values  [][]sources.PartitionValue
	columns []lake.Column
}

// prunePartitions reads the partition values of every object from its
// key, types each partition column over all of them, and keeps the objects
// the filter accepts. It opens no object.
func prunePartitions(objs []sources.Object, columns []string, filter string) (partitioned, error) {
	var out partitioned
	raw := make([]map[string]string, len(objs))
	for i, o := range objs {
		v, err := sources.PartitionValues(o, columns)
		if err != nil {
			return out, err
		}
		raw[i] = v
	}
	types := map[string]lake.Type{}
	for _, c := range columns {
		all := make([]string, len(raw))
		for i := range raw {
			all[i] = raw[i][c]
		}
		types[c] = sources.PartitionType(all)
		out.columns = append(out.columns, lake.Column{Name: c, Type: types[c]})
	}
	var f filterExpr
	if filter != "" {
		var err error
		if f, err = parseFilter(filter, types); err != nil {
			return out, err
		}
	}
	for i, o := range objs {
		pv := make([]sources.PartitionValue, len(columns))
		typed := map[string]any{}
		for j, c := range columns {
			pv[j] = sources.PartitionValue{Name: c, Type: types[c], Value: raw[i][c]}
			v, err := pv[j].Typed()
			if err != nil {
				return out, fmt.Errorf("object %s: partition %s=%s: %w", o.Name, c, raw[i][c], err)
			}
			typed[c] = v
		}
		if f != nil && f.eval(typed) != triTrue {
			continue
		}
		out.objects = append(out.objects, o)
		out.values = append(out.values, pv)
	}
	if len(out.objects) == 0 {
		return out, fmt.Errorf("partition_filter %q excludes all %d matched objects", filter, len(objs))
	}
	return out, nil
}
