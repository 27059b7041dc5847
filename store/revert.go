package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// ErrConflict is the error of reverting a commit whose rows later commits
// changed again.
var ErrConflict = errors.New("changed again by later commits")

// Revert writes, in this commit, the inverse of commit ts's changes to
// rows, graph adjacency and cold files (a tiering move): every such key that ts wrote or deleted gets
// back the value it had before ts (or is deleted, if it had none). It
// returns, per table, the rows it puts back (Inserted), deletes again
// (Deleted) and restores to an older value (Updated).
//
// It refuses, writing nothing: a commit that changed the catalog (tables,
// their indexes, graphs), tags or the retention point, because those are
// not row changes; a commit that changed no rows; a commit whose parent
// GC has collected; and, naming them, rows that a commit after ts changed
// again (ErrConflict: revert the later commits first, newest first).
//
// The rows it writes get this commit's version, so index segments of
// earlier commits no longer cover them: a caller writing rows of an
// indexed table stores segments for them, as for any write. Job records
// and error tables of ts stay: they are history.
func (c *Commit) Revert(ts uint64) (map[string]TableChange, error) {
	ci, err := getJSON[CommitInfo](c.read, commitKey(ts))
	if err != nil || ts > c.base {
		return nil, fmt.Errorf("revert: no commit %d (the head is %d)", ts, c.base)
	}
	for _, at := range []uint64{ts, ci.Parent} {
		if err := c.s.readable(at); err != nil {
			return nil, fmt.Errorf("revert %d: %w", ts, err)
		}
	}
	tables, err := list[TableInfo](c.s, c.base, []byte{spaceTable})
	if err != nil {
		return nil, err
	}
	byID := map[uint32]TableInfo{}
	for _, t := range tables {
		byID[t.ID] = t
	}
	txn := c.s.db.NewTransactionAt(c.base, false)
	defer txn.Discard()
	before := c.s.db.NewTransactionAt(ci.Parent, false)
	defer before.Discard()
	// Versions from ts up to the base, newest first for each key.
	it := txn.NewIterator(badger.IteratorOptions{AllVersions: true, SinceTs: ts - 1})
	defer it.Close()

	changes := map[string]TableChange{}
	var conflicts []string
	nConflicts, nRows := 0, 0
	var key []byte
	var newest uint64
	for it.Rewind(); it.Valid(); {
		key = it.Item().KeyCopy(key[:0])
		newest = it.Item().Version()
		mine, deleted := false, false // whether ts wrote the key, and deleted it
		for ; it.Valid() && string(it.Item().Key()) == string(key); it.Next() {
			if it.Item().Version() == ts {
				mine, deleted = true, it.Item().IsDeletedOrExpired()
			}
		}
		if !mine {
			continue
		}
		switch key[0] {
		case spaceTable, spaceGraph:
			return nil, fmt.Errorf("revert %d (%s): it changed the catalog (%q): revert undoes changes to rows, not CREATE, ALTER or DROP of tables, indexes or graphs", ts, ci.Message, key[1:])
		case spaceTag:
			return nil, fmt.Errorf("revert %d (%s): it created or deleted tag %q; tags are immutable (lakelink tag delete)", ts, ci.Message, key[1:])
		case spaceRetention:
			return nil, fmt.Errorf("revert %d (%s): a gc cannot be undone", ts, ci.Message)
		case spaceRow, spaceAdjacency, spaceCold:
		default:
			continue // meta, commit, job and error records, index segments
		}
		if len(key) < 5 {
			return nil, fmt.Errorf("revert %d: corrupt key %q", ts, key)
		}
		t, ok := byID[binary.BigEndian.Uint32(key[1:5])]
		if !ok {
			return nil, fmt.Errorf("revert %d (%s): its table was dropped since", ts, ci.Message)
		}
		if newest != ts {
			if nConflicts++; len(conflicts) < 10 && key[0] == spaceRow {
				conflicts = append(conflicts, fmt.Sprintf("%s %s (commit %d)", t.Name, c.s.describeKey(t, key[5:], ts, ci.Parent), newest))
			}
			continue
		}
		old, err := before.Get(key)
		had := err == nil
		if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
			return nil, err
		}
		k := append([]byte(nil), key...)
		if had {
			v, err := old.ValueCopy(nil)
			if err != nil {
				return nil, err
			}
			err = c.wb.Set(k, v)
		} else {
			err = c.wb.Delete(k)
		}
		if err != nil {
			return nil, err
		}
		if key[0] != spaceRow {
			continue
		}
		nRows++
		ch := changes[strings.ToLower(t.Name)]
		switch has := !deleted; {
		case had && has:
			ch.Updated++
		case had:
			ch.Inserted++
		case has:
			ch.Deleted++
		}
		changes[strings.ToLower(t.Name)] = ch
	}
	if nConflicts > 0 {
		return nil, fmt.Errorf("revert %d (%s): %d row(s) %w: %s%s; revert those commits first, newest first",
			ts, ci.Message, nConflicts, ErrConflict, strings.Join(conflicts, ", "), map[bool]string{true: ", ..."}[nConflicts > len(conflicts)])
	}
	if nRows == 0 {
		return nil, fmt.Errorf("revert %d (%s): it changed no rows, nothing to revert", ts, ci.Message)
	}
	for name, ch := range changes {
		c.Count(name, ch.Inserted, ch.Updated, ch.Deleted)
	}
	return changes, nil
}

// describeKey names a row by its primary key values ("id=42"), read from
// its value at ts or, deleted there, at parent; a row of a table without
// a primary key by its hidden id.
func (s *Store) describeKey(t TableInfo, pk []byte, ts, parent uint64) string {
	pkCols := t.Schema.PKIndexes()
	if len(pkCols) == 0 {
		if len(pk) == 16 {
			return fmt.Sprintf("row %d#%d", binary.BigEndian.Uint64(pk), binary.BigEndian.Uint64(pk[8:]))
		}
		return fmt.Sprintf("row %x", pk)
	}
	for _, at := range []uint64{ts, parent} {
		txn := s.db.NewTransactionAt(at, false)
		item, err := txn.Get(append(rowPrefix(t.ID), pk...))
		if err == nil {
			var row Row
			if item.Value(func(b []byte) error { row, err = DecodeRow(t.Schema, b); return err }) == nil {
				txn.Discard()
				parts := make([]string, len(pkCols))
				for i, c := range pkCols {
					parts[i] = fmt.Sprintf("%s=%v", t.Schema.Columns[c].Name, row[c])
				}
				return strings.Join(parts, ", ")
			}
		}
		txn.Discard()
	}
	return fmt.Sprintf("key %x", pk)
}
