package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/lake"
)

// Text formats change no value without an error: each case is one of the
// wrong results found by trying CSV and NDJSON as a user would, and each
// fails without its fix.

func writeText(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func failsWith(t *testing.T, s *engine.Session, sql, want string) {
	t.Helper()
	_, err := s.Exec(context.Background(), sql)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %v, want one saying %q", sql, err, want)
	}
}

// 1 and 2: a NULL element, and text that is not an array, are row errors
// naming the line and column; nothing is committed.
func TestTextVectorsParseAsText(t *testing.T) {
	for _, runner := range []string{"direct", "prism-process"} {
		t.Run(runner, func(t *testing.T) {
			s := session(t, runner)
			dir := t.TempDir()
			exec(t, s, "CREATE TABLE t (id BIGINT, embedding VECTOR(3))")
			for _, c := range []struct{ file, body, want string }{
				{"null.csv", "id,embedding\n1,\"[0.1,null,0.3]\"\n", `null.csv: line 2, column "embedding": vector has a NULL element`},
				{"null.ndjson", `{"id":1,"embedding":[0.1,null,0.3]}` + "\n", `null.ndjson: line 1, column "embedding": vector has a NULL element`},
				{"bytes.csv", "id,embedding\n1,abcdefghijkl\n", `line 2, column "embedding": not a JSON array`},
				{"bad.csv", "id,embedding\n2,\"[1.0,2.0,xx]\"\n", `line 2, column "embedding": not a JSON array`},
				{"nan.csv", "id,embedding\n3,\"[1.0,NaN,0]\"\n", `not a JSON array`},
				{"nan.ndjson", `{"id":3,"embedding":[1.0,"NaN",0]}` + "\n", `vector has a NaN or infinite value (element 2)`},
				{"inf.ndjson", `{"id":3,"embedding":[1.0,"-Infinity",0]}` + "\n", `vector has a NaN or infinite value (element 2)`},
				{"big.ndjson", `{"id":4,"embedding":[16777217,1,2]}` + "\n", `16777217 cannot be held exactly by a float32`},
			} {
				failsWith(t, s, "COPY FROM '"+writeText(t, dir, c.file, c.body)+"' INTO t", c.want)
			}
			if n := count(t, s, "t"); n != 0 {
				t.Errorf("%d rows committed by failed imports", n)
			}
			// Good text still reads, in both formats.
			exec(t, s, "COPY FROM '"+writeText(t, dir, "ok.csv", "id,embedding\n1,\"[0.5, -2, 1e-3]\"\n")+"' INTO t")
			exec(t, s, "COPY FROM '"+writeText(t, dir, "ok.ndjson", `{"id":2,"embedding":[0.25,3,-0.0]}`+"\n")+"' INTO t")
			got := exec(t, s, "SELECT embedding FROM t ORDER BY id")[0].Rows
			if len(got) != 2 || lake.Render(got[0][0]) != "[0.5,-2,0.001]" || lake.Render(got[1][0]) != "[0.25,3,-0]" {
				t.Errorf("vectors read: %v", got)
			}
		})
	}
}

// 3: integer lists are BIGINT[] in a created table, exactly; into a
// vector, an integer a float32 cannot hold is a row error.
func TestIntegerListsKeepTheirDigits(t *testing.T) {
	s := session(t, "direct")
	dir := t.TempDir()
	ndjson := writeText(t, dir, "links.ndjson", `{"id":1,"l":[16777217,16777219,123456789012]}`+"\n"+`{"id":2,"l":[1,null,-9223372036854775808]}`+"\n")
	csv := writeText(t, dir, "links.csv", "id,l\n1,\"[16777217,16777219,123456789012]\"\n2,\"[1,null,-9223372036854775808]\"\n")
	for _, f := range []string{ndjson, csv} {
		name := "n" + strings.TrimPrefix(filepath.Ext(f), ".")
		exec(t, s, "COPY FROM '"+f+"' INTO "+name)
		if got := schemaOf(t, s.Store, name); got != "id BIGINT, l BIGINT[]" {
			t.Errorf("%s: schema %s, want l BIGINT[]", f, got)
		}
		rows := exec(t, s, "SELECT l FROM "+name+" ORDER BY id")[0].Rows
		if lake.Render(rows[0][0]) != "[16777217,16777219,123456789012]" || lake.Render(rows[1][0]) != "[1,null,-9223372036854775808]" {
			t.Errorf("%s: lists %v", f, rows)
		}
		exec(t, s, "CREATE TABLE v"+name+" (id BIGINT, l VECTOR(3))")
		failsWith(t, s, "COPY FROM '"+f+"' INTO v"+name, "16777217 cannot be held exactly by a float32")
	}
	// A scalar beyond BIGINT is text, not a rounded double.
	exec(t, s, "COPY FROM '"+writeText(t, dir, "huge.ndjson", `{"n":123456789012345678901234}`+"\n")+"' INTO huge")
	if got := exec(t, s, "SELECT n FROM huge")[0].Rows[0][0]; got != "123456789012345678901234" {
		t.Errorf("huge integer read as %v (%T)", got, got)
	}
}

// 4: a REAL[] column (NULL elements, and lists all of one length, which
// look like vectors) re-imports from every format to its schema and
// digest; Parquet's footer types rule over vector detection.
func TestArraysRoundTrip(t *testing.T) {
	s := session(t, "direct")
	dir := t.TempDir()
	exec(t, s, "CREATE TABLE a (id BIGINT PRIMARY KEY, r REAL[], d DOUBLE[])")
	src := writeText(t, dir, "a.ndjson", `{"id":1,"r":[0.1,0.2,0.3],"d":[0.1,0.2,0.3]}`+"\n"+`{"id":2,"r":[0.1,0.5,0.3],"d":[1e300,-0.0,5e-324]}`+"\n")
	exec(t, s, "COPY FROM '"+src+"' INTO a")
	nulls := writeText(t, dir, "nulls.ndjson", `{"id":3,"r":[0.1,null,0.3],"d":[null]}`+"\n")
	exec(t, s, "COPY FROM '"+nulls+"' INTO a")
	want := digest(t, s, "a")
	for _, f := range []string{"x.csv", "x.ndjson", "x.parquet"} {
		out := filepath.Join(dir, "out", f)
		exec(t, s, "COPY a TO '"+out+"'")
		name := "back_" + strings.TrimPrefix(filepath.Ext(f), ".")
		exec(t, s, "COPY FROM '"+out+"' INTO "+name+" WITH (primary_key = 'id')")
		if got := schemaOf(t, s.Store, name); got != "id BIGINT, r REAL[], d DOUBLE[]" {
			t.Errorf("%s: schema %s", f, got)
		}
		if got := digest(t, s, name); got != want {
			t.Errorf("%s: digest %s, source %s", f, got, want)
		}
	}
}

// 5: NaN and the infinities: every writer emits valid output, reading it
// back restores them, and the command's JSON carries them as strings.
func TestNonFiniteFloatsRoundTrip(t *testing.T) {
	s := session(t, "direct")
	dir := t.TempDir()
	exec(t, s, "CREATE TABLE f (id BIGINT PRIMARY KEY, x DOUBLE, y REAL, l DOUBLE[])")
	exec(t, s, "COPY FROM '"+writeText(t, dir, "f.csv", "id,x,y,l\n1,NaN,Infinity,\"[1.5,\"\"NaN\"\",\"\"-Infinity\"\",null]\"\n2,-Infinity,-0.0,[]\n3,2.5,1e-45,\"[-0.0]\"\n")+"' INTO f")
	rows := exec(t, s, "SELECT x, y, l FROM f ORDER BY id")[0].Rows
	if x := rows[0][0].(float64); !math.IsNaN(x) || !math.IsInf(float64(rows[0][1].(float32)), 1) || lake.Render(rows[0][2]) != `[1.5,"NaN","-Infinity",null]` {
		t.Errorf("row 1 read as %v", rows[0])
	}
	want := digest(t, s, "f")
	for _, f := range []string{"f.ndjson", "f.csv"} {
		out := filepath.Join(dir, "out", f)
		exec(t, s, "COPY (SELECT id, x, y, l FROM f) TO '"+out+"'")
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".ndjson") {
			for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
				if !json.Valid(line) {
					t.Errorf("line %d of the NDJSON export is not JSON: %s", i+1, line)
				}
			}
		}
		name := "back_" + strings.TrimPrefix(filepath.Ext(f), ".")
		exec(t, s, "CREATE TABLE "+name+" (id BIGINT PRIMARY KEY, x DOUBLE, y REAL, l DOUBLE[])")
		exec(t, s, "COPY FROM '"+out+"' INTO "+name)
		if got := digest(t, s, name); got != want {
			t.Errorf("%s: digest %s, source %s\n%s", f, got, want, b)
		}
	}
}

// 6: adjacency lists from CSV and NDJSON expand into edges, as from
// Parquet; an explicit ::BIGINT[] is taken.
func TestAdjacencyListsFromText(t *testing.T) {
	s := session(t, "direct")
	dir := t.TempDir()
	exec(t, s, "CREATE GRAPH g (NODE page (id BIGINT PRIMARY KEY), EDGE link (source BIGINT REFERENCES page(id), target BIGINT REFERENCES page(id)))")
	csv := writeText(t, dir, "adj.csv", "page_id,outgoing_links\n1,\"[2,3]\"\n2,\"[3,3]\"\n3,[]\n4,\n")
	ndjson := writeText(t, dir, "adj.ndjson", `{"page_id":5,"outgoing_links":[1,2]}`+"\n"+`{"page_id":6,"outgoing_links":null}`+"\n")
	exec(t, s, "COPY FROM '"+csv+"' INTO GRAPH g.link MAP COLUMNS (page_id => source, outgoing_links => edges) WITH (on_missing_node = 'create')")
	exec(t, s, "COPY FROM '"+ndjson+"' INTO GRAPH g.link MAP COLUMNS (page_id => source, outgoing_links => target::BIGINT[]) WITH (on_missing_node = 'create')")
	got := exec(t, s, "SELECT source, target FROM g.link")[0].Rows
	var pairs []string
	for _, r := range got {
		pairs = append(pairs, lake.Render(r[0])+">"+lake.Render(r[1]))
	}
	if strings.Join(pairs, " ") != "1>2 1>3 2>3 5>1 5>2" {
		t.Errorf("edges %v, want 1>2 1>3 2>3 5>1 5>2", pairs)
	}
	if n := count(t, s, "g.page"); n != 4 { // the endpoints of the edges: 1, 2, 3 and 5
		t.Errorf("%d nodes, want 4", n)
	}
}

// 7: a key of the wrong type and an integer out of range are errors, not
// empty answers.
func TestWrongKeysAreErrors(t *testing.T) {
	s := session(t, "direct")
	exec(t, s, "CREATE GRAPH knowledge (NODE entity (id UUID PRIMARY KEY), EDGE relates (source UUID REFERENCES entity(id), target UUID REFERENCES entity(id)))")
	failsWith(t, s, "SELECT * FROM neighbors('knowledge', 'notauuid')", `node id "notauuid" is not of any node table's id type (knowledge.entity has UUID ids)`)
	failsWith(t, s, "SELECT * FROM khop('knowledge', 'notauuid', 2)", "not of any node table's id type")
	exec(t, s, "CREATE TABLE n (id BIGINT)")
	failsWith(t, s, "SELECT * FROM n WHERE id = 9223372036854775808", "the number is out of range for BIGINT (column id)")
	failsWith(t, s, "DELETE FROM n WHERE id > -9223372036854775809", "out of range for BIGINT")
	exec(t, s, "SELECT * FROM n WHERE id = 9223372036854775807")
}

// 8: a DATE is a day in results, wherever it comes from: the result
// carries the column types that tell it from a TIMESTAMP at midnight.
func TestResultsCarryTypes(t *testing.T) {
	s := session(t, "direct")
	exec(t, s, "CREATE TABLE d (day DATE, at TIMESTAMP)")
	exec(t, s, "COPY FROM '"+writeText(t, t.TempDir(), "d.csv", "day,at\n2024-01-02,2024-01-02T00:00:00Z\n")+"' INTO d")
	res := exec(t, s, "SELECT day, at FROM d")[0]
	if len(res.Types) != 2 || res.Types[0].Kind != lake.KindDate || res.Types[1].Kind != lake.KindTimestamp {
		t.Errorf("result types %v", res.Types)
	}
}

// A COPY that created its table with primary_key runs again (the README's
// examples are re-runnable); another key is still refused.
func TestPrimaryKeyOnAnExistingTable(t *testing.T) {
	s := session(t, "direct")
	f := writeText(t, t.TempDir(), "p.csv", "id,title\n1,a\n2,b\n")
	for range 2 {
		exec(t, s, "COPY FROM '"+f+"' INTO docs WITH (primary_key = 'id', mode = 'upsert')")
	}
	if n := count(t, s, "docs"); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
	failsWith(t, s, "COPY FROM '"+f+"' INTO docs WITH (primary_key = 'title')", `table "docs" exists with primary key (id): primary_key (title) applies only when COPY creates the table`)
}

// Errors about a statement's names point at the name: an unknown column
// in a SELECT (with the nearest name), an unknown or out-of-range index
// option and an unknown metric, and an option of another kind of index.
func TestStatementErrorsPointAtTheName(t *testing.T) {
	s := session(t, "direct")
	exec(t, s, "CREATE TABLE v (id BIGINT PRIMARY KEY, title TEXT, e VECTOR(2))")
	for stmt, want := range map[string]string{
		"SELECT id, titel FROM v":                                             "line 1, column 12: table v has no column \"titel\" (did you mean title?)",
		"SELECT id, cosine_similarity(x, '[1,2]') FROM v":                     "line 1, column 12: table v has no column \"x\"",
		"CREATE INDEX i ON v USING hnsw (e) WITH (bogus = 3)":                 "line 1, column 42: unknown hnsw index option \"bogus\"",
		"CREATE INDEX i ON v USING hnsw (e) WITH (metric = 'l2', m = 1)":      "line 1, column 57: index option hnsw_m must be between 2 and 256",
		"CREATE INDEX i ON v USING hnsw (e) WITH (metric = 'manhattan')":      "line 1, column 42: unknown metric \"manhattan\"",
		"CREATE INDEX i ON v USING flat (e) WITH (m = 16)":                    "line 1, column 42: unknown flat index option \"m\" (known: segment_rows)",
		"CREATE INDEX i ON v USING ivfpq (e) WITH (nlist = 4, ef_search = 9)": "line 1, column 54: unknown ivfpq index option \"ef_search\"",
	} {
		_, err := s.Exec(context.Background(), stmt)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "^") && strings.HasPrefix(want, "line") {
			t.Errorf("%s:\n got %v\nwant %s", stmt, err, want)
		}
	}
	if ti, _ := s.Store.Table("v", s.Store.Head()); len(ti.Indexes) != 0 {
		t.Errorf("refused statements left indexes %v", ti.Indexes)
	}
}
