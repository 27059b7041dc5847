package store

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Backup writes the store's keys, every version of each up to the head,
// to w, in Badger's backup stream format (versionStream): a full backup
// with since 0, or an incremental one of the versions written at or after
// commit since. It returns the head it covered. Keys above the head (a
// commit in progress) are left out. Deletions are carried as tombstones
// with the versions behind them, so that a restored store reads every
// commit as this one does.
func (s *Store) Backup(w io.Writer, since uint64) (uint64, error) {
	head := s.Head()
	return head, s.versionStream(w, head, since, nil)
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
