package engine

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
)

// Grouped and aggregated SELECTs (GROUP BY, HAVING, DISTINCT, count,
// sum, avg, min, max) run on vectorised operators of lakelink's own, not
// row by row: the rows that pass WHERE are gathered into column vectors
// of aggBatch rows (only the columns the query uses); each batch gets its
// rows' group ids from a hash table on its key columns, specialised for
// one integer or text key; then each aggregate's kernel updates its
// per-group state in one loop over the batch. HAVING, ORDER BY, OFFSET
// and LIMIT then work on the (few) result rows.
//
// Why not an embedded DuckDB: the store's rows would have to be copied
// into it as Arrow at every statement's commit, the binary would link a
// C++ engine (the lean-binary aim of issue 29, and workers on remote
// runners), and its dialect is not lakelink's (AT, vector comparisons,
// table functions). BenchmarkGroupBy measures this engine against DuckDB
// on the same rows (docs/performance.md).

const aggBatch = 4096

// vecKind is how a column vector holds its values.
type vecKind uint8

const (
	vInt   vecKind = iota // SMALLINT, INT, BIGINT
	vFloat                // REAL, DOUBLE
	vText                 // TEXT, JSONB
	vBool                 // BOOLEAN, as 0 and 1
	vTime                 // DATE, TIMESTAMP, as Unix microseconds: lakelink's precision, years ±290,000
	vAny                  // anything else (UUID, vectors): Go values
)

func kindOf(t lake.Type) vecKind {
	if t.Dim > 0 || t.Elem != 0 {
		return vAny
	}
	switch t.Kind {
	case lake.KindSmallInt, lake.KindInt, lake.KindBigInt:
		return vInt
	case lake.KindReal, lake.KindDouble:
		return vFloat
	case lake.KindText, lake.KindJSONB:
		return vText
	case lake.KindBoolean:
		return vBool
	case lake.KindDate, lake.KindTimestamp:
		return vTime
	}
	return vAny
}

// vec is one column of a batch.
type vec struct {
	kind   vecKind
	ints   []int64
	floats []float64
	strs   []string
	anys   []any
	nulls  []bool
}

func (v *vec) reset() {
	v.ints, v.floats, v.strs, v.anys, v.nulls = v.ints[:0], v.floats[:0], v.strs[:0], v.anys[:0], v.nulls[:0]
}

// add appends a stored value.
func (v *vec) add(x any) {
	v.nulls = append(v.nulls, x == nil)
	switch v.kind {
	case vInt:
		n, _ := x.(int64)
		v.ints = append(v.ints, n)
	case vFloat:
		var f float64
		switch y := x.(type) {
		case float64:
			f = y
		case float32:
			f = float64(y)
		}
		v.floats = append(v.floats, f)
	case vText:
		s, _ := x.(string)
		v.strs = append(v.strs, s)
	case vBool:
		var n int64
		if b, _ := x.(bool); b {
			n = 1
		}
		v.ints = append(v.ints, n)
	case vTime:
		var n int64
		if t, ok := x.(time.Time); ok {
			n = t.UnixMicro() // not UnixNano, which overflows outside 1678-2262
		}
		v.ints = append(v.ints, n)
	default:
		v.anys = append(v.anys, x)
	}
}

// value is row i's value as the store holds it (t is the column's type).
func (v *vec) value(i int, t lake.Type) any {
	if v.nulls[i] {
		return nil
	}
	return fromVec(v.kind, t, v, i)
}

func fromVec(k vecKind, t lake.Type, v *vec, i int) any {
	switch k {
	case vInt:
		return v.ints[i]
	case vFloat:
		if t.Kind == lake.KindReal {
			return float32(v.floats[i])
		}
		return v.floats[i]
	case vText:
		return v.strs[i]
	case vBool:
		return v.ints[i] == 1
	case vTime:
		return time.UnixMicro(v.ints[i]).UTC()
	}
	return v.anys[i]
}

// grouper gives each row of a batch its group's id, adding groups as it
// meets them; keys holds each group's key values.
type grouper struct {
	cols  []*vec
	types []lake.Type
	ints  map[int64]int32  // one integer-like key
	strs  map[string]int32 // one text key, or several keys encoded
	null  int32            // the group of a NULL single key, or -1
	keys  [][]any
	buf   []byte
}

func newGrouper(cols []*vec, types []lake.Type) *grouper {
	return &grouper{cols: cols, types: types, ints: map[int64]int32{}, strs: map[string]int32{}, null: -1}
}

func (g *grouper) newGroup(i int) int32 {
	key := make([]any, len(g.cols))
	for j, c := range g.cols {
		key[j] = c.value(i, g.types[j])
	}
	g.keys = append(g.keys, key)
	return int32(len(g.keys) - 1)
}

// ids sets gids[i] for the n rows of the batch.
func (g *grouper) ids(n int, gids []int32) {
	switch {
	case len(g.cols) == 0: // no GROUP BY: one group, even for no rows
		for i := range n {
			gids[i] = 0
		}
	case len(g.cols) == 1 && (g.cols[0].kind == vInt || g.cols[0].kind == vBool || g.cols[0].kind == vTime):
		groupOne(g, g.cols[0].ints[:n], g.cols[0].nulls, g.ints, gids)
	case len(g.cols) == 1 && g.cols[0].kind == vText:
		groupOne(g, g.cols[0].strs[:n], g.cols[0].nulls, g.strs, gids)
	default: // several keys, or values of other kinds: an encoded key
		for i := range n {
			g.buf = g.buf[:0]
			for _, c := range g.cols {
				if c.nulls[i] {
					g.buf = append(g.buf, 0)
					continue
				}
				g.buf = append(g.buf, 1)
				switch c.kind {
				case vInt, vBool, vTime:
					g.buf = binary.LittleEndian.AppendUint64(g.buf, uint64(c.ints[i]))
				case vFloat:
					g.buf = binary.LittleEndian.AppendUint64(g.buf, math.Float64bits(c.floats[i]))
				case vText:
					g.buf = binary.AppendUvarint(g.buf, uint64(len(c.strs[i])))
					g.buf = append(g.buf, c.strs[i]...)
				default:
					s := fmt.Sprint(c.anys[i])
					g.buf = binary.AppendUvarint(g.buf, uint64(len(s)))
					g.buf = append(g.buf, s...)
				}
			}
			id, ok := g.strs[string(g.buf)]
			if !ok {
				id = g.newGroup(i)
				g.strs[string(g.buf)] = id
			}
			gids[i] = id
		}
	}
}

// groupOne gives the rows of one key column their groups through ids, a
// hash table on the key's own type; NULL keys share one group.
func groupOne[K comparable](g *grouper, keys []K, nulls []bool, ids map[K]int32, gids []int32) {
	for i, k := range keys {
		if nulls[i] {
			if g.null < 0 {
				g.null = g.newGroup(i)
			}
			gids[i] = g.null
			continue
		}
		id, ok := ids[k]
		if !ok {
			id = g.newGroup(i)
			ids[k] = id
		}
		gids[i] = id
	}
}

// aggState is one aggregate's per-group state.
type aggState struct {
	fn    string // count, sum, avg, min, max
	col   *vec   // its input; nil for count(*)
	typ   lake.Type
	name  string // the aggregate as written, for errors: sum(n)
	count []int64
	isum  []int64
	fsum  []float64
	ints  []int64 // min and max of integer-like columns
	flts  []float64
	strs  []string
	has   []bool
	anys  []any
	err   error
}

func (a *aggState) grow(groups int) {
	for len(a.count) < groups {
		a.count = append(a.count, 0)
		a.isum = append(a.isum, 0)
		a.fsum = append(a.fsum, 0)
		a.ints = append(a.ints, 0)
		a.flts = append(a.flts, 0)
		a.strs = append(a.strs, "")
		a.has = append(a.has, false)
		a.anys = append(a.anys, nil)
	}
}

// update is the aggregate's kernel over one batch.
func (a *aggState) update(n int, gids []int32) {
	if a.col == nil { // count(*)
		for _, g := range gids[:n] {
			a.count[g]++
		}
		return
	}
	c, nulls := a.col, a.col.nulls
	switch {
	case a.fn == "count":
		for i, g := range gids[:n] {
			if !nulls[i] {
				a.count[g]++
			}
		}
	case c.kind == vFloat && (a.fn == "sum" || a.fn == "avg"):
		for i, g := range gids[:n] {
			if !nulls[i] {
				a.fsum[g] += c.floats[i]
				a.count[g]++
			}
		}
	case c.kind == vInt && a.fn == "sum":
		for i, g := range gids[:n] {
			if !nulls[i] {
				s, x := a.isum[g], c.ints[i]
				if (x > 0 && s > math.MaxInt64-x) || (x < 0 && s < math.MinInt64-x) {
					a.err = fmt.Errorf("%s is out of BIGINT's range", a.name)
				}
				a.isum[g] = s + x
				a.count[g]++
			}
		}
	case c.kind == vInt && a.fn == "avg":
		for i, g := range gids[:n] {
			if !nulls[i] {
				a.fsum[g] += float64(c.ints[i])
				a.count[g]++
			}
		}
	case (c.kind == vInt || c.kind == vBool || c.kind == vTime) && (a.fn == "min" || a.fn == "max"):
		extremes(a.fn == "min", c.ints[:n], nulls, gids[:n], a.ints, a.has)
	case c.kind == vFloat && (a.fn == "min" || a.fn == "max"):
		extremes(a.fn == "min", c.floats[:n], nulls, gids[:n], a.flts, a.has)
	case c.kind == vText && (a.fn == "min" || a.fn == "max"):
		extremes(a.fn == "min", c.strs[:n], nulls, gids[:n], a.strs, a.has)
	}
}

// extremes is min's (least) or max's kernel: each non-NULL value in vals
// replaces its group's state when it is smaller (larger), in cmp's order,
// which ORDER BY uses too (NaN below every number).
func extremes[T cmp.Ordered](least bool, vals []T, nulls []bool, gids []int32, state []T, has []bool) {
	for i, g := range gids {
		if nulls[i] {
			continue
		}
		x := vals[i]
		if !has[g] || least && cmp.Less(x, state[g]) || !least && cmp.Less(state[g], x) {
			state[g], has[g] = x, true
		}
	}
}

// result is group g's value, and the result column's type.
func (a *aggState) result(g int) any {
	switch a.fn {
	case "count":
		return a.count[g]
	case "avg":
		if a.count[g] == 0 {
			return nil
		}
		return a.fsum[g] / float64(a.count[g])
	case "sum":
		if a.count[g] == 0 {
			return nil
		}
		if a.col.kind == vInt {
			return a.isum[g]
		}
		return a.fsum[g]
	}
	if !a.has[g] {
		return nil
	}
	v := &vec{ints: a.ints, floats: a.flts, strs: a.strs}
	return fromVec(a.col.kind, a.typ, v, g)
}

func (a *aggState) resultType() lake.Type {
	switch a.fn {
	case "count":
		return lake.BigInt
	case "avg":
		return lake.Double
	case "sum":
		if a.col.kind == vInt {
			return lake.BigInt
		}
		return lake.Double
	}
	return a.typ
}

// aggColumn is one column of an aggregated result: a group key or an
// aggregate; hidden ones are what HAVING or ORDER BY name without the
// SELECT showing them.
type aggColumn struct {
	name   string // as the result names it
	canon  string // as HAVING and ORDER BY may name it: a column, count(*)
	alias  string
	key    int // index among the group keys, or -1
	agg    *aggState
	hidden bool
}

// aggregate answers a SELECT that groups or aggregates, over the rows
// scan gives that match keeps.
func (s *Session) aggregate(ctx context.Context, q Select, schema lake.Schema, scan func(fn func(store.Row) error) error, match func(store.Row) bool) (Result, error) {
	src := q.Src
	// The columns the query reads, each gathered once into a vector.
	vecs := map[int]*vec{}
	column := func(name string, pos int) (int, *vec, error) {
		i := schema.Index(name)
		if i < 0 {
			return -1, nil, sql.ErrorAt(src, pos, noColumn(q.Table, name, schema))
		}
		v, ok := vecs[i]
		if !ok {
			v = &vec{kind: kindOf(schema.Columns[i].Type)}
			vecs[i] = v
		}
		return i, v, nil
	}
	items := q.Items
	groupBy := q.GroupBy
	if q.Distinct && len(groupBy) == 0 && !hasAggregate(items) {
		for i := range items { // DISTINCT a, b is GROUP BY a, b
			groupBy = append(groupBy, sql.GroupTerm{Ordinal: i + 1, Pos: items[i].Pos})
		}
	}
	var keyCols []*vec
	var keyTypes []lake.Type
	var keyIdx []int
	var cols []aggColumn
	keyOf := func(i int) int {
		for k, ki := range keyIdx {
			if ki == i {
				return k
			}
		}
		return -1
	}
	for _, g := range groupBy {
		name, pos := g.Name, g.Pos
		if g.Ordinal > 0 {
			name, pos = items[g.Ordinal-1].Column, items[g.Ordinal-1].Pos
		} else {
			for _, it := range items { // GROUP BY an alias
				if it.Agg == "" && it.Alias != "" && strings.EqualFold(it.Alias, name) {
					name = it.Column
				}
			}
		}
		i, v, err := column(name, pos)
		if err != nil {
			return Result{}, err
		}
		if keyOf(i) < 0 {
			keyIdx, keyCols, keyTypes = append(keyIdx, i), append(keyCols, v), append(keyTypes, schema.Columns[i].Type)
		}
	}
	var aggs []*aggState
	addAgg := func(it sql.Item) (*aggState, error) {
		a := &aggState{fn: it.Agg, name: it.AggText()}
		if it.Column != "" {
			i, v, err := column(it.Column, it.Pos)
			if err != nil {
				return nil, err
			}
			a.col, a.typ = v, schema.Columns[i].Type
			if v.kind == vAny && it.Agg != "count" {
				return nil, sql.ErrorAt(src, it.Pos, fmt.Errorf("%s() of %s, a %s column, is not supported", it.Agg, it.Column, a.typ))
			}
			if (it.Agg == "sum" || it.Agg == "avg") && v.kind != vInt && v.kind != vFloat {
				return nil, sql.ErrorAt(src, it.Pos, fmt.Errorf("%s() needs a number; %s is %s", it.Agg, it.Column, a.typ))
			}
		}
		aggs = append(aggs, a)
		return a, nil
	}
	for _, it := range items {
		if it.Agg != "" {
			a, err := addAgg(it)
			if err != nil {
				return Result{}, err
			}
			cols = append(cols, aggColumn{name: it.Name(), canon: it.AggText(), alias: it.Alias, key: -1, agg: a})
			continue
		}
		i, _, err := column(it.Column, it.Pos)
		if err != nil {
			return Result{}, err
		}
		cols = append(cols, aggColumn{name: it.Name(), canon: schema.Columns[i].Name, alias: it.Alias, key: keyOf(i)})
	}
	// What HAVING and ORDER BY name that the SELECT does not show.
	find := func(name string) int {
		for i, c := range cols {
			if strings.EqualFold(c.canon, name) || c.alias != "" && strings.EqualFold(c.alias, name) || strings.EqualFold(c.name, name) && c.agg == nil {
				return i
			}
		}
		return -1
	}
	need := func(name string, pos int) error {
		if find(name) >= 0 {
			return nil
		}
		if agg, col, ok := parseAggName(name); ok {
			a, err := addAgg(sql.Item{Agg: agg, Column: col, Pos: pos})
			if err != nil {
				return err
			}
			cols = append(cols, aggColumn{name: name, canon: name, key: -1, agg: a, hidden: true})
			return nil
		}
		i := schema.Index(name)
		if i < 0 || keyOf(i) < 0 {
			return sql.ErrorAt(src, pos, fmt.Errorf("%s is not a result column, a grouped column or an aggregate", name))
		}
		cols = append(cols, aggColumn{name: schema.Columns[i].Name, canon: schema.Columns[i].Name, key: keyOf(i), hidden: true})
		return nil
	}
	if q.Having != nil {
		if err := walkCompares(q.Having.Expr, func(c sql.Compare) error { return need(c.Column, c.Pos) }); err != nil {
			return Result{}, err
		}
	}
	for _, o := range orderTerms(q) {
		if o.Vector == nil && o.Ordinal == 0 {
			if err := need(o.Name, 0); err != nil {
				return Result{}, err
			}
		}
	}

	// Gather, group, aggregate.
	g := newGrouper(keyCols, keyTypes)
	gids := make([]int32, aggBatch)
	var order []int // the schema columns gathered, in a fixed order
	for i := range vecs {
		order = append(order, i)
	}
	n := 0
	flush := func() {
		if n == 0 && len(keyCols) > 0 {
			return
		}
		g.ids(n, gids)
		groups := len(g.keys)
		if len(keyCols) == 0 && groups == 0 {
			g.keys, groups = append(g.keys, nil), 1
		}
		for _, a := range aggs {
			a.grow(groups)
			a.update(n, gids)
		}
		for _, v := range vecs {
			v.reset()
		}
		n = 0
	}
	var scanned int64
	if scan == nil { // Describe: the columns only
		scan = func(func(store.Row) error) error { return nil }
	}
	err := scan(func(r store.Row) error {
		if scanned++; scanned%aggBatch == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if match != nil && !match(r) {
			return nil
		}
		for _, i := range order {
			vecs[i].add(r[i])
		}
		if n++; n == aggBatch {
			flush()
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	flush()
	for _, a := range aggs {
		if a.err != nil {
			return Result{}, a.err
		}
	}

	// The result rows, then HAVING, DISTINCT, ORDER BY, OFFSET, LIMIT.
	res := Result{}
	var all lake.Schema
	for _, c := range cols {
		t := lake.Type{}
		if c.agg != nil {
			t = c.agg.resultType()
		} else {
			t = keyTypes[c.key]
		}
		all.Columns = append(all.Columns, lake.Column{Name: c.canon, Type: t})
		if !c.hidden {
			res.Columns, res.Types = append(res.Columns, c.name), append(res.Types, t)
		}
	}
	rows := make([][]any, 0, len(g.keys))
	for gi, key := range g.keys {
		row := make([]any, len(cols))
		for j, c := range cols {
			if c.agg != nil {
				row[j] = c.agg.result(gi)
			} else {
				row[j] = key[c.key]
			}
		}
		rows = append(rows, row)
	}
	if q.Having != nil {
		having := &sql.Where{Expr: renameCompares(q.Having.Expr, func(name string) string {
			if i := find(name); i >= 0 {
				return cols[i].canon
			}
			return name
		}), Src: q.Having.Src}
		keep, err := rowFilter(having, all)
		if err != nil {
			return Result{}, err
		}
		kept := rows[:0]
		for _, r := range rows {
			if keep(r) {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	if q.Distinct && (len(q.GroupBy) > 0 || hasAggregate(items)) {
		seen := map[string]bool{}
		kept := rows[:0]
		for _, r := range rows {
			k := fmt.Sprint(r)
			if !seen[k] {
				seen[k] = true
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	if terms := orderTerms(q); terms != nil {
		var sortCols []int
		for _, o := range terms {
			if o.Vector != nil {
				return Result{}, fmt.Errorf("ORDER BY a vector comparison cannot order groups")
			}
			col := o.Ordinal - 1
			if o.Ordinal == 0 {
				if col = find(o.Name); col < 0 {
					return Result{}, fmt.Errorf("ORDER BY %s: not a result column, a grouped column or an aggregate", o.Name)
				}
			} else if col >= len(items) {
				return Result{}, fmt.Errorf("ORDER BY %d: the SELECT has %d item(s)", o.Ordinal, len(items))
			}
			sortCols = append(sortCols, col)
		}
		rows = sortByColumns(rows, sortCols, terms)
	}
	rows = page(rows, q)
	for _, r := range rows {
		out := make([]any, 0, len(res.Columns))
		for j, c := range cols {
			if !c.hidden {
				out = append(out, r[j])
			}
		}
		res.Rows = append(res.Rows, out)
	}
	res.Plan = fmt.Sprintf("aggregate: %d group(s) over %d column(s), in batches of %d rows", len(g.keys), len(vecs), aggBatch)
	return res, nil
}

// page is the rows OFFSET and LIMIT keep.
func page(rows [][]any, q Select) [][]any {
	if q.Offset > 0 {
		rows = rows[min(q.Offset, len(rows)):]
	}
	if q.Limit >= 0 && len(rows) > q.Limit {
		rows = rows[:q.Limit]
	}
	return rows
}

func hasAggregate(items []sql.Item) bool {
	for _, it := range items {
		if it.Agg != "" {
			return true
		}
	}
	return false
}

// parseAggName reads an aggregate named as written: count(*), sum(x).
func parseAggName(name string) (agg, col string, ok bool) {
	open := strings.IndexByte(name, '(')
	if open < 0 || !strings.HasSuffix(name, ")") {
		return "", "", false
	}
	agg, col = strings.ToLower(name[:open]), name[open+1:len(name)-1]
	if col == "*" {
		col = ""
	}
	col = strings.Trim(col, `"`)
	for _, a := range sql.Aggregates {
		if a == agg {
			return agg, col, agg == "count" || col != ""
		}
	}
	return "", "", false
}

func walkCompares(e sql.Expr, fn func(sql.Compare) error) error {
	switch x := e.(type) {
	case sql.Logical:
		if err := walkCompares(x.L, fn); err != nil {
			return err
		}
		return walkCompares(x.R, fn)
	case sql.Not:
		return walkCompares(x.X, fn)
	case sql.Compare:
		return fn(x)
	}
	return nil
}

func renameCompares(e sql.Expr, rename func(string) string) sql.Expr {
	switch x := e.(type) {
	case sql.Logical:
		return sql.Logical{Op: x.Op, L: renameCompares(x.L, rename), R: renameCompares(x.R, rename)}
	case sql.Not:
		return sql.Not{X: renameCompares(x.X, rename)}
	case sql.Compare:
		x.Column = rename(x.Column)
		return x
	}
	return e
}
