package store

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/lakelink/lakelink/lake/filter"
)

// spaceCold holds a table's cold files: f<table id:4><path> → ColdFile.
const spaceCold = 'f'

// ColdFile is one file of a table's cold tier: rows that a tiering move
// took out of the store and wrote, as AI-Lake Parquet, under the table's
// cold location. The catalog lists it like Iceberg's manifests list data
// files, with the statistics that let a reader skip it unopened.
//
// Invariants: a cold file is listed by the commit that removed its rows
// from the store (or that rewrote an older file's remaining rows), and
// unlisted by the commit that put its rows back or rewrote it; a row of
// the table is in exactly one of the store and the listed files at any
// commit. The object is immutable: its bytes hash to SHA256, and nothing
// writes to its path again (paths carry the move's commit). It stays in
// the bucket while any version of its catalog entry is kept; gc and the
// tiering sweep delete it after (tiering.Sweep).
type ColdFile struct {
	// Location is the cold location (a folder or bucket URL, with its
	// query) the file was written under; Path is its key below it.
	Location string `json:"location"`
	Path     string `json:"path"`
	Rows     int64  `json:"rows"`
	Bytes    int64  `json:"bytes"`
	SHA256   string `json:"sha256"`
	// Partition is the file's Hive folders (tier_month=2024-05).
	Partition string `json:"partition,omitempty"`
	// Stats are the file's min and max per column (lower-case names), for
	// the columns whose statistics can be trusted; a column not listed
	// may hold anything.
	Stats map[string]filter.Range `json:"stats,omitempty"`
	// Sections are the file's AILK sections, one per indexed vector
	// column: a search skips the file when its centroid and radius
	// cannot hold a better result than it has.
	Sections []ColdSection `json:"sections,omitempty"`
	// Slots are the stored positions (lake.Schema.Slots) of the file's
	// columns when it was written, in the file's order: a reader maps them
	// to the columns of its own schema, so that renames, drops and added
	// columns read as they do for rows in the store.
	Slots []int `json:"slots,omitempty"`
	// Sealed says the object is sealed with the store's cold key
	// (Store.ColdKey), as an encrypted store writes its cold files.
	Sealed bool `json:"sealed,omitempty"`
	// Commit is the commit that listed it.
	Commit uint64 `json:"commit"`
}

// ColdSection is what the catalog keeps of one AILK section of a cold file.
type ColdSection struct {
	Column   string    `json:"column"`
	Kind     string    `json:"kind"`
	Metric   string    `json:"metric"`
	Dim      int       `json:"dim"`
	Centroid []float32 `json:"centroid"`
	Radius   float32   `json:"radius"`
}

// Range returns the file's statistics of one column, as filter.Expr's
// MayMatch takes them.
func (f ColdFile) Range(column string) (filter.Range, bool) {
	r, ok := f.Stats[strings.ToLower(column)]
	return r, ok
}

// Section returns the file's section over a column.
func (f ColdFile) Section(column string) (ColdSection, bool) {
	for _, s := range f.Sections {
		if strings.EqualFold(s.Column, column) {
			return s, true
		}
	}
	return ColdSection{}, false
}

func coldPrefix(tableID uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{spaceCold}, tableID)
}

func coldKey(tableID uint32, path string) []byte { return append(coldPrefix(tableID), path...) }

// AddColdFile lists a cold file of table t in this commit.
func (c *Commit) AddColdFile(t TableInfo, f ColdFile) error {
	if f.Path == "" || f.Location == "" {
		return fmt.Errorf("table %s: a cold file needs a location and a path", t.Name)
	}
	f.Commit = c.ts
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return c.wb.Set(coldKey(t.ID, f.Path), b)
}

// RemoveColdFile unlists a cold file of table t in this commit. The object
// stays: earlier commits still read it.
func (c *Commit) RemoveColdFile(t TableInfo, path string) error {
	return c.wb.Delete(coldKey(t.ID, path))
}

// ColdFiles are the cold files of table t listed at the commit's base.
func (c *Commit) ColdFiles(t TableInfo) ([]ColdFile, error) {
	return coldFilesIn(c.read, t)
}

// ColdFiles are the cold files listed for the table at commit at, in
// path order.
func (s *Store) ColdFiles(table string, at uint64) ([]ColdFile, error) {
	txn, t, err := s.readTable(table, at)
	if err != nil {
		return nil, err
	}
	defer txn.Discard()
	return coldFilesIn(txn, t)
}

// ColdFiles are the cold files of t listed at the view's commit.
func (v *View) ColdFiles(t TableInfo) ([]ColdFile, error) { return coldFilesIn(v.txn, t) }

func coldFilesIn(txn *badger.Txn, t TableInfo) ([]ColdFile, error) {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: coldPrefix(t.ID), PrefetchValues: true})
	defer it.Close()
	var out []ColdFile
	for it.Rewind(); it.Valid(); it.Next() {
		var f ColdFile
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &f) }); err != nil {
			return nil, fmt.Errorf("table %s: corrupt cold file record %q: %w", t.Name, it.Item().Key()[5:], err)
		}
		out = append(out, f)
	}
	return out, nil
}

// ColdReferences calls fn once for every cold file that any version the
// store keeps lists, of any table, dropped ones included: the files that
// must stay in their buckets. A file none lists (a move that crashed
// before its commit, or one gc collected) is not among them.
func (s *Store) ColdReferences(fn func(table uint32, f ColdFile) error) error {
	txn := s.db.NewTransactionAt(math.MaxUint64, false)
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{spaceCold}, AllVersions: true, PrefetchValues: true})
	defer it.Close()
	seen := map[string]bool{}
	var refs []struct {
		table uint32
		f     ColdFile
	}
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		if item.IsDeletedOrExpired() || item.Version() > s.Head() {
			continue
		}
		key := string(item.Key())
		if seen[key] || len(key) < 5 {
			continue
		}
		seen[key] = true
		var f ColdFile
		if err := item.Value(func(b []byte) error { return json.Unmarshal(b, &f) }); err != nil {
			return fmt.Errorf("corrupt cold file record %q: %w", item.Key(), err)
		}
		refs = append(refs, struct {
			table uint32
			f     ColdFile
		}{binary.BigEndian.Uint32([]byte(key[1:5])), f})
	}
	sort.Slice(refs, func(a, b int) bool { return refs[a].f.Path < refs[b].f.Path })
	for _, r := range refs {
		if err := fn(r.table, r.f); err != nil {
			return err
		}
	}
	return nil
}

// coldDropped lists the cold files that no commit r keeps lists: after a
// GC with r they are listed nowhere, and the tiering sweep deletes them.
func (s *Store) coldDropped(r Retention) ([]ColdFile, error) {
	live, err := s.liveTables(r)
	if err != nil {
		return nil, err
	}
	txn := s.db.NewTransactionAt(math.MaxUint64, false)
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{spaceCold}, AllVersions: true, PrefetchValues: true})
	defer it.Close()
	var out []ColdFile
	var last []byte
	var lastFile *ColdFile
	kept := false
	newer := uint64(math.MaxUint64)
	flush := func() {
		if lastFile != nil && !kept {
			out = append(out, *lastFile)
		}
	}
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		if string(item.Key()) != string(last) {
			flush()
			last, newer, kept, lastFile = item.KeyCopy(last[:0]), math.MaxUint64, false, nil
		}
		v := item.Version()
		if v > s.Head() {
			continue
		}
		if !item.IsDeletedOrExpired() {
			var f ColdFile
			if err := item.Value(func(b []byte) error { return json.Unmarshal(b, &f) }); err != nil {
				return nil, fmt.Errorf("corrupt cold file record %q: %w", item.Key(), err)
			}
			if lastFile == nil {
				lastFile = &f
			}
			if r.visible(v, newer) && live[binary.BigEndian.Uint32(item.Key()[1:5])] {
				kept = true
			}
		}
		newer = v
	}
	flush()
	return out, nil
}

// ColdKey is the key an encrypted store seals its cold files with,
// derived from the store's key (never the key itself); nil for a store
// that is not encrypted.
func (s *Store) ColdKey() []byte {
	if len(s.key) == 0 {
		return nil
	}
	k, err := hkdf.Key(sha256.New, s.key, nil, "lakelink cold files v1", 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot give; 32 bytes it always can
	}
	return k
}
