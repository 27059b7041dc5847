package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// A vector index of a table is declared in its TableInfo (Indexes) and
// stored as segments: each commit that writes rows of an indexed table
// stores, at its own timestamp, one segment per index covering the rows
// it wrote; CREATE INDEX stores one covering the rows there are. A segment
// records each entry's row version (the commit that wrote the row). A row
// that a later commit rewrites or deletes has a newer version, or none, so
// a search reading at commit T uses the segments at or below T and keeps
// an entry only while the row's version at T is the entry's.
// What the segment holds is the index package's encoding; the store only
// keeps it, in chunks of at most indexChunk bytes.
//
//	x<table id:4><index name>\x00<segment ts:8><chunk:4>

const spaceIndex = 'x'

// indexChunk bounds one stored value of a segment.
const indexChunk = 8 << 20

// IndexDef declares a vector index on a table column.
type IndexDef struct {
	Name    string         `json:"name"`
	Column  string         `json:"column"`
	Type    string         `json:"type"`   // "hnsw" or "flat"
	Metric  string         `json:"metric"` // "l2", "cosine" or "ip"
	Options map[string]int `json:"options,omitempty"`
}

// Index returns the table's index of that name.
func (t TableInfo) Index(name string) (IndexDef, bool) {
	for _, d := range t.Indexes {
		if strings.EqualFold(d.Name, name) {
			return d, true
		}
	}
	return IndexDef{}, false
}

func indexPrefix(tableID uint32, index string) []byte {
	k := append(rowPrefix(tableID)[:5:5], strings.ToLower(index)...)
	k[0] = spaceIndex
	return append(k, 0)
}

// SetIndexes replaces a table's index declarations.
func (c *Commit) SetIndexes(name string, defs []IndexDef) (TableInfo, error) {
	ti, err := c.Table(name)
	if err != nil {
		return ti, err
	}
	ti.Indexes = defs
	return ti, c.putTable(ti)
}

// PutIndexSegment stores a segment of the table's index at this commit.
// The commit keeps a reference to data until Finish.
func (c *Commit) PutIndexSegment(t TableInfo, index string, data []byte) error {
	prefix := binary.BigEndian.AppendUint64(indexPrefix(t.ID, index), c.ts)
	for n, off := uint32(0), 0; off < len(data) || n == 0; n++ {
		end := min(off+indexChunk, len(data))
		if err := c.wb.Set(binary.BigEndian.AppendUint32(bytes.Clone(prefix), n), data[off:end]); err != nil {
			return err
		}
		off = end
	}
	return nil
}

// DropIndexSegments deletes every segment of the index visible at the
// commit's base: for DROP INDEX, and before a segment that replaces them
// all. Earlier commits still read them.
func (c *Commit) DropIndexSegments(t TableInfo, index string) error {
	it := c.read.NewIterator(badger.IteratorOptions{Prefix: indexPrefix(t.ID, index)})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if err := c.wb.Delete(it.Item().KeyCopy(nil)); err != nil {
			return err
		}
	}
	return nil
}

// IndexSegment is one stored segment of an index.
type IndexSegment struct {
	TS   uint64 // the commit that wrote it, and the version of the rows it covers
	Data []byte
}

// IndexSegments returns the segments of a table's index at commit at,
// oldest first.
func (v *View) IndexSegments(t TableInfo, index string) ([]IndexSegment, error) {
	if v.err != nil {
		return nil, v.err
	}
	prefix := indexPrefix(t.ID, index)
	it := v.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var out []IndexSegment
	for it.Rewind(); it.Valid(); it.Next() {
		key := it.Item().Key()
		if len(key) != len(prefix)+12 {
			return nil, fmt.Errorf("corrupt index key %q", key)
		}
		ts, chunk := binary.BigEndian.Uint64(key[len(prefix):]), binary.BigEndian.Uint32(key[len(prefix)+8:])
		if chunk == 0 {
			out = append(out, IndexSegment{TS: ts})
		} else if len(out) == 0 || out[len(out)-1].TS != ts {
			return nil, fmt.Errorf("index %s of table %s: segment %d lacks its first chunk", index, t.Name, ts)
		}
		seg := &out[len(out)-1]
		if err := it.Item().Value(func(b []byte) error { seg.Data = append(seg.Data, b...); return nil }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// IndexSegmentTimes lists the commits whose segments index holds at the
// view, oldest first, without reading them: a reader that keeps decoded
// segments reads only those it lacks (IndexSegmentAt).
func (v *View) IndexSegmentTimes(t TableInfo, index string) ([]uint64, error) {
	if v.err != nil {
		return nil, v.err
	}
	prefix := indexPrefix(t.ID, index)
	it := v.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var out []uint64
	for it.Rewind(); it.Valid(); it.Next() {
		key := it.Item().Key()
		if len(key) != len(prefix)+12 {
			return nil, fmt.Errorf("corrupt index key %q", key)
		}
		if binary.BigEndian.Uint32(key[len(prefix)+8:]) == 0 {
			out = append(out, binary.BigEndian.Uint64(key[len(prefix):]))
		}
	}
	return out, nil
}

// IndexSegmentAt reads the segment of index that commit ts wrote.
func (v *View) IndexSegmentAt(t TableInfo, index string, ts uint64) ([]byte, error) {
	if v.err != nil {
		return nil, v.err
	}
	prefix := binary.BigEndian.AppendUint64(indexPrefix(t.ID, index), ts)
	it := v.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var data []byte
	for it.Rewind(); it.Valid(); it.Next() {
		if err := it.Item().Value(func(b []byte) error { data = append(data, b...); return nil }); err != nil {
			return nil, err
		}
	}
	if data == nil {
		return nil, fmt.Errorf("index %s of table %s: no segment of commit %d", index, t.Name, ts)
	}
	return data, nil
}

// View reads the store as of one commit, for many lookups.
type View struct {
	s   *Store
	at  uint64
	txn *badger.Txn
	err error // ErrCollected when at has been collected
}

// View opens a read view at commit at. Close it when done.
func (s *Store) View(at uint64) *View {
	return &View{s: s, at: at, txn: s.db.NewTransactionAt(at, false), err: s.readable(at)}
}

// Close releases the view.
func (v *View) Close() { v.txn.Discard() }

// Table returns the named table as the view sees it.
func (v *View) Table(name string) (TableInfo, error) {
	if v.err != nil {
		return TableInfo{}, v.err
	}
	return tableIn(v.txn, name)
}

// Row returns the stored value of the row with this primary key (the key
// suffix after the table's row prefix) and the commit that wrote it; found
// is false when there is none.
func (v *View) Row(t TableInfo, pk []byte) (value []byte, version uint64, found bool, err error) {
	if v.err != nil {
		return nil, 0, false, v.err
	}
	item, err := v.txn.Get(append(rowPrefix(t.ID), pk...))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	value, err = item.ValueCopy(nil)
	return value, item.Version(), err == nil, err
}

// Rows calls fn with the primary key (the key after the table's row
// prefix), value and version (the commit that wrote it) of every row of
// the table, in key order; with onlyOwn, only of the rows that the view's
// own commit wrote: what a segment built at that commit covers.
func (v *View) Rows(t TableInfo, onlyOwn bool, fn func(pk, value []byte, version uint64) error) error {
	if v.err != nil {
		return v.err
	}
	prefix := rowPrefix(t.ID)
	it := v.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: !onlyOwn, PrefetchSize: 256})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		if onlyOwn && item.Version() != v.at {
			continue
		}
		if err := item.Value(func(val []byte) error { return fn(item.Key()[len(prefix):], val, item.Version()) }); err != nil {
			return err
		}
	}
	return nil
}

// View flushes what the commit has written and returns a view at its
// timestamp, which sees those writes (nobody else does until Finish).
func (c *Commit) View() (*View, error) {
	if err := c.Flush(); err != nil {
		return nil, err
	}
	return c.s.View(c.ts), nil
}

// IndexSegmentCount is how many segments of the index the commit's base has.
func (c *Commit) IndexSegmentCount(t TableInfo, index string) (int, error) {
	prefix := indexPrefix(t.ID, index)
	it := c.read.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	n := 0
	for it.Rewind(); it.Valid(); it.Next() {
		if k := it.Item().Key(); len(k) == len(prefix)+12 && binary.BigEndian.Uint32(k[len(prefix)+8:]) == 0 {
			n++
		}
	}
	return n, nil
}
