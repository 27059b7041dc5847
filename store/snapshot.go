package store

import (
	"bytes"

	badger "github.com/dgraph-io/badger/v4"
)

// KeyRange is a half-open range [Start, End) of a table's row keys, each
// the key after the table's row prefix (the primary key encoding). A nil
// Start is the table's first row, a nil End runs to its last.
type KeyRange struct {
	Start []byte `json:"start,omitempty"`
	End   []byte `json:"end,omitempty"`
}

// contains reports whether the row key pk lies in the range.
func (r KeyRange) contains(pk []byte) bool {
	return (r.Start == nil || bytes.Compare(pk, r.Start) >= 0) && (r.End == nil || bytes.Compare(pk, r.End) < 0)
}

// Ranges cuts the rows of a table at commit at into at most n ranges of
// about equal row counts, in key order; together they cover every row
// exactly once. An empty table gives one range (the whole key space).
// Counting reads keys only, not values.
func (s *Store) Ranges(table string, at uint64, n int) ([]KeyRange, error) {
	txn, t, err := s.readTable(table, at)
	if err != nil {
		return nil, err
	}
	defer txn.Discard()
	prefix := rowPrefix(t.ID)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	var keys [][]byte
	total := 0
	for it.Rewind(); it.Valid(); it.Next() {
		total++
	}
	it.Close()
	if n < 1 {
		n = 1
	}
	if total < n {
		n = max(total, 1)
	}
	per := (total + n - 1) / n
	it = txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	i := 0
	for it.Rewind(); it.Valid(); it.Next() {
		if i > 0 && i%per == 0 {
			keys = append(keys, bytes.Clone(it.Item().Key()[len(prefix):]))
		}
		i++
	}
	out := make([]KeyRange, 0, len(keys)+1)
	var start []byte
	for _, k := range keys {
		out = append(out, KeyRange{Start: start, End: k})
		start = k
	}
	return append(out, KeyRange{Start: start}), nil
}

// ScanRange calls fn with the stored value of each row of the table at
// commit at whose key lies in r, in key order, until fn returns an error.
// The value is only valid during the call; DecodeRow reads it.
func (s *Store) ScanRange(table string, at uint64, r KeyRange, fn func(t TableInfo, pk, value []byte) error) error {
	txn, t, err := s.readTable(table, at)
	if err != nil {
		return err
	}
	defer txn.Discard()
	prefix := rowPrefix(t.ID)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 256})
	defer it.Close()
	for it.Seek(append(bytes.Clone(prefix), r.Start...)); it.Valid(); it.Next() {
		item := it.Item()
		pk := item.Key()[len(prefix):]
		if !r.contains(pk) {
			break
		}
		if err := item.Value(func(v []byte) error { return fn(t, pk, v) }); err != nil {
			return err
		}
	}
	return nil
}
