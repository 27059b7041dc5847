package csvio_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
)

func session(t *testing.T) *pipeline.Session {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &pipeline.Session{Store: st, Runner: runners.Options{Runner: "direct"}}
}

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func rows(t *testing.T, s *pipeline.Session, q string) [][]any {
	t.Helper()
	res, err := s.Exec(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return res[len(res)-1].Rows
}

// Delimiter, quote, escape, header and null change how records split, and
// the values read back exactly; types follow the values.
func TestDialects(t *testing.T) {
	s := session(t)
	p := write(t, "x.txt", "1;'it\\'s; here';NA;[1, 2]\r\n2;'two\nlines';0.5;[3,4]\n3;'';2.5;NA\n")
	rows(t, s, "COPY FROM '"+p+"' INTO d WITH (format = 'csv', header = false, delimiter = ';', quote = '''', escape = '\\', null = 'NA', primary_key = 'column1')")
	got := rows(t, s, "SELECT column1, column2, column3, column4 FROM d ORDER BY column1")
	want := [][]any{{int64(1), "it's; here", nil, []float32{1, 2}}, {int64(2), "two\nlines", 0.5, []float32{3, 4}}, {int64(3), "", 2.5, nil}}
	if len(got) != 3 {
		t.Fatalf("rows %v", got)
	}
	for i := range want {
		for j := range want[i] {
			if a, b := render(got[i][j]), render(want[i][j]); a != b {
				t.Errorf("row %d column %d: %s, want %s", i, j, a, b)
			}
		}
	}
	// The header names columns; a BOM before it is not part of the name.
	p = write(t, "h.csv", "\xef\xbb\xbfid,\"na,me\"\n7,\"a \"\"quoted\"\" word\"\n")
	rows(t, s, "COPY FROM '"+p+"' INTO h")
	if got := rows(t, s, `SELECT * FROM h`); len(got) != 1 || got[0][0] != int64(7) || got[0][1] != `a "quoted" word` {
		t.Errorf("header and doubled quotes: %v", got)
	}
}

func render(v any) string {
	if v == nil {
		return "NULL"
	}
	return fmt.Sprint(v)
}

// Bad input gets an error naming the object and the line (and the column
// where one is at fault). Under on_error = 'abort' nothing is committed;
// under 'continue' the records that are whole but wrong go to the error
// table by line, while input that cannot be split into records at all
// (a quote that never closes, a line of a gigabyte) still fails the
// import.
func TestBadInput(t *testing.T) {
	good := "id,name\n1,a\n"
	huge := filepath.Join(t.TempDir(), "huge.csv")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(good)
	if err := f.Truncate(1 << 30); err != nil { // a 1 GB line of NUL bytes, sparse on disk
		t.Fatal(err)
	}
	f.Close()
	for _, c := range []struct {
		name, content string
		abort         string // the error under on_error = 'abort'
		rejected      string // the error table's row under 'continue': line, column, reason; "" if the import fails anyway
	}{
		{"ragged.csv", good + "2,b,extra\n3,c\n", "ragged.csv: line 3: 3 fields where the header has 2", "3||3 fields where the header has 2"},
		{"utf8.csv", good + "2,b\xffd\n", `utf8.csv: line 3, column "name": invalid UTF-8`, "3|name|invalid UTF-8"},
		{"afterquote.csv", good + "2,\"b\"x\n", "afterquote.csv: line 3: text after the closing quote", "3||text after the closing quote of a quoted field"},
		{"typed.csv", good + "x,b\n", `typed.csv: line 3, column "id": not an integer`, "3|id|not an integer"},
		{"unclosed.csv", good + "2,\"b\n3,c\n", "unclosed.csv: line 3: a quoted field opened on this record never closes", ""},
		{"huge.csv", "", "huge.csv: line 3: a record longer than 16777216 bytes", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := session(t)
			rows(t, s, "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT)")
			head := s.Store.Head()
			p := huge
			if c.content != "" {
				p = write(t, c.name, c.content)
			}
			_, err := s.Exec(context.Background(), "COPY FROM '"+p+"' INTO t")
			if err == nil || !strings.Contains(err.Error(), c.abort) {
				t.Errorf("abort: %v, want %q", err, c.abort)
			}
			if s.Store.Head() != head {
				t.Errorf("a failed import committed")
			}
			_, err = s.Exec(context.Background(), "COPY FROM '"+p+"' INTO t WITH (on_error = 'continue', error_table = 'errs')")
			if c.rejected == "" {
				if err == nil || s.Store.Head() != head {
					t.Errorf("continue: %v (committed: %v)", err, s.Store.Head() != head)
				}
				return
			}
			if err != nil {
				t.Fatalf("continue: %v", err)
			}
			errs := rows(t, s, "SELECT row, column, reason FROM errs")
			if len(errs) != 1 || render(errs[0][0])+"|"+render(errs[0][1])+"|"+render(errs[0][2]) != c.rejected {
				t.Errorf("error table %v, want %s", errs, c.rejected)
			}
			if got := rows(t, s, "SELECT id, name FROM t WHERE id = 1"); len(got) != 1 {
				t.Errorf("the good row is missing: %v", got)
			}
		})
	}
}
