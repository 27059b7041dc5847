package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/lakelink/lakelink/lake"
)

// Key adoption: a table made without a primary key (its rows under hidden
// row ids) takes columns as its primary key, in one commit, when its rows
// are unique and not NULL on them. The table gets a new id with the new
// schema; its rows move there under their keys, so the old id's rows stay
// as they were for reads at earlier commits, and nothing is deleted. Its
// index declarations stay, with no segments under the new id: the caller
// builds them over the moved rows.
//
// The move is split around the commit's other writes (an import into the
// table): Get answers for the rows being adopted as the new table's base
// would, Wrote records a key the commit wrote itself, and Finish moves the
// rows whose keys the commit did not write. Each key is therefore written
// once in the commit, as the store requires.

// Adoption is a key adoption under way in a commit.
type Adoption struct {
	c     *Commit
	old   TableInfo
	Table TableInfo // the table with its new id and primary key
	rows  []adoptedRow
}

type adoptedRow struct {
	hash  [16]byte // of the row's new key
	id    [16]byte // its hidden row id in the old table
	taken bool     // the commit wrote this key itself
}

// ErrDuplicateKey is returned by AdoptKey when two rows share a key.
var ErrDuplicateKey = errors.New("duplicate key")

// AdoptKey starts giving table name, which has no primary key, the
// primary key columns keys (their columns become NOT NULL). It reads
// every row at the commit's base and fails, naming the row, when one has
// a NULL in a key column or two rows share a key (ErrDuplicateKey). It
// writes the new catalog entry; the caller then writes what else the
// commit writes and calls Finish.
func (c *Commit) AdoptKey(name string, keys []string) (*Adoption, error) {
	old, err := c.Table(name)
	if err != nil {
		return nil, err
	}
	if len(old.Schema.PrimaryKey) > 0 {
		return nil, fmt.Errorf("table %s already has a primary key (%s)", old.Name, strings.Join(old.Schema.PrimaryKey, ", "))
	}
	schema, err := AdoptedSchema(old.Schema, keys)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", old.Name, err)
	}
	a := &Adoption{c: c, old: old}
	pk := schema.PKIndexes()
	prefix := rowPrefix(old.ID)
	it := c.read.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 256})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		var r adoptedRow
		copy(r.id[:], item.Key()[len(prefix):]) // a hidden row id: commit ts, then ordinal (Commit.PutRow)
		err := item.Value(func(v []byte) error {
			key, err := rowKeyOf(schema, pk, v)
			if err != nil {
				return err
			}
			h := sha256.Sum256(key)
			copy(r.hash[:], h[:16])
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("table %s: cannot make (%s) its primary key: %w", old.Name, strings.Join(keys, ", "), err)
		}
		a.rows = append(a.rows, r)
	}
	slices.SortFunc(a.rows, func(x, y adoptedRow) int { return bytes.Compare(x.hash[:], y.hash[:]) })
	for i := 1; i < len(a.rows); i++ {
		if a.rows[i].hash == a.rows[i-1].hash {
			n := 2
			for i+n-1 < len(a.rows) && a.rows[i+n-1].hash == a.rows[i].hash {
				n++
			}
			val, _ := c.Get(old, a.rows[i].id[:])
			return nil, fmt.Errorf("table %s: cannot make (%s) its primary key: %s is in %d rows: %w",
				old.Name, strings.Join(keys, ", "), keyValues(schema, pk, val), n, ErrDuplicateKey)
		}
	}
	id, err := c.newTableID()
	if err != nil {
		return nil, err
	}
	a.Table = TableInfo{Name: old.Name, ID: id, Schema: schema, Created: old.Created, Indexes: old.Indexes}
	return a, c.putTable(a.Table)
}

// AdoptedSchema is schema with keys as its primary key, their columns NOT
// NULL.
func AdoptedSchema(schema lake.Schema, keys []string) (lake.Schema, error) {
	out := schema
	out.Columns = slices.Clone(schema.Columns)
	out.PrimaryKey = nil
	for _, k := range keys {
		i := schema.Index(k)
		if i < 0 {
			return schema, fmt.Errorf("no column %q for the key", k)
		}
		out.Columns[i].NotNull = true
		out.PrimaryKey = append(out.PrimaryKey, schema.Columns[i].Name)
	}
	return out, out.Validate()
}

// rowKeyOf is the primary key of a stored row.
func rowKeyOf(schema lake.Schema, pk []int, value []byte) ([]byte, error) {
	row, err := DecodeRow(schema, value)
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(pk))
	for n, c := range pk {
		if row[c] == nil {
			return nil, fmt.Errorf("a row has NULL in key column %s (%s)", schema.Columns[c].Name, describeRow(schema, row))
		}
		vals[n] = row[c]
	}
	return KeyOf(schema, vals...)
}

// keyValues names a row by its key columns: "id=7".
func keyValues(schema lake.Schema, pk []int, value []byte) string {
	row, err := DecodeRow(schema, value)
	if err != nil {
		return "a key"
	}
	var parts []string
	for _, c := range pk {
		parts = append(parts, fmt.Sprintf("%s=%s", schema.Columns[c].Name, lake.Truncate(fmt.Sprint(row[c]))))
	}
	return strings.Join(parts, ", ")
}

// describeRow names a row by its first scalar columns.
func describeRow(schema lake.Schema, row Row) string {
	var parts []string
	for i, c := range schema.Columns {
		if len(parts) == 3 {
			break
		}
		if c.Type.Kind != lake.KindVector && c.Type.Kind != lake.KindArray {
			parts = append(parts, fmt.Sprintf("%s=%s", c.Name, lake.Truncate(fmt.Sprint(row[i]))))
		}
	}
	return strings.Join(parts, ", ")
}

func (a *Adoption) find(key []byte) int {
	h := sha256.Sum256(key)
	i, ok := slices.BinarySearchFunc(a.rows, [16]byte(h[:16]), func(r adoptedRow, t [16]byte) int { return bytes.Compare(r.hash[:], t[:]) })
	if !ok {
		return -1
	}
	return i
}

// Get returns the value of the row being adopted with this key (as
// AppendKey encodes it), or nil when there is none.
func (a *Adoption) Get(key []byte) ([]byte, error) {
	i := a.find(key)
	if i < 0 {
		return nil, nil
	}
	return a.c.Get(a.old, a.rows[i].id[:])
}

// Wrote records that the commit wrote the row with this key itself: the
// row being adopted with that key, if any, does not move.
func (a *Adoption) Wrote(key []byte) {
	if i := a.find(key); i >= 0 {
		a.rows[i].taken = true
	}
}

// Finish moves every row that the commit did not write a key for into the
// new table, and returns how many it moved.
func (a *Adoption) Finish() (int64, error) {
	pk := a.Table.Schema.PKIndexes()
	var moved int64
	it := a.c.read.NewIterator(badger.IteratorOptions{Prefix: rowPrefix(a.old.ID), PrefetchValues: true, PrefetchSize: 256})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		val, err := it.Item().ValueCopy(nil)
		if err != nil {
			return moved, err
		}
		key, err := rowKeyOf(a.Table.Schema, pk, val)
		if err != nil {
			return moved, err
		}
		if i := a.find(key); i < 0 || a.rows[i].taken {
			continue
		}
		if err := a.c.Put(a.Table, key, val); err != nil {
			return moved, err
		}
		moved++
	}
	return moved, nil
}
