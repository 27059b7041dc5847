package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/lakelink/lakelink/lake"
)

// Get returns the row with the given primary key values at commit at.
func (s *Store) Get(table string, at uint64, key ...any) (Row, error) {
	txn, t, err := s.readTable(table, at)
	if err != nil {
		return nil, err
	}
	defer txn.Discard()
	if len(t.Schema.PrimaryKey) == 0 {
		return nil, fmt.Errorf("table %q has no primary key", table)
	}
	pk, err := KeyOf(t.Schema, key...)
	if err != nil {
		return nil, fmt.Errorf("table %q: %w", table, err)
	}
	item, err := txn.Get(append(rowPrefix(t.ID), pk...))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("table %q: no row with key %v: %w", table, key, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	var row Row
	err = item.Value(func(b []byte) error {
		row, err = DecodeRow(t.Schema, b)
		return err
	})
	return row, err
}

// Scan calls fn for each row of the table at commit at, in key order (input
// order for tables without a primary key), until fn returns an error.
func (s *Store) Scan(table string, at uint64, fn func(Row) error) error {
	return s.scanRaw(table, at, true, func(t TableInfo, v []byte) error {
		row, err := DecodeRow(t.Schema, v)
		if err != nil {
			return err
		}
		return fn(row)
	})
}

func (s *Store) scanRaw(table string, at uint64, values bool, fn func(TableInfo, []byte) error) error {
	txn, t, err := s.readTable(table, at)
	if err != nil {
		return err
	}
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{Prefix: rowPrefix(t.ID), PrefetchValues: values, PrefetchSize: 256})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if !values {
			if err := fn(t, nil); err != nil {
				return err
			}
			continue
		}
		if err := it.Item().Value(func(v []byte) error { return fn(t, v) }); err != nil {
			return err
		}
	}
	return nil
}

// Count returns the number of rows of the table at commit at.
func (s *Store) Count(table string, at uint64) (int64, error) {
	var n int64
	err := s.scanRaw(table, at, false, func(TableInfo, []byte) error { n++; return nil })
	return n, err
}

// Digest is a content digest of the table at commit at: equal for two
// tables with the same schema and the same multiset of rows, whatever their
// insertion order, store or runner. Hidden row ids do not count.
func (s *Store) Digest(table string, at uint64) (string, error) {
	t, err := s.Table(table, at)
	if err != nil {
		return "", err
	}
	d := NewDigester(t.Schema)
	if err := s.DigestInto(table, at, d); err != nil {
		return "", err
	}
	return d.Sum(), nil
}

// DigestInto adds the table's rows at commit at to d, which was made for
// the table's schema at that commit: how a digest over rows kept
// elsewhere too (cold files) starts.
func (s *Store) DigestInto(table string, at uint64, d *Digester) error {
	return s.scanRaw(table, at, true, func(t TableInfo, v []byte) error {
		// Rows stored before an ALTER TABLE are hashed as they read now, so
		// that the digest depends on the table's contents, not its history.
		if n, _ := binary.Uvarint(v); t.Schema.Slots != nil || int(n) != len(t.Schema.Columns) {
			row, err := DecodeRow(t.Schema, v)
			if err != nil {
				return err
			}
			return d.Add(row)
		}
		d.addEncoded(v)
		return nil
	})
}

// Digester computes a table digest (Digest) over rows given one at a
// time, in any order: how rows read back from elsewhere (an export's
// files) are compared with a table.
type Digester struct {
	schema lake.Schema // plain
	sum    [4]uint64
	n      uint64
}

// NewDigester starts a digest of rows of a table with this schema.
func NewDigester(schema lake.Schema) *Digester { return &Digester{schema: schema.Plain()} }

// Add adds one row, its values in the schema's column order.
func (d *Digester) Add(row Row) error {
	v, err := EncodeRow(d.schema, row)
	if err != nil {
		return err
	}
	d.addEncoded(v)
	return nil
}

func (d *Digester) addEncoded(v []byte) {
	h := sha256.Sum256(v)
	for i := range d.sum {
		d.sum[i] += binary.LittleEndian.Uint64(h[8*i:])
	}
	d.n++
}

// Rows is how many rows were added.
func (d *Digester) Rows() uint64 { return d.n }

// Sum is the digest of the rows added so far.
func (d *Digester) Sum() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n", d.schema.String(), d.n)
	for _, v := range d.sum {
		_ = binary.Write(h, binary.LittleEndian, v)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Job is the record of one import or other job, stored with its commit.
type Job struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Statement string   `json:"statement,omitempty"`
	Table     string   `json:"table,omitempty"`
	Sources   []string `json:"sources,omitempty"` // the input patterns
	Objects   int64    `json:"objects,omitempty"` // objects read
	Runner    string   `json:"runner,omitempty"`
	Rows      int64    `json:"rows"`
	Errors    int64    `json:"errors"`
	Commit    uint64   `json:"commit"`
	Started   string   `json:"started"`
	Finished  string   `json:"finished"`
}

// JobRecord returns a job's record as of the head.
func (s *Store) JobRecord(id string) (Job, error) {
	txn := s.db.NewTransactionAt(s.Head(), false)
	defer txn.Discard()
	var j Job
	item, err := txn.Get(jobKey(id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return j, fmt.Errorf("job %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return j, err
	}
	err = item.Value(func(b []byte) error { return json.Unmarshal(b, &j) })
	return j, err
}

// Jobs lists the job records at the head, by id.
func (s *Store) Jobs() ([]Job, error) {
	return list[Job](s, s.Head(), []byte{spaceJob})
}

// RowErrors returns a job's error table, in input order.
func (s *Store) RowErrors(jobID string) ([]lake.RowError, error) {
	return list[lake.RowError](s, s.Head(), errorPrefix(jobID))
}

// RowErrorsFirst is RowErrors, the first n of them only.
func (s *Store) RowErrorsFirst(jobID string, n int) ([]lake.RowError, error) {
	return listN[lake.RowError](s, s.Head(), errorPrefix(jobID), n)
}
