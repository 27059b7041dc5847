package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Retention is the store's retention point, which GC moves forward: the
// commits before Horizon have been collected, except those in Kept (the
// commits tags pinned then). It is stored with the gc commit that set it,
// in a key of its own that commits roll back like any other, and loaded
// at Open, so it holds across restarts. Badger's own discard timestamp is
// never set: one timestamp cannot keep the tagged commits below it, and
// Badger does not persist it.
//
// Invariant: a read at a commit below Horizon and not in Kept is refused
// with ErrCollected; every other commit reads exactly as before GC.
//
//	zretention   the retention point (JSON Retention)
type Retention struct {
	Horizon uint64    `json:"horizon"`
	Kept    []uint64  `json:"kept,omitempty"` // sorted
	Commit  uint64    `json:"commit"`         // the gc commit that set it
	Time    time.Time `json:"time"`           // when (UTC)
}

const spaceRetention = 'z'

var keyRetention = []byte("zretention")

// ErrCollected is the error of reading a commit that retention (GC) has
// collected.
var ErrCollected = errors.New("collected by retention")

// Retention returns the store's retention point; the zero Retention when
// GC has never run.
func (s *Store) Retention() Retention {
	if r := s.retention.Load(); r != nil {
		return *r
	}
	return Retention{}
}

// Collected reports whether GC has collected commit ts.
func (r Retention) Collected(ts uint64) bool {
	if ts == 0 || ts >= r.Horizon {
		return false
	}
	_, kept := slices.BinarySearch(r.Kept, ts)
	return !kept
}

// readable fails with ErrCollected for a read at a collected commit.
func (s *Store) readable(at uint64) error {
	r := s.Retention()
	if !r.Collected(at) {
		return nil
	}
	return fmt.Errorf("commit %d was %w (gc at commit %d on %s kept commit %d on, and the tagged commits before it)",
		at, ErrCollected, r.Commit, r.Time.Format(time.RFC3339), r.Horizon)
}

// readTable opens a read at commit at and finds table in it; the caller
// discards the transaction. A collected commit is ErrCollected.
func (s *Store) readTable(table string, at uint64) (*badger.Txn, TableInfo, error) {
	if err := s.readable(at); err != nil {
		return nil, TableInfo{}, err
	}
	txn := s.db.NewTransactionAt(at, false)
	t, err := tableIn(txn, table)
	if err != nil {
		txn.Discard()
		return nil, t, err
	}
	return txn, t, nil
}

// loadRetention reads the retention point at the head.
func (s *Store) loadRetention() error {
	txn := s.db.NewTransactionAt(s.Head(), false)
	defer txn.Discard()
	r, err := getJSON[Retention](txn, keyRetention)
	if errors.Is(err, ErrNotFound) {
		s.retention.Store(nil)
		return nil
	}
	if err != nil {
		return err
	}
	s.retention.Store(&r)
	return nil
}

func (c *Commit) putRetention(r Retention) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return c.wb.Set(keyRetention, b)
}
