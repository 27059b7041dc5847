package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/minio/sio"
)

// Backup writes the store's keys, every version of each up to the head,
// to w, in Badger's backup stream format (versionStream): a full backup
// with since 0, or an incremental one of the versions written at or after
// commit since. It returns the head it covered. Keys above the head (a
// commit in progress) are left out. Deletions are carried as tombstones
// with the versions behind them, so that a restored store reads every
// commit as this one does.
//
// The backup of an encrypted store is encrypted too: backupMagic, then the
// stream in DARE 2.0 (minio/sio: AES-256-GCM packages of 64 KiB, each
// authenticated, the last one marked, so that a changed, reordered or
// truncated backup fails to restore) under a key derived from the store's
// (backupKey). Restoring it needs the store's key.
func (s *Store) Backup(ctx context.Context, w io.Writer, since uint64) (uint64, error) {
	head := s.Head()
	if len(s.key) == 0 {
		return head, s.versionStream(ctx, head, since, nil, writeBackup(w))
	}
	if _, err := w.Write(backupMagic); err != nil {
		return head, err
	}
	ew, err := sio.EncryptWriter(writerOnly{w}, backupCipher(s.key))
	if err != nil {
		return head, err
	}
	if err := s.versionStream(ctx, head, since, nil, writeBackup(ew)); err != nil {
		return head, err
	}
	return head, ew.Close()
}

// Encrypted reports whether the store is encrypted at rest (and so are its
// backups).
func (s *Store) Encrypted() bool { return len(s.key) > 0 }

// backupMagic opens an encrypted backup. A plain one opens with the
// little-endian length of its first list, which is never this large.
var backupMagic = []byte("LLBKENC1")

// backupKey derives the key of a store's backups from its key, so that
// the two are never the same.
func backupKey(storeKey []byte) []byte {
	k, err := hkdf.Key(sha256.New, storeKey, nil, "lakelink backup v1", 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot give; 32 bytes it always can
	}
	return k
}

func backupCipher(storeKey []byte) sio.Config {
	return sio.Config{Key: backupKey(storeKey), MinVersion: sio.Version20, MaxVersion: sio.Version20, CipherSuites: []byte{sio.AES_256_GCM}}
}

// writerOnly hides a Close from sio, which would close the caller's writer.
type writerOnly struct{ io.Writer }

// Restore creates a store in dir from backup streams: a full backup, then
// the incremental ones after it, in order. dir must not hold a store. An
// encrypted backup needs the key of the store it came from (ErrEncrypted
// without one, ErrWrongKey with another); the restored store is encrypted
// with the key given, if any. A failed restore leaves no store in dir.
func Restore(dir string, backups []io.Reader, o ...Options) (err error) {
	if _, err := os.Stat(filepath.Join(dir, "db")); err == nil {
		return fmt.Errorf("restore into %s: it already holds a store", dir)
	}
	var opt Options
	if len(o) > 0 {
		opt = o[0]
	}
	streams := make([]io.Reader, len(backups))
	for i, r := range backups {
		br := bufio.NewReaderSize(r, 64<<10)
		head, _ := br.Peek(len(backupMagic))
		streams[i] = br
		if !bytes.Equal(head, backupMagic) {
			continue
		}
		if len(opt.EncryptionKey) == 0 {
			return fmt.Errorf("restore into %s: backup %d of %d is encrypted: %w", dir, i+1, len(backups), ErrEncrypted)
		}
		br.Discard(len(backupMagic))
		if streams[i], err = sio.DecryptReader(br, backupCipher(opt.EncryptionKey)); err != nil {
			return fmt.Errorf("restore into %s: backup %d of %d: %w", dir, i+1, len(backups), err)
		}
	}
	st, err := Open(dir, opt)
	if err != nil {
		return err
	}
	for i, r := range streams {
		if err := st.db.Load(r, 16); err != nil {
			st.Close()
			os.RemoveAll(filepath.Join(dir, "db"))
			var se sio.Error
			if errors.As(err, &se) {
				if strings.Contains(se.Error(), "authentication failed") {
					err = fmt.Errorf("%w, or the backup was changed", ErrWrongKey)
				} else {
					err = fmt.Errorf("the encrypted backup is damaged: %w", err)
				}
			}
			return fmt.Errorf("restore into %s: backup %d of %d: %w", dir, i+1, len(backups), err)
		}
	}
	return st.Close()
}
