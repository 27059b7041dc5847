package filter

// Range is what a row group's statistics say about one column: every
// non-NULL value lies in [Min, Max]. A column without usable statistics
// has no Range at all.
type Range struct {
	Min, Max Value
	// AllNull: the column holds only NULLs (Min and Max are unset).
	AllNull bool
}

// outcomes over-approximates which truth values an expression can take
// on the rows of a row group: a false field is a proof that no row gives
// that value.
type outcomes struct{ t, f, u bool }

var anything = outcomes{true, true, true}

// MayMatch reports whether some row of a row group whose column ranges
// stats returns can make e true. False is a proof: the row group can be
// skipped unread. Columns without a Range are taken to hold anything.
func (e Expr) MayMatch(stats func(column string) (Range, bool)) bool {
	return e.outcomes(stats).t
}

func (e Expr) outcomes(stats func(string) (Range, bool)) outcomes {
	switch e.Op {
	case OpAnd:
		a, b := e.Args[0].outcomes(stats), e.Args[1].outcomes(stats)
		return outcomes{t: a.t && b.t, f: a.f || b.f, u: a.u || b.u}
	case OpOr:
		a, b := e.Args[0].outcomes(stats), e.Args[1].outcomes(stats)
		return outcomes{t: a.t || b.t, f: a.f && b.f, u: a.u || b.u}
	case OpNot:
		a := e.Args[0].outcomes(stats)
		return outcomes{t: a.f, f: a.t, u: a.u}
	}
	r, ok := stats(e.Column)
	if !ok || r.Min.D == 0 && !r.AllNull || e.Cmp == "like" || e.Cmp == "null" && !r.AllNull {
		return anything
	}
	if e.Cmp == "null" { // over a column of NULLs only
		return outcomes{t: !e.Negate, f: e.Negate}
	}
	if r.AllNull {
		return outcomes{u: true}
	}
	// NULLs, if any, only add unknown; t and f are over the non-NULL values.
	t, f := e.rangeOutcomes(r.Min, r.Max)
	if e.Negate {
		t, f = f, t
	}
	return outcomes{t: t, f: f, u: true}
}

// rangeOutcomes says whether some value in [lo, hi] can satisfy the
// comparison (before Negate), and whether some can fail it.
func (e Expr) rangeOutcomes(lo, hi Value) (t, f bool) {
	single := compareValues(lo, hi) == 0
	switch e.Cmp {
	case "in":
		for _, v := range e.Values {
			if compareValues(lo, v) <= 0 && compareValues(v, hi) <= 0 {
				t = true
			}
		}
		// Only a range of one value, that value listed, cannot fail.
		return t, !(single && t)
	case "between":
		a, b := e.Values[0], e.Values[1]
		return compareValues(hi, a) >= 0 && compareValues(lo, b) <= 0,
			compareValues(lo, a) < 0 || compareValues(hi, b) > 0
	}
	v := e.Values[0]
	cl, ch := compareValues(lo, v), compareValues(hi, v)
	switch e.Cmp {
	case "=":
		return cl <= 0 && ch >= 0, !(single && cl == 0)
	case "!=":
		return !(single && cl == 0), cl <= 0 && ch >= 0
	case "<":
		return cl < 0, ch >= 0
	case "<=":
		return cl <= 0, ch > 0
	case ">":
		return ch > 0, cl <= 0
	}
	return ch >= 0, cl < 0 // >=
}
