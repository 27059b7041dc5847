package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/engine"
)

// tableFunctionCases is a call of every registered table function over
// the store tableFunctionStore makes, and the rows it must return at
// least. A registered function without a case fails the test.
var tableFunctionCases = map[string]struct {
	call    string
	minRows int
}{
	"neighbors":         {"neighbors('g', 1)", 2},
	"degree":            {"degree('g', 2, 'both')", 1},
	"khop":              {"khop('g', 1, 2)", 3},
	"shortest_path":     {"shortest_path('g', 1, 4)", 3},
	"diff":              {"diff('v1', 'head')", 1},
	"parquet_scan":      {"parquet_scan($1)", 5},
	engine.CommitsTable: {engine.CommitsTable, 3},
	engine.TagsTable:    {engine.TagsTable + "()", 1},
	engine.StatusTable:  {engine.StatusTable, 2},
	engine.TablesTable:  {engine.TablesTable, 2},
	engine.DigestTable:  {engine.DigestTable + "('g.n')", 1},
	engine.InfoTables:   {engine.InfoTables, 2},
	engine.InfoColumns:  {engine.InfoColumns, 4},
}

// tableFunctionStore makes a graph (from CSV), a tag, a later change, and
// an exported Parquet folder for parquet_scan ($1).
func tableFunctionStore(t *testing.T) *engine.Session {
	s := session(t, "direct")
	dir := t.TempDir()
	put := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	exec(t, s, "CREATE GRAPH g (NODE n (id BIGINT PRIMARY KEY, name TEXT), EDGE e (src BIGINT REFERENCES n(id), dst BIGINT REFERENCES n(id)))")
	exec(t, s, "COPY FROM '"+put("n.csv", "id,name\n1,a\n2,b\n3,c\n4,d\n5,e\n")+"' INTO GRAPH g.n")
	exec(t, s, "COPY FROM '"+put("e.csv", "src,dst\n1,2\n1,3\n2,3\n3,4\n")+"' INTO GRAPH g.e")
	if _, err := s.CreateTag("v1", 0, "before f"); err != nil {
		t.Fatal(err)
	}
	exec(t, s, "COPY FROM '"+put("n2.csv", "id,name\n6,f\n")+"' INTO GRAPH g.n")
	out := filepath.Join(dir, "files") + "/"
	exec(t, s, "COPY g.n TO '"+out+"'")
	s.Params = map[int]any{1: out + "*.parquet"}
	return s
}

// Every registered table function answers its case, with as many columns
// when it returns no rows, counts as many rows as it returns, refuses a wrong number of
// arguments naming its signature, and takes AT (...) unless it reads the
// present only.
func TestEveryTableFunction(t *testing.T) {
	s := tableFunctionStore(t)
	ctx := context.Background()
	for _, name := range engine.TableFunctions() {
		c, ok := tableFunctionCases[name]
		if !ok {
			t.Errorf("table function %s is registered but has no case in tableFunctionCases", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			res := exec(t, s, "SELECT * FROM "+c.call)[0]
			if len(res.Rows) < c.minRows {
				t.Errorf("%s: %d rows, want at least %d: %v", c.call, len(res.Rows), c.minRows, res.Rows)
			}
			schemaRes := exec(t, s, "SELECT * FROM "+c.call+" LIMIT 0")[0]
			if len(schemaRes.Columns) != len(res.Columns) {
				t.Errorf("columns %v and %v", schemaRes.Columns, res.Columns)
			}
			if n := count(t, s, c.call); n != int64(len(res.Rows)) {
				t.Errorf("count(*) %d, rows %d", n, len(res.Rows))
			}
			// A wrong number of arguments names the signature.
			args := strings.Repeat("1, ", 6) + "1"
			if _, err := s.Exec(ctx, "SELECT * FROM "+name+"("+args+")"); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("seven arguments: %v", err)
			}
			_, err := s.Exec(ctx, fmt.Sprintf("SELECT * FROM %s AT (TAG => 'v1')", c.call))
			if strings.Contains(strings.Join(presentOnly, ","), name) {
				if err == nil || !strings.Contains(err.Error(), "present") {
					t.Errorf("AT on a relation of the present: %v", err)
				}
			} else if err != nil {
				t.Errorf("AT (TAG => 'v1'): %v", err)
			}
		})
	}
	if _, err := s.Exec(ctx, "SELECT * FROM neighbours('g', 1)"); err == nil || !strings.Contains(err.Error(), "did you mean neighbors?") {
		t.Errorf("a misspelt function: %v", err)
	}
}

// presentOnly are the relations read as they are now.
var presentOnly = []string{"parquet_scan", engine.CommitsTable, engine.TagsTable, engine.StatusTable}
