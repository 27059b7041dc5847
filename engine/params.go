package engine

import (
	"fmt"

	"github.com/lakelink/lakelink/sql"
)

// bindParams gives $N its value where a literal may stand: WHERE values
// (SELECT, DELETE, UPDATE) and INSERT and UPDATE values. Query vectors
// and table function arguments take theirs where they are used.
func (s *Session) bindParams(st Statement) (Statement, error) {
	var err error
	switch x := st.(type) {
	case Select:
		if x.Where, err = s.bindWhere(x.Where); err != nil || x.Sub == nil {
			return x, err
		}
		sub, err := s.bindParams(*x.Sub)
		if err != nil {
			return x, err
		}
		q := sub.(Select)
		x.Sub = &q
		return x, nil
	case Delete:
		x.Where, err = s.bindWhere(x.Where)
		return x, err
	case Explain:
		x.Query.Where, err = s.bindWhere(x.Query.Where)
		return x, err
	case Update:
		if x.Where, err = s.bindWhere(x.Where); err != nil {
			return x, err
		}
		set := make([]sql.Assignment, len(x.Set))
		for i, a := range x.Set {
			if a.Value, err = s.bindLiteral(a.Value); err != nil {
				return x, err
			}
			set[i] = a
		}
		x.Set = set
		return x, nil
	case Insert:
		rows := make([][]sql.Literal, len(x.Rows))
		for i, r := range x.Rows {
			rows[i] = make([]sql.Literal, len(r))
			for j, l := range r {
				if rows[i][j], err = s.bindLiteral(l); err != nil {
					return x, err
				}
			}
		}
		x.Rows = rows
		return x, nil
	}
	return st, nil
}

func (s *Session) bindLiteral(l sql.Literal) (sql.Literal, error) {
	p, ok := l.Value.(sql.Param)
	if !ok {
		return l, nil
	}
	v, ok := s.Params[p.N]
	if !ok {
		return l, fmt.Errorf("no value for $%d", p.N)
	}
	l.Value = v
	return l, nil
}

func (s *Session) bindWhere(w *Where) (*Where, error) {
	if w == nil {
		return nil, nil
	}
	e, err := s.bindExpr(w.Expr)
	if err != nil {
		return nil, err
	}
	return &Where{Expr: e, Src: w.Src}, nil
}

func (s *Session) bindExpr(e sql.Expr) (sql.Expr, error) {
	switch x := e.(type) {
	case sql.Logical:
		l, err := s.bindExpr(x.L)
		if err != nil {
			return nil, err
		}
		r, err := s.bindExpr(x.R)
		return sql.Logical{Op: x.Op, L: l, R: r}, err
	case sql.Not:
		in, err := s.bindExpr(x.X)
		return sql.Not{X: in}, err
	case sql.Compare:
		vals := make([]sql.Literal, len(x.Values))
		for i, v := range x.Values {
			var err error
			if vals[i], err = s.bindLiteral(v); err != nil {
				return nil, err
			}
		}
		x.Values = vals
		return x, nil
	}
	return e, nil
}
