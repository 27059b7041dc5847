package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/testing/fixtures"
)

// titleRow is the input of an update: a key and a new title.
type titleRow struct {
	ID    int64  `parquet:"id"`
	Title string `parquet:"title"`
}

func writeTitles(t *testing.T, rows []titleRow) string {
	t.Helper()
	return writeParquet(t, rows)
}

// mode = 'update' changes only the listed columns of existing rows; a key
// without a row is a row error; a key repeated in the input takes its last
// row; the result is the same on the direct runner and on Prism, and the
// same when the import runs twice.
func TestUpdateMode(t *testing.T) {
	docs := writeDocs(t, fixtures.Documents{Rows: 100, Dim: 4})
	titles := writeTitles(t, []titleRow{{5, "first"}, {7, "seven"}, {5, "five"}, {500, "nobody"}})
	var digests []string
	for _, runner := range []string{"direct", "prism", "direct"} {
		s := session(t, runner)
		exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id')", docs))
		before := exec(t, s, "SELECT content, embedding FROM documents WHERE id = 5")[0].Rows[0]
		update := fmt.Sprintf("COPY FROM '%s' INTO documents (id, title) WITH (mode = 'update', key_columns = ['id'], on_error = 'continue')", titles)
		for run := 0; run < 2; run++ {
			msg := exec(t, s, update)[0].Message
			if !strings.Contains(msg, "COPY 2 rows") || !strings.Contains(msg, "1 row(s) rejected") {
				t.Errorf("%s: %s", runner, msg)
			}
		}
		r := exec(t, s, "SELECT id, title, content, embedding FROM documents WHERE id IN (5, 7, 8)")[0]
		title8 := fixtures.Documents{Dim: 4}.Row(8).Title
		if len(r.Rows) != 3 || r.Rows[0][1] != "five" || r.Rows[1][1] != "seven" || r.Rows[2][1] != title8 {
			t.Errorf("%s: rows %v", runner, r.Rows)
		}
		if fmt.Sprint(r.Rows[0][2:]) != fmt.Sprint(before) {
			t.Errorf("%s: update changed columns it was not given: %v, was %v", runner, r.Rows[0][2:], before)
		}
		errs, _ := s.Store.RowErrors(lastJob(t, s))
		if len(errs) != 1 || errs[0].Value != "500" || !strings.Contains(errs[0].Reason, "no row with this key") {
			t.Errorf("%s: errors %+v", runner, errs)
		}
		d, _ := s.Store.Digest("documents", s.Store.Head())
		digests = append(digests, d)
	}
	if digests[0] != digests[1] || digests[0] != digests[2] {
		t.Errorf("digests differ: %v", digests)
	}

	s := session(t, "direct")
	for stmt, want := range map[string]string{
		"COPY FROM '" + titles + "' INTO nothing WITH (mode = 'update', key_columns = ['id'])": `mode 'update' changes existing rows, and table "nothing" does not exist`,
		"COPY FROM '" + titles + "' INTO fresh WITH (mode = 'upsert')":                         "mode 'upsert' matches rows by key: give key_columns",
		"COPY FROM '" + titles + "' INTO t2 WITH (key_columns = 'id', primary_key = 'title')":  "key_columns (id) and primary_key (title) differ",
	} {
		if _, err := s.Exec(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", stmt, err, want)
		}
	}
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO keyed WITH (key_columns = ['id'])", docs))
	if ti, _ := s.Store.Table("keyed", s.Store.Head()); fmt.Sprint(ti.Schema.PrimaryKey) != "[id]" {
		t.Errorf("key_columns on a new table: primary key %v", ti.Schema.PrimaryKey)
	}
	if _, err := s.Exec(context.Background(), fmt.Sprintf("COPY FROM '%s' INTO keyed WITH (mode = 'upsert', key_columns = ['title'])", titles)); err == nil || !strings.Contains(err.Error(), "must be the table's primary key (id)") {
		t.Errorf("key_columns other than the primary key: %v", err)
	}
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO nokey", docs))
	if _, err := s.Exec(context.Background(), fmt.Sprintf("COPY FROM '%s' INTO nokey WITH (mode = 'upsert')", docs)); err == nil || !strings.Contains(err.Error(), "has no primary key") {
		t.Errorf("upsert into a table without a key: %v", err)
	}
}

// Upsert of the same inputs gives the same table on the direct runner,
// on Prism and on Prism with worker processes, and again when run twice:
// a key repeated within and across objects takes its last row in input
// order (object path, then row).
func TestUpsertSameOnEveryRunner(t *testing.T) {
	dir := t.TempDir()
	// a.parquet holds ids 0..299 with id 10 repeated at its end; b.parquet
	// holds ids 200..499: 200..299 are in both, and b comes later.
	rows := func(first, n int, title string) []titleRow {
		var out []titleRow
		for i := 0; i < n; i++ {
			out = append(out, titleRow{int64(first + i), fmt.Sprintf("%s-%d", title, first+i)})
		}
		return out
	}
	if err := parquet.WriteFile(filepath.Join(dir, "a.parquet"), append(rows(0, 300, "a"), titleRow{10, "a-last"})); err != nil {
		t.Fatal(err)
	}
	if err := parquet.WriteFile(filepath.Join(dir, "b.parquet"), rows(200, 300, "b")); err != nil {
		t.Fatal(err)
	}
	var digests []string
	for _, runner := range []string{"direct", "prism", "prism-process"} {
		s := session(t, runner)
		for run := 0; run < 2; run++ {
			exec(t, s, fmt.Sprintf("COPY FROM '%s/*.parquet' INTO titles WITH (mode = 'upsert', key_columns = ['id'], batch_size = 64)", dir))
			d, _ := s.Store.Digest("titles", s.Store.Head())
			digests = append(digests, d)
		}
		if n := count(t, s, "titles"); n != 500 {
			t.Errorf("%s: %d rows, want 500", runner, n)
		}
		r := exec(t, s, "SELECT id, title FROM titles WHERE id IN (10, 199, 200, 299, 300)")[0]
		if fmt.Sprint(r.Rows) != "[[10 a-last] [199 a-199] [200 b-200] [299 b-299] [300 b-300]]" {
			t.Errorf("%s: winners %v", runner, r.Rows)
		}
	}
	for _, d := range digests[1:] {
		if d != digests[0] {
			t.Fatalf("digests differ across runners or runs: %v", digests)
		}
	}
}

// The guide's incremental flow after its simple COPY, which makes a table
// without a primary key: an upsert WITH (key_columns = ['id']) makes id
// the table's key in its own commit (the rows are unique on it), replaces
// the rows it names, inserts the others and keeps the rest; the index
// declared before answers for every row; the commit before still reads
// the table as it was. On rows repeated on the key, the same statement
// fails naming the key, and commits nothing.
func TestGuideIncrementalImportOnKeylessTable(t *testing.T) {
	for _, runner := range []string{"direct", "prism"} {
		t.Run(runner, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			base := fixtures.Documents{Rows: 500, Dim: 16, RowGroupRows: 128}
			upd := fixtures.Documents{Rows: 200, Dim: 16, FirstID: 400, Seed: 9}
			if err := fixtures.WriteDocuments("documents.parquet", base); err != nil {
				t.Fatal(err)
			}
			if err := fixtures.WriteDocuments("documents_updated.parquet", upd); err != nil {
				t.Fatal(err)
			}
			s := session(t, runner)
			exec(t, s, "COPY FROM './documents.parquet' INTO documents;")
			exec(t, s, "CREATE INDEX docs_idx ON documents USING hnsw (embedding)")
			before := s.Store.Head()
			msg := exec(t, s, `-- Upsert: update existing rows, insert new ones
COPY FROM './documents_updated.parquet'
INTO documents
WITH (mode = 'upsert', key_columns = ['id']);`)[0].Message
			if !strings.Contains(msg, "COPY 200 rows") || !strings.Contains(msg, "id is now the primary key of documents (400 existing row(s) kept)") {
				t.Errorf("upsert: %s", msg)
			}
			ti, _ := s.Store.Table("documents", s.Store.Head())
			if fmt.Sprint(ti.Schema.PrimaryKey) != "[id]" || len(ti.Indexes) != 1 {
				t.Errorf("after the upsert: key %v, indexes %v", ti.Schema.PrimaryKey, ti.Indexes)
			}
			if n := count(t, s, "documents"); n != 600 {
				t.Errorf("%d rows after the upsert, want 600", n)
			}
			for _, id := range []int{0, 399, 400, 499, 500, 599} {
				want := base.Row(id)
				if id >= 400 {
					want = upd.Row(id - 400)
				}
				r := exec(t, s, fmt.Sprintf("SELECT title, embedding FROM documents WHERE id = %d", id))[0]
				if len(r.Rows) != 1 || r.Rows[0][0] != want.Title || fmt.Sprint(r.Rows[0][1]) != fmt.Sprint(want.Embedding) {
					t.Errorf("id %d: %v, want %q", id, r.Rows, want.Title)
				}
				s.Params = map[int]any{1: want.Embedding}
				hit := exec(t, s, "SELECT id FROM documents ORDER BY embedding <=> $1 LIMIT 3")[0]
				if hit.Plan != "index docs_idx" || hit.Rows[0][0] != int64(id) {
					t.Errorf("search for id %d's vector: %v (%s)", id, hit.Rows, hit.Plan)
				}
			}
			if n := exec(t, s, fmt.Sprintf("SELECT count(*) FROM documents AT (COMMIT => %d)", before))[0].Rows[0][0]; n != int64(500) {
				t.Errorf("the commit before the adoption reads %v rows", n)
			}
			r := exec(t, s, fmt.Sprintf("SELECT title FROM documents AT (COMMIT => %d) WHERE id = 450", before))[0]
			if len(r.Rows) != 1 || r.Rows[0][0] != base.Row(450).Title {
				t.Errorf("id 450 before the adoption: %v", r.Rows)
			}
			// The table has its key now: the next upsert and update are
			// plain ones.
			exec(t, s, "COPY FROM './documents_updated.parquet' INTO documents WITH (mode = 'upsert', key_columns = ['id'])")
			exec(t, s, "COPY FROM './documents.parquet' INTO documents (id, title) WITH (mode = 'update', key_columns = ['id'])")
			r = exec(t, s, "SELECT title FROM documents WHERE id = 450")[0]
			if n := count(t, s, "documents"); n != 600 || len(r.Rows) != 1 || r.Rows[0][0] != base.Row(450).Title {
				t.Errorf("after upsert and update: %d rows, id 450 %v", n, r.Rows)
			}

			// Duplicates on the key: an error naming the key, no commit.
			exec(t, s, "COPY FROM './documents.parquet' INTO twice;")
			exec(t, s, "COPY FROM './documents_updated.parquet' INTO twice;")
			head := s.Store.Head()
			_, err := s.Exec(context.Background(), "COPY FROM './documents_updated.parquet' INTO twice WITH (mode = 'upsert', key_columns = ['id'])")
			if err == nil || !strings.Contains(err.Error(), "is in 2 rows") || !strings.Contains(err.Error(), "id=4") {
				t.Errorf("adopting a key with repeats: %v", err)
			}
			if s.Store.Head() != head || count(t, s, "twice") != 700 {
				t.Errorf("the failed adoption committed: head %d, was %d", s.Store.Head(), head)
			}
			if ti, _ := s.Store.Table("twice", s.Store.Head()); len(ti.Schema.PrimaryKey) != 0 {
				t.Errorf("the failed adoption left key %v", ti.Schema.PrimaryKey)
			}
		})
	}
}

// A key repeated in an upsert's own file keeps its last occurrence, the
// rule for keyed tables: on a keyed table, and on a keyless one whose key
// the same upsert adopts (the adoption once kept the first). The file is
// read in several batches and, on Prism, by workers in other processes.
func TestUpsertKeepsTheLastOfRepeatedKeys(t *testing.T) {
	for _, runner := range []string{"direct", "prism-process"} {
		t.Run(runner, func(t *testing.T) {
			dir := t.TempDir()
			var base, upd strings.Builder
			base.WriteString("id,title\n")
			for id := 0; id < 300; id++ {
				fmt.Fprintf(&base, "%d,base %d\n", id, id)
			}
			// ids 100..399 twice, and 150 and 350 a third time at the end:
			// the last occurrence of each is "third" or "second".
			upd.WriteString("id,title\n")
			for _, round := range []string{"first", "second"} {
				for id := 100; id < 400; id++ {
					fmt.Fprintf(&upd, "%d,%s %d\n", id, round, id)
				}
			}
			upd.WriteString("150,third 150\n350,third 350\n")
			b := writeText(t, dir, "base.csv", base.String())
			u := writeText(t, dir, "upd.csv", upd.String())
			s := session(t, runner)
			exec(t, s, "CREATE TABLE keyed (id BIGINT PRIMARY KEY, title TEXT)")
			exec(t, s, "COPY FROM '"+b+"' INTO keyed")
			exec(t, s, "COPY FROM '"+b+"' INTO keyless")
			for _, table := range []string{"keyed", "keyless"} {
				exec(t, s, "COPY FROM '"+u+"' INTO "+table+" WITH (mode = 'upsert', key_columns = ['id'], batch_size = 64)")
				if n := count(t, s, table); n != 400 {
					t.Errorf("%s: %d rows, want 400", table, n)
				}
				got := map[int64]string{}
				for _, r := range exec(t, s, "SELECT id, title FROM "+table)[0].Rows {
					got[r[0].(int64)] = r[1].(string)
				}
				for id := int64(0); id < 400; id++ {
					want := fmt.Sprintf("second %d", id)
					switch {
					case id < 100:
						want = fmt.Sprintf("base %d", id)
					case id == 150 || id == 350:
						want = fmt.Sprintf("third %d", id)
					}
					if got[id] != want {
						t.Errorf("%s: id %d is %q, want %q (the last in the file)", table, id, got[id], want)
					}
				}
			}
		})
	}
}
