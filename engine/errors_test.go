package engine_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// A file with 1% bad rows: on_error = 'continue' commits the good rows and
// exactly the bad ones, into the job's error table and into an ordinary
// error_table that SELECT reads; max_errors below the count commits
// nothing at all, and says so; the default, abort, commits nothing either.
func TestOnErrorContinueAndMaxErrors(t *testing.T) {
	var bad []int
	for i := 7; i < 2000; i += 100 {
		bad = append(bad, i) // 20 of 2000 rows: 1%
	}
	path := writeDocs(t, fixtures.Documents{Rows: 2000, Dim: 8, RowGroupRows: 500, BadVectorRows: bad})
	for _, runner := range []string{"direct", "prism"} {
		s := session(t, runner)
		head := s.Store.Head()
		for with, want := range map[string]string{
			"":                   "on_error is 'abort': nothing was committed",
			"max_errors = 19":    "more than 19 row errors (max_errors); nothing was committed",
			"on_error = 'abort'": "row 7, column \"embedding\": vector has 9 dimensions",
		} {
			stmt := fmt.Sprintf("COPY FROM '%s' INTO docs", path)
			if with != "" {
				stmt += " WITH (" + with + ", error_table = 'import_errors')"
			}
			if _, err := s.Exec(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: WITH (%s): %v, want %q", runner, with, err, want)
			}
		}
		if s.Store.Head() != head {
			t.Fatalf("%s: a failed import committed", runner)
		}
		if _, err := s.Store.Table("import_errors", s.Store.Head()); err == nil {
			t.Errorf("%s: a failed import created its error table", runner)
		}

		msg := exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs WITH (on_error = 'continue', error_table = 'import_errors', max_errors = 20)", path))[0].Message
		if !strings.Contains(msg, "COPY 1980 rows") || !strings.Contains(msg, "20 row(s) rejected") {
			t.Errorf("%s: %s", runner, msg)
		}
		job := lastJob(t, s)
		r := exec(t, s, "SELECT row, column, reason, source FROM import_errors WHERE job_id = '"+job+"'")[0]
		var rows []int
		for _, row := range r.Rows {
			rows = append(rows, int(row[0].(int64)))
			if row[1] != "embedding" || !strings.Contains(row[2].(string), "9 dimensions, expected 8") || row[3] != path {
				t.Errorf("%s: error row %v", runner, row)
			}
		}
		sort.Ints(rows)
		if fmt.Sprint(rows) != fmt.Sprint(bad) {
			t.Errorf("%s: error rows %v, want %v", runner, rows, bad)
		}
		if n := count(t, s, "docs"); n != 1980 {
			t.Errorf("%s: %d rows", runner, n)
		}
		// A second job appends to the same error table.
		exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs2 WITH (on_error = 'continue', error_table = 'import_errors')", path))
		if n := count(t, s, "import_errors"); n != 40 {
			t.Errorf("%s: %d rows in import_errors after two jobs, want 40", runner, n)
		}
		r = exec(t, s, "SELECT count(*) FROM import_errors WHERE job_id = '"+job+"' AND row BETWEEN 0 AND 1000")[0]
		if r.Rows[0][0] != int64(10) {
			t.Errorf("%s: %v errors of the first job in rows 0..1000, want 10", runner, r.Rows[0][0])
		}
	}
	s := session(t, "direct")
	exec(t, s, "CREATE TABLE import_errors (job_id TEXT)")
	if _, err := s.Exec(context.Background(), fmt.Sprintf("COPY FROM '%s' INTO docs WITH (on_error = 'continue', error_table = 'import_errors')", path)); err == nil || !strings.Contains(err.Error(), "exists with other columns") {
		t.Errorf("an error_table of the wrong shape: %v", err)
	}
}

// Errors a person can act on: a syntax error names line and column and
// shows the line with a caret, as a *engine.SyntaxError; an unknown
// option or setting suggests the nearest known name and is not called a
// syntax error (*engine.StatementError); a bad row reaches a Go caller
// as a *lake.RowError.
func TestErrorsNameWhereAndWhat(t *testing.T) {
	_, err := engine.Parse("SELECT id\nFROM docs\nWHERE id = = 3")
	var se *engine.SyntaxError
	if !errors.As(err, &se) || se.Line != 3 || se.Column != 12 || se.Near != "=" {
		t.Fatalf("syntax error: %#v (%v)", se, err)
	}
	if want := "syntax error at line 3, column 12 near =: expected a value\n  WHERE id = = 3\n             ^"; err.Error() != want {
		t.Errorf("message:\n%s\nwant:\n%s", err, want)
	}
	for _, c := range []struct{ script, want string }{
		{"SELECT 'abc FROM t", "syntax error at line 1, column 8 near ': unterminated string"},
		{"SELEC 1", "expected CREATE TABLE, ALTER TABLE, DROP TABLE, CREATE GRAPH, DROP GRAPH, CREATE INDEX"},
		{"SELECT id FROM t WHERE id ? 3", "syntax error at line 1, column 27 near '?': unexpected character"},
	} {
		_, err := engine.Parse(c.script)
		if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.script, err, c.want)
		}
	}

	_, err = engine.Parse("COPY FROM 'x.parquet' INTO t\nWITH (mode = 'upsert', primery_key = 'id')")
	var st *engine.StatementError
	if !errors.As(err, &st) || st.Line != 2 || st.Column != 24 {
		t.Fatalf("unknown option: %#v (%v)", st, err)
	}
	if msg := err.Error(); !strings.Contains(msg, `unknown option "primery_key" (did you mean primary_key?)`) || strings.Contains(msg, "syntax") || strings.Contains(msg, "ivf_rerank") {
		t.Errorf("unknown option: %s", msg)
	}
	_, err = engine.Parse("COPY FROM 'x.parquet' INTO t WITH (colour = 'red')")
	if err == nil || strings.Contains(err.Error(), "syntax") || !strings.Contains(err.Error(), `unknown option "colour" (known: format, mode`) {
		t.Errorf("an option like none: %v", err)
	}
	// A format's write options belong to writing it: refused, at their
	// place, when reading it or when writing another format.
	for stmt, want := range map[string]string{
		"COPY FROM 'x.parquet' INTO t WITH (compression = 'zstd')":    "line 1, column 36: format parquet: option compression applies when writing, not when reading",
		"COPY t TO 'out/' WITH (format = 'csv', row_group_size = 10)": "line 1, column 40: format csv takes no option row_group_size",
		"COPY t TO 'out/' WITH (format = 'csv', sample_rows = 10)":    "line 1, column 40: format csv: option sample_rows applies when reading, not when writing",
		"COPY t TO 'out/' WITH (vector_format = 'packed')":            "line 1, column 24: vector_format must be 'list', 'fixed_size_list' or 'fixed_len_byte_array', not \"packed\"",
	} {
		if _, err := engine.Parse(stmt); !errors.As(err, &st) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", stmt, err, want)
		}
	}
	if _, err := engine.Parse("COPY t TO 'out/' WITH (compression = 'zstd', row_group_size = 1000, vector_format = 'fixed_len_byte_array')"); err != nil {
		t.Errorf("Parquet's write options: %v", err)
	}
	s := session(t, "direct")
	for stmt, want := range map[string]string{
		"SET lakelink.hnsw_ef_serch = 40": `unknown setting "lakelink.hnsw_ef_serch" (did you mean lakelink.hnsw_ef_search?)`,
		"SET lakelink.ivf_nprob = 4":      "did you mean lakelink.ivf_nprobe?",
		"CREATE TABLE d (id BIGINT, v VECTOR(2)); CREATE INDEX ON d USING hnsw (v) WITH (ef_constrution = 10)": "did you mean ef_construction?",
	} {
		if _, err := s.Exec(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "syntax") {
			t.Errorf("%s: %v, want %q", stmt, err, want)
		}
	}

	// A bad row under on_error = 'abort', from Go.
	path := writeDocs(t, fixtures.Documents{Rows: 50, Dim: 4, BadVectorRows: []int{7}})
	_, err = s.Exec(context.Background(), fmt.Sprintf("COPY FROM '%s' INTO docs", path))
	var re *lake.RowError
	if !errors.As(err, &re) || re.Row != 7 || re.Column != "embedding" || !strings.HasSuffix(re.Object, filepath.Base(path)) {
		t.Errorf("row error: %#v (%v)", re, err)
	}
	if strings.Contains(err.Error(), ".lseg") {
		t.Errorf("the row error names a staged segment: %v", err)
	}
	// A row the commit itself refuses (an update of a key with no row).
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO keyed (id, title) WITH (primary_key = 'id')", writeDocs(t, fixtures.Documents{Rows: 5, Dim: 4})))
	_, err = s.Exec(context.Background(), fmt.Sprintf("COPY FROM '%s' INTO keyed (id, title) WITH (mode = 'update', key_columns = ['id'])",
		writeDocs(t, fixtures.Documents{Rows: 3, Dim: 4, FirstID: 4})))
	if !errors.As(err, &re) || re.Column != "id" || re.Value != "5" || strings.Contains(err.Error(), ".lseg") {
		t.Errorf("update of a missing key: %#v (%v)", re, err)
	}
	_, err = s.Exec(context.Background(), fmt.Sprintf("COPY FROM '%s' INTO docs2 MAP COLUMNS (nope => id)", path))
	if err == nil || strings.Contains(err.Error(), "syntax") || !strings.Contains(err.Error(), `no column "nope"`) {
		t.Errorf("unknown column: %v", err)
	}
}
