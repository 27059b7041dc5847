package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/lakelink/lakelink/lake"
)

// Commit is one atomic change to the store. Everything it writes carries its
// timestamp and stays invisible until Finish moves the head, which is the
// last write. Only one Commit is open at a time; Begin waits for the previous
// one to finish or abort.
type Commit struct {
	s       *Store
	ts      uint64
	base    uint64 // head when the commit began; reads inside the commit see this
	msg     string
	job     string
	wb      *badger.WriteBatch
	read    *badger.Txn
	tables  map[string]*TableInfo // created or dropped (nil) in this commit
	nextRow map[uint32]uint64     // hidden row ids per table without a primary key
	done    bool
	onDone  []func()
	// For the commit's record.
	author, statement string
	changes           map[string]TableChange
	sources           []SourceObject
}

// OnDone registers fn to run once the commit is finished or aborted, after
// Badger has released every key and value handed to Put.
func (c *Commit) OnDone(fn func()) { c.onDone = append(c.onDone, fn) }

func (c *Commit) runOnDone() {
	for _, fn := range c.onDone {
		fn()
	}
	c.onDone = nil
}

// Begin starts a commit with a message for the history.
func (s *Store) Begin(message string) (*Commit, error) {
	s.commitMu.Lock()
	if _, err := s.recover(); err != nil {
		s.commitMu.Unlock()
		return nil, err
	}
	head, alloc, clean := s.Head(), s.meta(keyAlloc), s.meta(keyClean)
	ts := max(head, alloc, clean) + 1
	// alloc is written before any data, so a crash after this point is
	// detected (alloc > head) and rolled back by recover.
	if err := s.setMeta(ts, keyAlloc, u64(ts)); err != nil {
		s.commitMu.Unlock()
		return nil, err
	}
	return &Commit{
		s: s, ts: ts, base: head, msg: message,
		wb:      s.db.NewWriteBatchAt(ts),
		read:    s.db.NewTransactionAt(head, false),
		tables:  map[string]*TableInfo{},
		nextRow: map[uint32]uint64{},
	}, nil
}

// TS is the commit's timestamp; after Finish it is the new head.
func (c *Commit) TS() uint64 { return c.ts }

// Base is the head the commit began on, which its reads see.
func (c *Commit) Base() uint64 { return c.base }

// SetJob records which job this commit belongs to.
func (c *Commit) SetJob(id string) { c.job = id }

// SetAuthor records who makes the commit.
func (c *Commit) SetAuthor(a string) { c.author = a }

// AddSources records objects that the commit's import read.
func (c *Commit) AddSources(objs ...SourceObject) { c.sources = append(c.sources, objs...) }

// SetStatement records the statement or pipeline spec that makes it.
func (c *Commit) SetStatement(s string) { c.statement = s }

// Count adds to the rows the commit records as inserted, updated and
// deleted in table (its writers know which; Put does not look).
func (c *Commit) Count(table string, inserted, updated, deleted int64) {
	if c.changes == nil {
		c.changes = map[string]TableChange{}
	}
	t := c.changes[strings.ToLower(table)]
	t.Inserted, t.Updated, t.Deleted = t.Inserted+inserted, t.Updated+updated, t.Deleted+deleted
	c.changes[strings.ToLower(table)] = t
}

// Table returns the named table as this commit sees it: its base plus the
// tables it created or dropped.
func (c *Commit) Table(name string) (TableInfo, error) {
	if t, ok := c.tables[strings.ToLower(name)]; ok {
		if t == nil {
			return TableInfo{}, notFound(fmt.Sprintf("table %q does not exist", name))
		}
		return *t, nil
	}
	return tableIn(c.read, name)
}

// CreateTable adds a table. It fails if the name is taken.
func (c *Commit) CreateTable(name string, schema lake.Schema) (TableInfo, error) {
	if !lake.ValidName(name) {
		if _, _, dotted := SplitGraphTable(name); dotted {
			return TableInfo{}, fmt.Errorf("invalid table name %q: a name GRAPH.TABLE is a graph's table (CREATE GRAPH)", name)
		}
		return TableInfo{}, fmt.Errorf("invalid table name %q: use letters, digits and _", name)
	}
	return c.createTable(name, schema)
}

func (c *Commit) createTable(name string, schema lake.Schema) (TableInfo, error) {
	if err := schema.Validate(); err != nil {
		return TableInfo{}, fmt.Errorf("table %q: %w", name, err)
	}
	if _, err := c.Table(name); err == nil {
		return TableInfo{}, fmt.Errorf("table %q already exists", name)
	} else if !errors.Is(err, ErrNotFound) {
		return TableInfo{}, err
	}
	id, err := c.newTableID()
	if err != nil {
		return TableInfo{}, err
	}
	ti := TableInfo{Name: name, ID: id, Schema: schema, Created: c.ts}
	return ti, c.putTable(ti)
}

// newTableID takes the next table id; ids are never reused.
func (c *Commit) newTableID() (uint32, error) {
	id := uint32(c.s.meta(keyNextTable)) + 1
	return id, c.s.setMeta(c.ts, keyNextTable, u64(uint64(id)))
}

// AlterTable replaces a table's schema (lake.Schema's AddColumn,
// DropColumn, RenameColumn). Stored rows are not rewritten: the schema's
// storage layout says how they read.
func (c *Commit) AlterTable(name string, schema lake.Schema) (TableInfo, error) {
	ti, err := c.Table(name)
	if err != nil {
		return ti, err
	}
	if err := schema.Validate(); err != nil {
		return ti, fmt.Errorf("table %q: %w", name, err)
	}
	ti.Schema = schema
	return ti, c.putTable(ti)
}

// putTable writes a table's definition in this commit.
func (c *Commit) putTable(ti TableInfo) error {
	b, _ := json.Marshal(ti)
	if err := c.wb.Set(tableKey(ti.Name), b); err != nil {
		return err
	}
	c.tables[strings.ToLower(ti.Name)] = &ti
	return nil
}

// DropTable removes a table from the catalog. Its rows stay readable at
// earlier commits (time travel); the id is never reused.
func (c *Commit) DropTable(name string) error {
	if _, err := c.Table(name); err != nil {
		return err
	}
	if err := c.wb.Delete(tableKey(name)); err != nil {
		return err
	}
	c.tables[strings.ToLower(name)] = nil
	return nil
}

// Exists reports whether a row with this primary key is in the table at the
// commit's base.
func (c *Commit) Exists(t TableInfo, pk []byte) (bool, error) {
	_, err := c.read.Get(append(rowPrefix(t.ID), pk...))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Get returns the stored value of the row with this primary key at the
// commit's base, or nil when there is none.
func (c *Commit) Get(t TableInfo, pk []byte) ([]byte, error) {
	item, err := c.read.Get(append(rowPrefix(t.ID), pk...))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}

// Put writes a row. pk is the encoded primary key (AppendKey), or nil for a
// table without one, which gets the next hidden row id of this commit. The
// commit keeps references to both slices until Finish: do not reuse them.
func (c *Commit) Put(t TableInfo, pk, value []byte) error {
	_, err := c.PutRow(t, pk, value)
	return err
}

// PutRow is Put, and returns the row's key within the table: pk, or the
// hidden row id it got.
func (c *Commit) PutRow(t TableInfo, pk, value []byte) ([]byte, error) {
	key := rowPrefix(t.ID)
	if len(t.Schema.PrimaryKey) == 0 {
		n := c.nextRow[t.ID]
		c.nextRow[t.ID] = n + 1
		key = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(key, c.ts), n)
	} else {
		key = append(key, pk...)
	}
	return key[5:], c.wb.Set(key, value)
}

// DeleteRow deletes the row with this key (as PutRow returns it: the
// primary key, or the hidden row id). Index entries of the row stay and
// are skipped by searches, as for a row rewritten later; graph adjacency
// is not touched.
func (c *Commit) DeleteRow(t TableInfo, key []byte) error {
	return c.wb.Delete(append(rowPrefix(t.ID), key...))
}

// PutJob stores a job record with the commit.
func (c *Commit) PutJob(j Job) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return c.wb.Set(jobKey(j.ID), b)
}

// PutRowError stores one row error of a job; seq orders them.
func (c *Commit) PutRowError(jobID string, seq uint64, e lake.RowError) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return c.wb.Set(errorKey(jobID, seq), b)
}

// Flush waits until Badger has written everything Put so far; afterwards
// the slices handed to Put may be reused or unmapped. Nothing becomes
// visible: keys above the head stay invisible until Finish moves it, and
// an Abort (or a crash) after a Flush still rolls everything back.
func (c *Commit) Flush() error {
	if c.done {
		return fmt.Errorf("commit already finished")
	}
	if err := c.wb.Flush(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	c.wb = c.s.db.NewWriteBatchAt(c.ts)
	c.s.trimResident()
	return nil
}

// Finish makes the commit visible and returns its timestamp.
func (c *Commit) Finish() (uint64, error) {
	if c.done {
		return 0, fmt.Errorf("commit already finished")
	}
	c.done = true
	defer c.s.commitMu.Unlock()
	defer c.read.Discard()
	defer c.runOnDone()
	ci, _ := json.Marshal(CommitInfo{TS: c.ts, Parent: c.base, Time: time.Now().UTC(), Message: c.msg, Job: c.job,
		Author: c.author, Statement: c.statement, Sources: c.sources, Tables: c.changes})
	if err := c.wb.Set(commitKey(c.ts), ci); err != nil {
		c.wb.Cancel()
		return 0, err
	}
	if err := c.wb.Flush(); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	// The head moves last: until this write lands, nothing above is visible.
	if err := c.s.setMeta(c.ts, keyHead, u64(c.ts)); err != nil {
		return 0, fmt.Errorf("commit: moving head: %w", err)
	}
	return c.ts, nil
}

// Abort abandons the commit. What it had flushed is invisible at once
// (it is above the head) and is rolled back behind the caller's back, the
// commit lock held until that is done: the next Begin waits for it, and
// Close stops it, leaving the rest to the next Open. So abandoning a
// commit of millions of rows (Ctrl-C) returns at once.
func (c *Commit) Abort() error {
	if c.done {
		return nil
	}
	c.done = true
	c.read.Discard()
	c.wb.Cancel()
	c.runOnDone()
	c.s.rollback.Add(1)
	go func() {
		defer c.s.rollback.Done()
		defer c.s.commitMu.Unlock()
		_, _ = c.s.recover() // on failure the next Begin or Open tries again
	}()
	return nil
}
