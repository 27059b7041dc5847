package store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/lakelink/lakelink/store"
)

// A backup keeps the versions behind a deletion: reading a restored store
// at a commit before a row was deleted, or a table dropped, sees them.
func TestBackupKeepsVersionsBehindDeletions(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c1 := load(t, st, []any{int64(1), "one", nil, nil}, []any{int64(2), "two", nil, nil})
	var first bytes.Buffer
	if _, err := st.Backup(context.Background(), &first, 0); err != nil {
		t.Fatal(err)
	}
	c, err := st.Begin("delete 1")
	if err != nil {
		t.Fatal(err)
	}
	ti, _ := c.Table("docs")
	key, err := store.KeyOf(docs, int64(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRow(ti, key); err != nil {
		t.Fatal(err)
	}
	c2, err := c.Finish()
	if err != nil {
		t.Fatal(err)
	}
	c, _ = st.Begin("drop")
	if err := c.DropTable("docs"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Finish(); err != nil {
		t.Fatal(err)
	}
	want := map[uint64]string{}
	for _, at := range []uint64{c1, c2} {
		if want[at], err = st.Digest("docs", at); err != nil {
			t.Fatal(err)
		}
	}
	if want[c1] == want[c2] {
		t.Fatal("the delete changed nothing")
	}
	var full, incremental bytes.Buffer
	if _, err := st.Backup(context.Background(), &full, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Backup(context.Background(), &incremental, c1+1); err != nil {
		t.Fatal(err)
	}
	for name, chain := range map[string][]io.Reader{"full": {&full}, "full+incremental": {&first, &incremental}} {
		t.Run(name, func(t *testing.T) { checkRestore(t, chain, want, true) })
	}
}

// checkRestore restores chain and checks the docs digests at the commits
// of want, and, when dropped is true, that docs is gone at the head.
func checkRestore(t *testing.T, chain []io.Reader, want map[uint64]string, dropped bool, opt ...store.Options) {
	dir := filepath.Join(t.TempDir(), "restored")
	if err := store.Restore(dir, chain, opt...); err != nil {
		t.Fatal(err)
	}
	rs, err := store.Open(dir, opt...)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for at, w := range want {
		if got, err := rs.Digest("docs", at); err != nil || got != w {
			t.Errorf("restored digest at %d = %s, %v; want %s", at, got, err, w)
		}
	}
	if _, err := rs.Table("docs", rs.Head()); dropped && err == nil {
		t.Errorf("the dropped table is back at the head")
	}
}

// The backup of an encrypted store holds no row value in plaintext; it
// restores only with the store's key (ErrEncrypted without, ErrWrongKey
// with another, leaving no store behind), and a truncated one fails.
func TestEncryptedStoreBackupIsEncrypted(t *testing.T) {
	key := bytes.Repeat([]byte{5}, 16)
	secret := "secret-title-29c1"
	for _, encrypted := range []bool{true, false} {
		var opt store.Options
		if encrypted {
			opt.EncryptionKey = key
		}
		st, err := store.Open(t.TempDir(), opt)
		if err != nil {
			t.Fatal(err)
		}
		c1 := load(t, st, []any{int64(1), secret, nil, nil}, []any{int64(2), "two", nil, nil})
		var full, incremental bytes.Buffer
		if _, err := st.Backup(context.Background(), &full, 0); err != nil {
			t.Fatal(err)
		}
		load(t, st, []any{int64(3), secret + "-3", nil, nil})
		if _, err := st.Backup(context.Background(), &incremental, c1+1); err != nil {
			t.Fatal(err)
		}
		want := map[uint64]string{c1: digest(t, st, "docs", c1), st.Head(): digest(t, st, "docs", st.Head())}
		st.Close()
		plain := bytes.Contains(full.Bytes(), []byte(secret)) || bytes.Contains(incremental.Bytes(), []byte(secret))
		if plain == encrypted {
			t.Fatalf("encrypted %v: a row value in plaintext in the backup: %v", encrypted, plain)
		}
		if !encrypted {
			continue
		}
		chain := func(cut int) []io.Reader {
			return []io.Reader{bytes.NewReader(full.Bytes()), bytes.NewReader(incremental.Bytes()[:incremental.Len()-cut])}
		}
		for name, tc := range map[string]struct {
			key  []byte
			cut  int
			want error
		}{
			"no key":    {nil, 0, store.ErrEncrypted},
			"other key": {bytes.Repeat([]byte{6}, 16), 0, store.ErrWrongKey},
			"truncated": {key, 10, nil},
		} {
			dir := filepath.Join(t.TempDir(), "restored")
			err := store.Restore(dir, chain(tc.cut), store.Options{EncryptionKey: tc.key})
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("%s: restore: %v, want %v", name, err, tc.want)
			}
			if _, serr := os.Stat(filepath.Join(dir, "db")); serr == nil {
				t.Errorf("%s: a failed restore left a store", name)
			}
		}
		t.Run("with the key", func(t *testing.T) { checkRestore(t, chain(0), want, false, store.Options{EncryptionKey: key}) })
	}
}
