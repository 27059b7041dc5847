package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/store"
)

func vecText(v []float32) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// INSERT and UPDATE, on keyed and keyless tables with an HNSW index and
// rows in both tiers: each is one commit; inserted and updated rows read
// back and are found by the index (exact top-1 for their own vector);
// an updated cold row leaves its cold file; a past commit still reads
// the old values; $N binds values and WHERE values; a keyed table
// refuses a duplicate key, hot or cold, and a change of its key.
func TestInsertUpdate(t *testing.T) {
	for _, keyed := range []bool{true, false} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			s := session(t, "direct")
			docs := tierDocs(300)
			tierTable(t, s, keyed, docs, t.TempDir())
			exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2022-10-01' TO COLD")
			cold := coldRows(t, s)
			if cold == 0 {
				t.Fatal("no cold rows")
			}
			before := s.Store.Head()

			// INSERT: two rows, one commit, found by their vectors.
			v1 := []float32{9, 9, 9, 9, 9, 9, 9, -9}
			v2 := []float32{-9, 9, -9, 9, -9, 9, -9, 9}
			res := exec(t, s, fmt.Sprintf("INSERT INTO documents (id, content, embedding) VALUES (1000, 'new one', '%s'), (1001, 'new two', %s)", vecText(v1), vecText(v2)))
			if field(res[0], "rows") != int64(2) || s.Store.Head() != before+1 {
				t.Fatalf("INSERT: %v, head %d (was %d)", res[0].Fields, s.Store.Head(), before)
			}
			if n := count(t, s, "documents"); n != 302 {
				t.Errorf("after INSERT: %d rows", n)
			}
			top := func(v []float32) (int64, string) {
				r := exec(t, s, "SELECT id, content FROM documents ORDER BY embedding <=> '"+vecText(v)+"' LIMIT 1")[0]
				if len(r.Rows) != 1 {
					t.Fatalf("search: %v", r.Rows)
				}
				return r.Rows[0][0].(int64), r.Rows[0][1].(string)
			}
			if id, c := top(v2); id != 1001 || c != "new two" {
				t.Errorf("search for the inserted vector: %d %q", id, c)
			}

			// UPDATE a cold row and a hot one, with parameters.
			nv := []float32{5, -5, 5, -5, 5, -5, 5, -5}
			s.Params = map[int]any{1: vecText(nv), 2: "5", 3: int64(250)}
			res = exec(t, s, "UPDATE documents SET content = 'fixed', embedding = $1 WHERE id = $2 OR id = $3")
			s.Params = nil
			if field(res[0], "rows") != int64(2) {
				t.Fatalf("UPDATE: %v", res[0].Fields)
			}
			rows := exec(t, s, "SELECT id, content FROM documents WHERE content = 'fixed' ORDER BY id")[0].Rows
			if fmt.Sprint(rows) != "[[5 fixed] [250 fixed]]" {
				t.Errorf("updated rows: %v", rows)
			}
			if n := count(t, s, "documents"); n != 302 {
				t.Errorf("after UPDATE: %d rows", n)
			}
			if c := coldRows(t, s); c != cold-1 {
				t.Errorf("cold rows %d, want %d: the updated cold row leaves its file", c, cold-1)
			}
			if id, _ := top(nv); id != 5 && id != 250 {
				t.Errorf("search for the new vector: %d", id)
			}
			// The old vector of row 250 finds no stale copy of it.
			r := exec(t, s, "SELECT id, content FROM documents ORDER BY embedding <=> '"+vecText(docs[250].Embedding)+"' LIMIT 5")[0]
			for _, row := range r.Rows {
				if row[0] == int64(250) && row[1] != "fixed" {
					t.Errorf("a search returned row 250's old version: %v", r.Rows)
				}
			}
			old := exec(t, s, fmt.Sprintf("SELECT content FROM documents AT (COMMIT => %d) WHERE id = 250", before))[0].Rows
			if fmt.Sprint(old) != "[[doc 250]]" {
				t.Errorf("the past commit reads %v", old)
			}
			if res := exec(t, s, "UPDATE documents SET content = 'x' WHERE id = 99999"); field(res[0], "rows") != int64(0) {
				t.Errorf("an UPDATE of no row: %v", res[0].Fields)
			}

			ctx := context.Background()
			head := s.Store.Head()
			if keyed {
				for _, q := range []string{
					"INSERT INTO documents (id, content) VALUES (7, 'dup of a cold row')",
					"INSERT INTO documents (id, content) VALUES (5, 'dup of a row updated out of the cold tier')",
					"INSERT INTO documents (id, content) VALUES (250, 'dup of a hot row')",
					"INSERT INTO documents (id, content) VALUES (2000, 'a'), (2000, 'b')",
				} {
					if _, err := s.Exec(ctx, q); !errors.Is(err, store.ErrDuplicateKey) {
						t.Errorf("%s: %v, want a duplicate key", q, err)
					}
				}
				if _, err := s.Exec(ctx, "UPDATE documents SET id = 7 WHERE id = 8"); err == nil || !strings.Contains(err.Error(), "primary key") {
					t.Errorf("UPDATE of the key: %v", err)
				}
			} else {
				exec(t, s, "INSERT INTO documents (id, content) VALUES (5, 'a second row 5')")
				head = s.Store.Head()
			}
			for q, want := range map[string]string{
				"INSERT INTO documents (id, content, embedding) VALUES (3000, 'x', '[1,2]')": "2 values, not 8",
				"INSERT INTO documents (id, nosuch) VALUES (3000, 'x')":                      "no column",
				"INSERT INTO documents VALUES (3000, 'x')":                                   "2 value(s) for 4",
				"INSERT INTO documents (id, created_at) VALUES (3000, 'yesterday')":          "not a TIMESTAMP",
				"UPDATE documents SET created_at = 12.5 WHERE id = 1":                        "created_at",
				"UPDATE documents SET content = $1":                                          "no value for $1",
			} {
				if _, err := s.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%s: %v, want %q", q, err, want)
				}
			}
			if s.Store.Head() != head {
				t.Error("a refused INSERT or UPDATE committed")
			}
		})
	}
}
