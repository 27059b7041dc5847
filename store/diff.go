package store

import (
	"bytes"
	"reflect"

	badger "github.com/dgraph-io/badger/v4"
)

// Change is one row that differs between two commits of a table.
type Change struct {
	Kind    string   // "added", "removed" or "changed"
	Key     []byte   // the row key (after the table's row prefix)
	Old     Row      // the row at the first commit; nil when added
	New     Row      // the row at the second; nil when removed
	Columns []string // for "changed", the columns whose values differ
}

// Diff calls fn with every row of the table that differs between commit a
// and commit b, in key order: added (only at b), removed (only at a) or
// changed (at both, with other values; Columns names them, by the table's
// columns at b). A table that exists at one commit only is all added or
// all removed. Rows that one commit wrote and both see are skipped without
// being read.
func (s *Store) Diff(table string, a, b uint64, fn func(Change) error) error {
	ta, erra := s.Table(table, a)
	tb, errb := s.Table(table, b)
	if erra != nil && errb != nil {
		return errb
	}
	side := func(t TableInfo, err error, at uint64) (*badger.Txn, *badger.Iterator, []byte) {
		if err != nil {
			return nil, nil, nil
		}
		txn := s.db.NewTransactionAt(at, false)
		prefix := rowPrefix(t.ID)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		it.Rewind()
		return txn, it, prefix
	}
	txnA, itA, pa := side(ta, erra, a)
	txnB, itB, pb := side(tb, errb, b)
	for _, txn := range []*badger.Txn{txnA, txnB} {
		if txn != nil {
			defer txn.Discard()
		}
	}
	for _, it := range []*badger.Iterator{itA, itB} {
		if it != nil {
			defer it.Close()
		}
	}
	valid := func(it *badger.Iterator) bool { return it != nil && it.Valid() }
	decode := func(t TableInfo, item *badger.Item) (Row, error) {
		var r Row
		err := item.Value(func(v []byte) error {
			var err error
			r, err = DecodeRow(t.Schema, v)
			return err
		})
		return r, err
	}
	for valid(itA) || valid(itB) {
		var ka, kb []byte
		if valid(itA) {
			ka = itA.Item().Key()[len(pa):]
		}
		if valid(itB) {
			kb = itB.Item().Key()[len(pb):]
		}
		c := 0
		switch {
		case ka == nil:
			c = 1
		case kb == nil:
			c = -1
		default:
			c = bytes.Compare(ka, kb)
		}
		var ch Change
		var err error
		switch {
		case c < 0:
			ch = Change{Kind: "removed", Key: bytes.Clone(ka)}
			ch.Old, err = decode(ta, itA.Item())
			itA.Next()
		case c > 0:
			ch = Change{Kind: "added", Key: bytes.Clone(kb)}
			ch.New, err = decode(tb, itB.Item())
			itB.Next()
		default:
			same := ta.ID == tb.ID && itA.Item().Version() == itB.Item().Version()
			if !same {
				ch = Change{Kind: "changed", Key: bytes.Clone(ka)}
				if ch.Old, err = decode(ta, itA.Item()); err == nil {
					ch.New, err = decode(tb, itB.Item())
				}
				if err == nil {
					ch.Columns = ChangedColumns(ta, tb, ch.Old, ch.New)
					if len(ch.Columns) == 0 {
						ch.Kind = ""
					}
				}
			}
			itA.Next()
			itB.Next()
		}
		if err != nil {
			return err
		}
		if ch.Kind == "" {
			continue
		}
		if err := fn(ch); err != nil {
			return err
		}
	}
	return nil
}

// ChangedColumns names the columns of b's schema whose values differ
// between the rows (a column that a lacks differs unless NULL in b).
func ChangedColumns(ta, tb TableInfo, old, new Row) []string {
	var out []string
	for j, c := range tb.Schema.Columns {
		var ov any
		if i := ta.Schema.Index(c.Name); i >= 0 {
			ov = old[i]
		}
		if !reflect.DeepEqual(ov, new[j]) {
			out = append(out, c.Name)
		}
	}
	return out
}
