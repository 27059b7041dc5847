package store

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Backup writes the store's keys, every version of each up to the head,
// to w, in Badger's backup stream format: a full backup with since 0, or
// an incremental one of the versions written after commit since-1. It
// returns the head it covered. Keys above the head (a commit in progress)
// are left out. It uses a stream at the head, not db.Backup, which
// panics in managed mode; the stream's SinceTs is set as well (one below
// since: it is exclusive), or the backup would hold older versions that
// the incremental one must not (DESIGN §4).
func (s *Store) Backup(w io.Writer, since uint64) (uint64, error) {
	head := s.Head()
	st := s.db.NewStreamAt(head)
	st.LogPrefix = "lakelink backup"
	// The iterator's SinceTs keeps versions above it; Backup's since keeps
	// versions at or above it.
	if since > 0 {
		st.SinceTs = since - 1
	}
	if _, err := st.Backup(w, since); err != nil {
		return head, err
	}
	return head, nil
}

// Restore creates a store in dir from backup streams: a full backup, then
// the incremental ones after it, in order. dir must not hold a store.
func Restore(dir string, backups []io.Reader, o ...Options) error {
	if _, err := os.Stat(filepath.Join(dir, "db")); err == nil {
		return fmt.Errorf("restore into %s: it already holds a store", dir)
	}
	var opt Options
	if len(o) > 0 {
		opt = o[0]
	}
	st, err := Open(dir, opt)
	if err != nil {
		return err
	}
	for i, r := range backups {
		if err := st.db.Load(r, 16); err != nil {
			st.Close()
			return fmt.Errorf("restore into %s: backup %d of %d: %w", dir, i+1, len(backups), err)
		}
	}
	return st.Close()
}
