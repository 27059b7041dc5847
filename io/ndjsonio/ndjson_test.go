package ndjsonio_test

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

// A new table takes the JSON values' types; keys come in first-seen
// order, a missing key is NULL, a repeated key's last value wins, blank
// lines are skipped.
func TestTypesFromJSON(t *testing.T) {
	s := session(t)
	p := write(t, "d.jsonl", `{"id": 1, "v": [1, 2.5], "meta": {"a": [1]}, "ok": true, "at": "2024-03-01T10:00:00Z", "n": 1.5, "tags": ["x", null]}`+"\n\n"+
		`{"id": 2, "v": [3, 4], "ok": false, "n": 2, "extra": "e", "id": 3, "tags": []}`+"\r\n")
	rows(t, s, "COPY FROM '"+p+"' INTO d WITH (primary_key = 'id')")
	ti, err := s.Store.Table("d", s.Store.Head())
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range ti.Schema.Columns {
		cols = append(cols, c.Name+" "+c.Type.String())
	}
	if got, want := strings.Join(cols, ", "), "id BIGINT, v VECTOR(2), meta JSONB, ok BOOLEAN, at TIMESTAMP, n DOUBLE, tags JSONB, extra TEXT"; got != want {
		t.Errorf("schema %s, want %s", got, want)
	}
	got := rows(t, s, "SELECT id, v, meta, ok, n, extra FROM d ORDER BY id")
	if fmt.Sprint(got) != `[[1 [1 2.5] {"a":[1]} true 1.5 <nil>] [3 [3 4] <nil> false 2 e]]` {
		t.Errorf("rows %v", got)
	}
}

// Bad lines are errors naming the object and the line; under 'continue'
// they go to the error table, while a line of a gigabyte fails the import.
func TestBadInput(t *testing.T) {
	good := `{"id": 1, "name": "a"}` + "\n"
	huge := filepath.Join(t.TempDir(), "huge.ndjson")
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
		abort         string
		rejected      string // line|column|reason, or "" when the import fails anyway
	}{
		{"notjson.ndjson", good + "{\"id\": 2,\n", "notjson.ndjson: line 2: invalid JSON", "2||invalid JSON: the line ends inside the object"},
		{"array.ndjson", good + "[1, 2]\n", "array.ndjson: line 2: not a JSON object", "2||not a JSON object"},
		{"utf8.ndjson", good + "{\"id\": 2, \"name\": \"b\xff\"}\n", "utf8.ndjson: line 2: invalid UTF-8", "2||invalid UTF-8"},
		{"trailing.ndjson", good + "{\"id\": 2} {\"id\": 3}\n", "trailing.ndjson: line 2: text after the object", "2||text after the object"},
		{"typed.ndjson", good + "{\"id\": \"x\"}\n", `typed.ndjson: line 2, column "id": not an integer`, "2|id|not an integer"},
		{"huge.ndjson", "", "huge.ndjson: line 2: longer than 16777216 bytes", ""},
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
			if len(errs) != 1 || fmt.Sprintf("%v|%v|%v", errs[0][0], errs[0][1], errs[0][2]) != c.rejected {
				t.Errorf("error table %v, want %s", errs, c.rejected)
			}
			if got := rows(t, s, "SELECT id FROM t"); len(got) != 1 {
				t.Errorf("rows %v, want the good one", got)
			}
		})
	}
}
