package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
)

// Session opens a fresh store for a test, on the direct runner.
func Session(t *testing.T) *engine.Session {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &engine.Session{Store: st, Runner: runners.Options{Runner: "direct"}}
}

// Query runs statements and returns the last one's rows; an error fails
// the test.
func Query(t *testing.T, s *engine.Session, statements string) [][]any {
	t.Helper()
	res := run(t, s, statements)
	return res[len(res)-1].Rows
}

// HugeLine writes an object that starts with head and goes on for a
// gigabyte without a line break (NUL bytes, sparse on disk): what a
// format must refuse without reading it all.
func HugeLine(t *testing.T, name, head string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(head); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	return p
}

// WriteFile writes content to a new file of that name and returns its
// path.
func WriteFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// BadInput is an object a format must refuse, and how.
type BadInput struct {
	Path string // the object
	// Abort is part of the error under on_error = 'abort' (the default),
	// which commits nothing: it names the object, line and column.
	Abort string
	// Rejected is the error table's row under on_error = 'continue', as
	// "line|column|reason"; "" when the import fails all the same (input
	// that cannot be split into records).
	Rejected string
}

// RunBadInput imports each case into a table (id BIGINT PRIMARY KEY, name
// TEXT), whose objects hold one good row (id 1) besides the bad one: under
// 'abort' the import fails as the case says and commits nothing; under
// 'continue' the bad record is the error table's one row and the good row
// is imported, or the import fails and commits nothing.
func RunBadInput(t *testing.T, cases []BadInput) {
	for _, c := range cases {
		t.Run(filepath.Base(c.Path), func(t *testing.T) {
			s := Session(t)
			run(t, s, "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT)")
			head := s.Store.Head()
			_, err := s.Exec(context.Background(), "COPY FROM '"+c.Path+"' INTO t")
			if err == nil || !strings.Contains(err.Error(), c.Abort) {
				t.Errorf("abort: %v, want %q", err, c.Abort)
			}
			if s.Store.Head() != head {
				t.Errorf("a failed import committed")
			}
			_, err = s.Exec(context.Background(), "COPY FROM '"+c.Path+"' INTO t WITH (on_error = 'continue', error_table = 'errs')")
			if c.Rejected == "" {
				if err == nil || s.Store.Head() != head {
					t.Errorf("continue: %v (committed: %v)", err, s.Store.Head() != head)
				}
				return
			}
			if err != nil {
				t.Fatalf("continue: %v", err)
			}
			errs := run(t, s, "SELECT row, column, reason FROM errs")[0].Rows
			if len(errs) != 1 || fmt.Sprintf("%v|%v|%v", errs[0][0], errs[0][1], errs[0][2]) != c.Rejected {
				t.Errorf("error table %v, want %s", errs, c.Rejected)
			}
			if got := run(t, s, "SELECT id FROM t")[0].Rows; len(got) != 1 || got[0][0] != int64(1) {
				t.Errorf("rows %v, want the good one", got)
			}
		})
	}
}
