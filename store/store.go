package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/lakelink/lakelink/lake"
)

// ErrInUse is returned by Open when another process holds the store.
var ErrInUse = errors.New("store is in use by another process")

// ErrNotFound is returned for a table, job or row that does not exist.
var ErrNotFound = errors.New("not found")

// notFound is an error that says what was not found in its own words and
// is ErrNotFound (errors.Is), without repeating "not found".
type notFound string

func (e notFound) Error() string        { return string(e) }
func (e notFound) Is(target error) bool { return target == ErrNotFound }

// Store is an open lakelink store. It is safe for concurrent use; commits
// are serialised.
type Store struct {
	dir string
	db  *badger.DB
	bo  badger.Options // how db was opened; GC opens its rewrite alike
	key []byte         // the encryption key, or nil

	retention atomic.Pointer[Retention] // nil until GC first runs

	commitMu sync.Mutex // held by the one open Commit, or an abandoned one's rollback

	gate sync.RWMutex // shared by statements (Use), held alone by GC (gate.go)

	rollback sync.WaitGroup // abandoned commits being rolled back (Commit.Abort)
	closing  atomic.Bool    // Close stops those rollbacks

	// recovered is the timestamp of an interrupted commit that Open rolled
	// back, or 0.
	recovered uint64
}

// Recovered returns the timestamp of an interrupted commit (a process died
// during it) that Open rolled back, or 0 if there was none.
func (s *Store) Recovered() uint64 { return s.recovered }

// Options tune a store. The zero value is the default.
type Options struct {
	// ValueThreshold: values up to this size live in the LSM tree, larger ones
	// in the value log. At or below 1 KiB keeps bulk writes fast (2 KiB rows
	// went in at 95k rows/s so, and at 12-23k rows/s with Badger's default).
	ValueThreshold int64
	// SyncWrites makes every commit durable against power loss, not only
	// against the process dying.
	SyncWrites bool
	// EncryptionKey, 16, 24 or 32 bytes, encrypts the store at rest with
	// AES-128, -192 or -256 (Badger's encryption): its tables and value
	// log. A store created with a key opens only with that key.
	EncryptionKey []byte
	// MustExist makes Open fail with ErrNoStore where there is no store,
	// instead of creating one: for commands that only read.
	MustExist bool
}

// ErrNoStore is returned by Open with MustExist where there is no store.
var ErrNoStore = errors.New("no store")

// NoStoreAt is ErrNoStore for dir, saying what creates one.
func NoStoreAt(dir string) error {
	return fmt.Errorf("%w at %s (a command that writes, such as a COPY, creates one)", ErrNoStore, dir)
}

// Exists reports whether dir holds a store: its database, or the
// rewrite of an interrupted gc that Open finishes.
func Exists(dir string) bool {
	for _, p := range []string{filepath.Join(dir, "db", "MANIFEST"), filepath.Join(dir, swapMarker)} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// ErrEncrypted and ErrWrongKey are the errors of opening an encrypted
// store without its key, and of opening a store with a key it was not
// created with.
var (
	ErrEncrypted = errors.New("the store is encrypted: open it with its key (--encryption-key-file or $LAKELINK_ENCRYPTION_KEY_FILE)")
	ErrWrongKey  = errors.New("wrong encryption key for this store (or the store is not encrypted)")
)

// Open opens (creating if needed) the store in dir.
func Open(dir string, o ...Options) (*Store, error) {
	var opt Options
	if len(o) > 0 {
		opt = o[0]
	}
	if opt.ValueThreshold == 0 {
		opt.ValueThreshold = 1 << 10
	}
	if opt.MustExist && !Exists(dir) {
		return nil, NoStoreAt(dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	bo := badger.DefaultOptions(filepath.Join(dir, "db")).
		WithMemTableSize(32 << 20).WithNumMemtables(3).WithBlockCacheSize(64 << 20).WithValueLogFileSize(256 << 20).
		WithValueThreshold(opt.ValueThreshold).
		WithNumVersionsToKeep(math.MaxInt32).
		WithDetectConflicts(false).
		WithSyncWrites(opt.SyncWrites).
		WithLogger(quietLogger{})
	if len(opt.EncryptionKey) > 0 {
		switch len(opt.EncryptionKey) {
		case 16, 24, 32:
		default:
			return nil, fmt.Errorf("open store %s: an encryption key has 16, 24 or 32 bytes (AES-128, -192, -256), not %d", dir, len(opt.EncryptionKey))
		}
		// Encryption needs an index cache, or Badger fails at its first
		// table flush.
		bo = bo.WithEncryptionKey(opt.EncryptionKey).WithIndexCacheSize(64 << 20)
	}
	if err := finishSwap(dir); err != nil {
		return nil, fmt.Errorf("open store %s: finishing an interrupted gc: %w", dir, err)
	}
	db, err := badger.OpenManaged(bo)
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			if h, ok := ReadHolder(dir); ok {
				return nil, fmt.Errorf("open store %s: %w: %s", dir, ErrInUse, h)
			}
			return nil, fmt.Errorf("open store %s: %w", dir, ErrInUse)
		}
		if errors.Is(err, badger.ErrEncryptionKeyMismatch) || strings.Contains(err.Error(), "Encryption key mismatch") {
			if len(opt.EncryptionKey) == 0 {
				return nil, fmt.Errorf("open store %s: %w", dir, ErrEncrypted)
			}
			return nil, fmt.Errorf("open store %s: %w", dir, ErrWrongKey)
		}
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s := &Store{dir: dir, db: db, bo: bo, key: opt.EncryptionKey}
	if err := writeHolder(dir); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	if s.recovered, err = s.recover(); err != nil {
		removeHolder(dir)
		db.Close()
		return nil, fmt.Errorf("open store %s: recovering an interrupted commit: %w", dir, err)
	}
	if err := s.loadRetention(); err != nil {
		removeHolder(dir)
		db.Close()
		return nil, fmt.Errorf("open store %s: reading its retention point: %w", dir, err)
	}
	return s, nil
}

// Dir is the store's folder.
func (s *Store) Dir() string { return s.dir }

// Close closes the store. An open Commit is abandoned; its keys stay
// invisible and are rolled back at the next Open.
func (s *Store) Close() error {
	s.closing.Store(true)
	s.rollback.Wait()
	removeHolder(s.dir)
	return s.db.Close()
}

// Head is the timestamp of the newest visible commit (0 for an empty store).
func (s *Store) Head() uint64 { return s.meta(keyHead) }

func (s *Store) meta(key []byte) uint64 {
	txn := s.db.NewTransactionAt(math.MaxUint64, false)
	defer txn.Discard()
	it, err := txn.Get(key)
	if err != nil {
		return 0
	}
	var v uint64
	_ = it.Value(func(b []byte) error {
		if len(b) == 8 {
			v = binary.BigEndian.Uint64(b)
		}
		return nil
	})
	return v
}

func (s *Store) setMeta(ts uint64, kv ...[]byte) error {
	txn := s.db.NewTransactionAt(math.MaxUint64, true)
	defer txn.Discard()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := txn.Set(kv[i], kv[i+1]); err != nil {
			return err
		}
	}
	return txn.CommitAt(ts, nil)
}

// recover rolls back the keys of a commit that was allocated but never
// finished, and returns that commit's timestamp (0 when there was none).
// Invariant on return: for every key, the newest version at or below any
// future commit timestamp equals its value at the head.
func (s *Store) recover() (uint64, error) {
	head, alloc, clean := s.meta(keyHead), s.meta(keyAlloc), s.meta(keyClean)
	if alloc <= max(head, clean) {
		return 0, nil
	}
	r := alloc + 1
	wb := s.db.NewWriteBatchAt(r)
	defer wb.Cancel()
	txn := s.db.NewTransactionAt(math.MaxUint64, false)
	defer txn.Discard()
	// The keys written above the head, each once: only their versions are
	// read, and Badger skips every table whose newest version is older,
	// so the cost follows the rolled-back commit, not the store.
	changed := txn.NewIterator(badger.IteratorOptions{AllVersions: true, PrefetchValues: false, SinceTs: head})
	defer changed.Close()
	// Their values at the head, found by walking a second iterator along
	// in key order: a run of keys the commit created is passed in one
	// seek, where a lookup per key would decode a block for each.
	atHead := s.db.NewTransactionAt(head, false)
	defer atHead.Discard()
	before := atHead.NewIterator(badger.IteratorOptions{PrefetchValues: false})
	defer before.Close()
	var last []byte
	n := 0
	before.Rewind()
	exhausted := !before.Valid()
	for changed.Rewind(); changed.Valid(); changed.Next() {
		if n++; n%4096 == 0 && s.closing.Load() {
			return 0, errClosing // the next Open starts over
		}
		item := changed.Item()
		k := item.Key()
		if len(k) > 0 && k[0] == spaceMeta || last != nil && bytes.Equal(k, last) || item.Version() <= head {
			continue
		}
		last = item.KeyCopy(last[:0])
		// Seek only when the walk is behind; once it has run off the end,
		// no later key had a value at the head.
		if !exhausted && bytes.Compare(before.Item().Key(), last) < 0 {
			before.Seek(last)
			exhausted = !before.Valid()
		}
		key := bytes.Clone(last)
		if exhausted || !bytes.Equal(before.Item().Key(), last) {
			if err := wb.Delete(key); err != nil { // no value at the head
				return 0, err
			}
			continue
		}
		v, err := before.Item().ValueCopy(nil)
		if err != nil {
			return 0, err
		}
		if err := wb.Set(key, v); err != nil {
			return 0, err
		}
	}
	if err := wb.Flush(); err != nil {
		return 0, err
	}
	return alloc, s.setMeta(r, keyAlloc, u64(r), keyClean, u64(r))
}

// errClosing stops a rollback when the store closes.
var errClosing = errors.New("store closing")

// TableInfo is a table's catalog entry.
type TableInfo struct {
	Name    string      `json:"name"`
	ID      uint32      `json:"id"`
	Schema  lake.Schema `json:"schema"`
	Created uint64      `json:"created"` // commit that created it
	Indexes []IndexDef  `json:"indexes,omitempty"`
	Tiering *Tiering    `json:"tiering,omitempty"` // ALTER TABLE SET (cold_storage ...): tiering.go
}

// Table returns the named table as of commit at.
func (s *Store) Table(name string, at uint64) (TableInfo, error) {
	txn, t, err := s.readTable(name, at)
	if err == nil {
		txn.Discard()
	}
	return t, err
}

func tableIn(txn *badger.Txn, name string) (TableInfo, error) {
	var ti TableInfo
	item, err := txn.Get(tableKey(name))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ti, notFound(fmt.Sprintf("table %q does not exist", name))
	}
	if err != nil {
		return ti, err
	}
	err = item.Value(func(b []byte) error { return json.Unmarshal(b, &ti) })
	return ti, err
}

// Tables lists the tables as of commit at, by name.
func (s *Store) Tables(at uint64) ([]TableInfo, error) {
	return list[TableInfo](s, at, []byte{spaceTable})
}

// list decodes the JSON values of the keys under prefix at commit at, in
// key order.
func list[T any](s *Store, at uint64, prefix []byte) ([]T, error) { return listN[T](s, at, prefix, 0) }

// listN is list of at most limit records (0: all).
func listN[T any](s *Store, at uint64, prefix []byte, limit int) ([]T, error) {
	if err := s.readable(at); err != nil {
		return nil, err
	}
	txn := s.db.NewTransactionAt(at, false)
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	defer it.Close()
	var out []T
	for it.Rewind(); it.Valid() && (limit <= 0 || len(out) < limit); it.Next() {
		var v T
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &v) }); err != nil {
			return nil, fmt.Errorf("corrupt record %q: %w", it.Item().Key(), err)
		}
		out = append(out, v)
	}
	return out, nil
}

// CommitInfo is the record of one commit.
type CommitInfo struct {
	TS      uint64    `json:"ts"`
	Parent  uint64    `json:"parent"` // the head it was made on (0 for the first)
	Time    time.Time `json:"time"`
	Message string    `json:"message"`
	Job     string    `json:"job,omitempty"`
	Author  string    `json:"author,omitempty"`
	// Statement is the statement or pipeline spec that made the commit.
	Statement string `json:"statement,omitempty"`
	// Sources are the objects an import read.
	Sources []SourceObject `json:"sources,omitempty"`
	// Tables counts, per table, the rows the commit wrote.
	Tables map[string]TableChange `json:"tables,omitempty"`
}

// SourceObject is an object a commit's import read: where, how large,
// and which content (an ETag, an MD5 or a modification time).
type SourceObject struct {
	URL     string `json:"url"`
	Size    int64  `json:"size"`
	Version string `json:"version,omitempty"`
}

// TableChange counts the rows a commit wrote to one table.
type TableChange struct {
	Inserted int64 `json:"inserted"`
	Updated  int64 `json:"updated"`
	Deleted  int64 `json:"deleted"`
}

// Commits lists all commits, oldest first.
func (s *Store) Commits() ([]CommitInfo, error) {
	return list[CommitInfo](s, s.Head(), []byte{spaceCommit})
}

type quietLogger struct{}

func (quietLogger) Errorf(f string, a ...any) {
	msg := fmt.Sprintf(f, a...)
	if strings.Contains(msg, "Encryption key mismatch") {
		return // Open reports it (ErrEncrypted, ErrWrongKey)
	}
	fmt.Fprint(os.Stderr, "badger: "+msg)
}
func (quietLogger) Warningf(f string, a ...any) {}
func (quietLogger) Infof(f string, a ...any)    {}
func (quietLogger) Debugf(f string, a ...any)   {}
