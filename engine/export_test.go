package engine_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/conformance"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// everyTypeDDL and everyTypeRow: a table with a column of every type
// (the export conformance suite's).
const everyTypeDDL = conformance.EveryTypeDDL

func everyTypeRow(i int) store.Row { return conformance.EveryTypeRow(i) }

// fillEveryType creates table name with n rows of everyTypeRow.
func fillEveryType(t *testing.T, s *engine.Session, name string, n int) {
	t.Helper()
	exec(t, s, "CREATE TABLE "+name+" "+everyTypeDDL)
	if err := conformance.FillEveryType(s.Store, name, n); err != nil {
		t.Fatal(err)
	}
}

func digest(t *testing.T, s *engine.Session, table string) string {
	t.Helper()
	d, err := s.Store.Digest(table, s.Store.Head())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// content is a table's digest at commit at together with a hash of its
// rows as read back, value by value, in a canonical order: tests that
// compare tables compare both, so a digest that misses a change (say, one
// that only counted rows) cannot hide it.
func content(t *testing.T, st *store.Store, table string, at uint64) string {
	t.Helper()
	d, err := st.Digest(table, at)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	err = st.Scan(table, at, func(r store.Row) error {
		var b strings.Builder
		for _, v := range r {
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339Nano)
			}
			fmt.Fprintf(&b, "%#v\x1f", v)
		}
		lines = append(lines, b.String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return fmt.Sprintf("%s/rows:%x", d, h[:8])
}

// parquetFiles lists the .parquet files under dir, relative to it.
func parquetFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".parquet") {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// Import, export, import into a new table: the digests agree, for every
// column type, every compression and every vector layout the import
// reads back.
func TestExportRoundTripEveryType(t *testing.T) {
	for _, runner := range []string{"direct", "prism"} {
		for _, with := range []string{"", "compression = 'zstd', row_group_size = 100", "compression = 'gzip'", "compression = 'none', vector_format = 'fixed_size_list'", "vector_format = 'fixed_len_byte_array', vector_index = 'hnsw'"} {
			t.Run(runner+"/"+with, func(t *testing.T) {
				s := session(t, runner)
				fillEveryType(t, s, "src", 700)
				dir := filepath.Join(t.TempDir(), "out")
				opts := ""
				if with != "" {
					opts = " WITH (" + with + ")"
				}
				msg := exec(t, s, "COPY src TO '"+dir+"/'"+opts)[0].Message
				if !strings.Contains(msg, "COPY 700 rows from src") {
					t.Errorf("%s", msg)
				}
				files := parquetFiles(t, dir)
				if len(files) == 0 {
					t.Fatalf("no files in %s", dir)
				}
				exec(t, s, "CREATE TABLE back "+everyTypeDDL)
				exec(t, s, "COPY FROM '"+dir+"/*.parquet' INTO back")
				if n := count(t, s, "back"); n != 700 {
					t.Errorf("%d rows back from %v", n, files)
				}
				if a, b := content(t, s.Store, "src", s.Store.Head()), content(t, s.Store, "back", s.Store.Head()); a != b {
					t.Errorf("digest of src %s, of its round trip %s", a, b)
					for _, id := range []int{0, 1, 2, 3, 5} {
						ra, _ := s.Store.Get("src", s.Store.Head(), int64(id))
						rb, _ := s.Store.Get("back", s.Store.Head(), int64(id))
						t.Logf("row %d\n src  %v\n back %v", id, ra, rb)
					}
				}
			})
		}
	}
}

// Export statements that cannot run are refused with a message that says
// why, and write nothing.
func TestExportErrors(t *testing.T) {
	s := session(t, "direct")
	fillEveryType(t, s, "src", 20)
	dir := t.TempDir()
	for _, tc := range []struct{ sql, want string }{
		{"COPY (SELECT * FROM src ORDER BY id LIMIT 3) TO '" + dir + "/a/'", "ORDER BY, LIMIT and OFFSET are not supported"},
		{"COPY (SELECT id, cosine_similarity(embedding, [1,2,3,4,5,6,7,8]) FROM src) TO '" + dir + "/a/'", "is not a column"},
		{"COPY (SELECT count(*) FROM src) TO '" + dir + "/a/'", "not exportable"},
		{"COPY src TO '" + dir + "/a/' WITH (compression = 'lzo')", "compression must be 'snappy', 'zstd', 'gzip', 'none' or 'uncompressed', not \"lzo\""},
		{"COPY src TO '" + dir + "/a/' WITH (colour = 'red')", `unknown option "colour"`},
		{"COPY src TO '" + dir + "/a/' WITH (vector_format = 'bits')", "vector_format must be 'list', 'fixed_size_list' or 'fixed_len_byte_array'"},
		{"COPY src TO '" + dir + "/a/' WITH (vector_index = 'annoy')", "vector_index"},
		{"COPY src TO '" + dir + "/a.parquet' WITH (partition_by = ['ok'])", "give a folder URL"},
		{"COPY src TO '" + dir + "/a/' WITH (partition_by = ['DATE(name)'])", "not a timestamp"},
		{"COPY src TO '" + dir + "/a/' WITH (partition_by = ['nope'])", `no column "nope"`},
		{"COPY (SELECT id FROM src) TO '" + dir + "/a/' WITH (vector_index = 'hnsw')", "no VECTOR column"},
		{"COPY (SELECT nope FROM src) TO '" + dir + "/a/'", `no column "nope"`},
		{"COPY missing TO '" + dir + "/a/'", "missing"},
		{"COPY src TO '" + dir + "/*/'", "wildcards"},
	} {
		_, err := s.Exec(context.Background(), tc.sql)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.sql, err, tc.want)
		}
	}
	if files := parquetFiles(t, dir); len(files) != 0 {
		t.Errorf("refused exports wrote %v", files)
	}
	// One file, from a SELECT with AT and WHERE.
	exec(t, s, "SELECT count(*) FROM src")
	out := filepath.Join(dir, "one.parquet")
	msg := exec(t, s, "COPY (SELECT id, name FROM src AT (COMMIT => 2) WHERE id >= 15) TO '"+out+"'")[0].Message
	_, rows := readArrow(t, out)
	if len(rows) != 5 || rows[0][0] != int64(15) || !strings.Contains(msg, "(commit 2)") || !strings.Contains(msg, "1 file(s)") {
		t.Errorf("%s: %v", msg, rows)
	}
}

// max_file_size bounds every file: a file ends within a step of rows of
// the limit (the writer's estimate), not a whole batch past it.
func TestExportMaxFileSize(t *testing.T) {
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs WITH (primary_key = 'id')", writeDocs(t, fixtures.Documents{Rows: 20000, Dim: 64})))
	for _, limit := range []int64{256 << 10, 4 << 20} {
		dir := filepath.Join(t.TempDir(), fmt.Sprint(limit))
		exec(t, s, fmt.Sprintf("COPY docs TO '%s/' WITH (max_file_size = %d, parallel_workers = 1)", dir, limit))
		files := parquetFiles(t, dir)
		var total int64
		for _, f := range files {
			fi, err := os.Stat(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			// The footer comes on top of the writer's estimate.
			if fi.Size() > limit+16<<10 {
				t.Errorf("limit %d: %s has %d bytes", limit, f, fi.Size())
			}
			total += fi.Size()
		}
		if len(files) < 2 || total/int64(len(files)) < limit/4 {
			t.Errorf("limit %d: %d files, %d bytes in all", limit, len(files), total)
		}
		if n := exec(t, s, fmt.Sprintf("SELECT count(*) FROM parquet_scan('%s/*.parquet')", dir))[0].Rows[0][0]; n != int64(20000) {
			t.Errorf("limit %d: %v rows in the files", limit, n)
		}
	}
}

// An export canceled while it builds the files' HNSW sections stops
// within a second or two and leaves nothing: no file at the destination
// and no temporary folder beside it.
func TestCancelExport(t *testing.T) {
	s := session(t, "direct")
	path := writeDocs(t, fixtures.Documents{Rows: 60000, Dim: 32, ContentChars: 20, RowGroupRows: 10000})
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs WITH (primary_key = 'id')", path))
	root := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Exec(ctx, "COPY docs TO '"+root+"/out/' WITH (vector_index = 'hnsw', parallel_workers = 1, hnsw_ef_construction = 400)")
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) && (err == nil || !strings.Contains(err.Error(), "deadline")) {
		t.Fatalf("export past its deadline: %v (after %s)", err, took)
	}
	if took > 3*time.Second {
		t.Errorf("the export stopped %s after it started, its deadline 0.8s", took)
	}
	left, _ := os.ReadDir(root)
	for _, e := range left {
		if files := parquetFiles(t, filepath.Join(root, e.Name())); len(files) > 0 || strings.HasPrefix(e.Name(), ".lakelink-tmp") {
			t.Errorf("left behind: %s %v", e.Name(), files)
		}
	}
}
