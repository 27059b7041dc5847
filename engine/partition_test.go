package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// monthly writes lake/year=Y/month=MM/part-0.parquet for 2023-01..2024-12,
// 20 rows each with ids (Y*100+M)*1000+i, and returns the lake folder.
func monthly(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "lake")
	for y := 2023; y <= 2024; y++ {
		for m := 1; m <= 12; m++ {
			dir := filepath.Join(root, fmt.Sprintf("year=%d", y), fmt.Sprintf("month=%02d", m))
			os.MkdirAll(dir, 0o755)
			cfg := fixtures.Documents{Rows: 20, Dim: 4, FirstID: int64((y*100 + m) * 1000), Seed: uint64(m)}
			if err := fixtures.WriteDocuments(filepath.Join(dir, "part-0.parquet"), cfg); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// A filter over 24 monthly folders opens only the matching files, and the
// partition values become typed columns of the rows.
func TestPartitionPruning(t *testing.T) {
	root := monthly(t)
	s := session(t, "direct")
	before := objstore.ObjectsOpened()
	exec(t, s, fmt.Sprintf(`COPY FROM '%s/**/*.parquet' INTO docs
		WITH (partition_columns = ['year', 'month'], partition_filter = 'year = 2024 AND month >= 3')`, root))
	filteredOpens := objstore.ObjectsOpened() - before

	var files []string
	for m := 3; m <= 12; m++ {
		files = append(files, "'"+filepath.Join(root, "year=2024", fmt.Sprintf("month=%02d", m), "part-0.parquet")+"'")
	}
	s2 := session(t, "direct")
	before = objstore.ObjectsOpened()
	exec(t, s2, "COPY FROM "+strings.Join(files, ", ")+" INTO docs")
	exactOpens := objstore.ObjectsOpened() - before
	t.Logf("opens: filtered import %d, the 10 matching files by name %d", filteredOpens, exactOpens)
	if filteredOpens != exactOpens || exactOpens == 0 {
		t.Errorf("the filtered import opened %d times, importing the 10 matching files opens %d", filteredOpens, exactOpens)
	}

	ti, _ := s.Store.Table("docs", s.Store.Head())
	if got := ti.Schema.String(); got != "(id BIGINT, title TEXT, content TEXT, embedding VECTOR(4), year BIGINT, month BIGINT)" {
		t.Errorf("schema %s", got)
	}
	if n := count(t, s, "docs"); n != 200 {
		t.Errorf("%d rows, want 200 (10 months x 20)", n)
	}
	r := exec(t, s, "SELECT year, month FROM docs WHERE id = 202407005")[0]
	if len(r.Rows) != 1 || r.Rows[0][0] != int64(2024) || r.Rows[0][1] != int64(7) {
		t.Errorf("row of 2024-07: %v", r.Rows)
	}
}

func TestPartitionFilterForms(t *testing.T) {
	root := monthly(t)
	for filter, want := range map[string]int64{
		"year = 2024 AND month >= 3":                  10,
		"month IN (1, 2, 12)":                         6,
		"month BETWEEN 6 AND 8":                       6,
		"year = 2023 OR month = 1":                    13,
		"NOT (year = 2023) AND month != 5":            11,
		"month NOT IN (1, 2, 3) AND year <> 2023":     9,
		"(year < 2024 AND month > 10) OR month <= 1":  4,
		"month NOT BETWEEN 2 AND 11 AND year >= 2024": 2,
	} {
		s := session(t, "direct")
		exec(t, s, fmt.Sprintf("COPY FROM '%s/**/*.parquet' INTO docs WITH (partition_columns = 'year, month', partition_filter = '%s')", root, filter))
		if n := count(t, s, "docs"); n != want*20 {
			t.Errorf("%s: %d rows, want %d", filter, n, want*20)
		}
	}
	s := session(t, "direct")
	for sql, want := range map[string]string{
		"WITH (partition_columns = ['year'], partition_filter = 'title = 1')":      "1 is not a TEXT value for title",
		"WITH (partition_filter = 'year = 2024')":                                  `"year" is not a column that a filter can use (content, id, title)`,
		"WITH (filter = 'embedding = 1')":                                          `"embedding" is not a column that a filter can use`,
		"WITH (filter = 'id = 1', partition_filter = 'id = 2')":                    "give one of filter and partition_filter",
		"WITH (partition_columns = ['year'], partition_filter = 'year = ''abc''')": "not a BIGINT",
		"WITH (partition_columns = ['day'])":                                       "no partition folder day=",
		"WITH (partition_columns = ['year'], partition_filter = 'year > 2030')":    "excludes all 24 matched objects",
		"WITH (partition_columns = ['year'], partition_filter = 'year = ')":        "syntax error",
	} {
		_, err := s.Exec(context.Background(), fmt.Sprintf("COPY FROM '%s/**/*.parquet' INTO docs %s", root, sql))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", sql, err, want)
		}
	}
}

// Date partitions (dt=2024-03-01) are DATE columns and compare as dates,
// also when the workers are separate processes.
func TestDatePartitions(t *testing.T) {
	root := filepath.Join(t.TempDir(), "events")
	for i, dt := range []string{"2024-02-28", "2024-02-29", "2024-03-01", "2024-03-02"} {
		dir := filepath.Join(root, "dt="+dt)
		os.MkdirAll(dir, 0o755)
		if err := fixtures.WriteDocuments(filepath.Join(dir, "part.parquet"), fixtures.Documents{Rows: 5, Dim: 2, FirstID: int64(i * 10)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, runner := range []string{"direct", "prism-process"} {
		s := session(t, runner)
		exec(t, s, fmt.Sprintf("COPY FROM '%s/' INTO ev WITH (partition_columns = 'dt', partition_filter = 'dt >= ''2024-02-29''')", root))
		if n := count(t, s, "ev"); n != 15 {
			t.Errorf("%s: %d rows, want 15", runner, n)
		}
		r := exec(t, s, "SELECT dt FROM ev WHERE id = 21")[0]
		if len(r.Rows) != 1 || fmt.Sprint(r.Rows[0][0]) != "2024-03-01 00:00:00 +0000 UTC" {
			t.Errorf("%s: dt of id 21: %v", runner, r.Rows)
		}
	}
}

// A filter on a data column skips the row groups whose statistics rule it
// out, without reading them, and filters the rows of the others; rows keep
// their numbers in the object for error reports. Mixed with partition
// columns, the partition part still prunes objects unopened.
func TestFilterOnDataColumns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "docs.parquet")
	// ids 1000..1999 ascending, 10 row groups of 100.
	if err := fixtures.WriteDocuments(path, fixtures.Documents{Rows: 1000, Dim: 4, RowGroupRows: 100, FirstID: 1000}); err != nil {
		t.Fatal(err)
	}
	for _, runner := range []string{"direct", "prism-process"} {
		s := session(t, runner)
		msg := exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs WITH (filter = 'id >= 1450 AND id < 1620')", path))[0].Message
		if n := count(t, s, "docs"); n != 170 {
			t.Errorf("%s: %d rows, want 170", runner, n)
		}
		// Row groups 4, 5 and 6 hold ids 1400..1699; the other 7 are skipped.
		if !strings.Contains(msg, "7 of 10 row groups skipped on their statistics") {
			t.Errorf("%s: %s", runner, msg)
		}
		for where, want := range map[string]int64{
			"id < 1450 OR id >= 1620":                     0,
			"id BETWEEN 1450 AND 1459":                    10,
			"id IN (1449, 1450, 1619, 1620)":              2,
			"title LIKE '%' AND title IS NOT NULL":        170,
			"NOT (title LIKE '%') OR embedding_x IS NULL": -1, // no such column
		} {
			res, err := s.Exec(context.Background(), "SELECT count(*) FROM docs WHERE "+where)
			switch {
			case want < 0 && err == nil:
				t.Errorf("%s: %s accepted", runner, where)
			case want >= 0 && (err != nil || res[0].Rows[0][0] != want):
				t.Errorf("%s: WHERE %s: %v (%v), want %d", runner, where, res, err, want)
			}
		}
	}

	// A rejected row keeps its number in the object after filtering.
	bad := filepath.Join(dir, "bad.parquet")
	if err := fixtures.WriteDocuments(bad, fixtures.Documents{Rows: 1000, Dim: 4, RowGroupRows: 100, FirstID: 1000, BadVectorRows: []int{530}}); err != nil {
		t.Fatal(err)
	}
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs WITH (filter = 'id > 1510', on_error = 'continue')", bad))
	errs, err := s.Store.RowErrors(lastJob(t, s))
	if err != nil || len(errs) != 1 || errs[0].Row != 530 || errs[0].RowGroup != 5 {
		t.Errorf("row errors %+v (%v), want one at row 530 of row group 5", errs, err)
	}

	// NOT of a range keeps both ends.
	s = session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs WITH (filter = 'NOT (id BETWEEN 1010 AND 1989)')", path))
	if n := count(t, s, "docs"); n != 20 {
		t.Errorf("NOT BETWEEN: %d rows, want 20", n)
	}

	root := monthly(t)
	s = session(t, "direct")
	before := objstore.ObjectsOpened()
	exec(t, s, fmt.Sprintf(`COPY FROM '%s/**/*.parquet' INTO docs
		WITH (partition_columns = ['year', 'month'], filter = 'year = 2024 AND month IN (3, 4) AND id < 202403010')`, root))
	// 10 rows of March (ids 202403000..202403009), none of April; two
	// objects opened in the pipeline (footer, row group) and one to plan.
	if n := count(t, s, "docs"); n != 10 {
		t.Errorf("mixed filter: %d rows, want 10", n)
	}
	if opens := objstore.ObjectsOpened() - before; opens > 5 {
		t.Errorf("mixed filter opened %d objects; only March and April 2024 should be read", opens)
	}
}

// lastJob is the id of the newest job in a session's store.
func lastJob(t *testing.T, s *engine.Session) string {
	t.Helper()
	jobs, err := s.Store.Jobs()
	if err != nil || len(jobs) == 0 {
		t.Fatalf("jobs: %v %v", jobs, err)
	}
	last := jobs[0]
	for _, j := range jobs {
		if j.Commit > last.Commit {
			last = j
		}
	}
	return last.ID
}
