package pipeline_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

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
