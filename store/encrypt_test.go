package store_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

// With a key, no file of the store holds a row value in plaintext (the
// rows are flushed to tables and the value log, gc rewrites them, then the
// store is closed and every file read); opening without the key, or with another, is a
// clear error; the right key reads the rows back. Without a key, the same
// values are found: the test can see them.
func TestEncryptionAtRest(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	secret := "secret-row-value-7f3a9"
	big := bytes.Repeat([]byte("sensitive-large-value-"), 100) // to the value log
	for _, encrypted := range []bool{true, false} {
		dir := t.TempDir()
		var opt store.Options
		if encrypted {
			opt.EncryptionKey = key
		}
		st, err := store.Open(dir, opt)
		if err != nil {
			t.Fatal(err)
		}
		schema := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt}, {Name: "v", Type: lake.Text}}, PrimaryKey: []string{"id"}}
		c, _ := st.Begin("create")
		ti, err := c.CreateTable("t", schema)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2000; i++ {
			v := secret
			if i%10 == 0 {
				v = string(big)
			}
			pk, _ := store.KeyOf(schema, int64(i))
			val, _ := store.EncodeRow(schema, store.Row{int64(i), v})
			if err := c.Put(ti, pk, val); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Finish(); err != nil {
			t.Fatal(err)
		}
		// The files searched are those of gc's rewrite, which must be
		// encrypted as the store was.
		if _, err := st.GC(store.GCOptions{Before: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		found := 0
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte("sensitive-large-value-")) {
					found++
					if encrypted {
						t.Errorf("plaintext row value in %s", p)
					}
				}
			}
			return nil
		})
		if !encrypted {
			if found == 0 {
				t.Errorf("the unencrypted store shows no value: the search finds nothing")
			}
			continue
		}
		if _, err := store.Open(dir); !errors.Is(err, store.ErrEncrypted) {
			t.Errorf("open without the key: %v", err)
		}
		if _, err := store.Open(dir, store.Options{EncryptionKey: bytes.Repeat([]byte{8}, 32)}); !errors.Is(err, store.ErrWrongKey) {
			t.Errorf("open with another key: %v", err)
		}
		if _, err := store.Open(dir, store.Options{EncryptionKey: []byte("short")}); err == nil {
			t.Errorf("a 5-byte key opened the store")
		}
		st, err = store.Open(dir, opt)
		if err != nil {
			t.Fatal(err)
		}
		r, err := st.Get("t", st.Head(), int64(3))
		if err != nil || r[1] != secret {
			t.Errorf("row 3 with the key: %v %v", r, err)
		}
		st.Close()
	}
}
