package sinks

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/store"
)

// With a staging key, no staged file holds a row value in plaintext, and
// the commit reads them back; without the key, or with another, the
// commit fails and writes nothing.
func TestSealedStaging(t *testing.T) {
	ctx := context.Background()
	secret := "sealed-row-text-5e1"
	ts := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt}, {Name: "v", Type: lake.Text}}, PrimaryKey: []string{"id"}}
	var rows [][]any
	for i := range 50 {
		rows = append(rows, []any{int64(i), secret})
	}
	rec, err := lake.NewRecord(ts, rows)
	if err != nil {
		t.Fatal(err)
	}
	key := objstore.NewStagingKey()
	for _, seal := range [][]byte{key, nil} {
		opt := StageOptions{Staging: t.TempDir(), Job: "j", Schema: ts, Seal: seal}
		fn := &stageRowsFn{Opt: opt}
		if err := fn.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		var segs []Segment
		if err := fn.ProcessElement(ctx, lake.Batch{Origin: lake.Origin{Object: "a.parquet"}, Record: rec}, func(s Segment) { segs = append(segs, s) }); err != nil {
			t.Fatal(err)
		}
		if err := fn.FinishBundle(ctx, nil); err != nil {
			t.Fatal(err)
		}
		fn.Teardown()
		plain := false
		filepath.WalkDir(opt.Staging, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				plain = plain || bytes.Contains(b, []byte(secret))
			}
			return nil
		})
		if plain != (seal == nil) {
			t.Fatalf("sealed %v: plaintext in staging: %v", seal != nil, plain)
		}
		if seal == nil {
			continue
		}
		for _, tc := range []struct {
			name string
			seal []byte
			want string
		}{
			{"the key", key, ""},
			{"no key", nil, "not a staged segment"},
			{"another key", objstore.NewStagingKey(), "not sealed with this job's key"},
		} {
			st, err := store.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			c, _ := st.Begin("test")
			ti, _ := c.CreateTable("t", ts)
			_, err = Commit(ctx, c, Manifest{Job: "j", Segments: segs}, CommitOptions{Staging: opt.Staging, Seal: tc.seal, Job: "j", Table: ti, Mode: Append, MaxErrors: -1, TableIsNew: true})
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%s: %v", tc.name, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
			}
			if err != nil {
				c.Abort()
			} else if _, err := c.Finish(); err != nil {
				t.Fatal(err)
			}
			if n, _ := st.Count("t", st.Head()); tc.want == "" && n != 50 {
				t.Errorf("%s: %d rows", tc.name, n)
			}
			st.Close()
		}
	}
}
