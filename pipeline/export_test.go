package pipeline_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/store"
)

// everyTypeDDL is a table with a column of every type lakelink stores.
const everyTypeDDL = `(id BIGINT PRIMARY KEY, name TEXT, small SMALLINT, num INT, ratio REAL, score DOUBLE,
	ok BOOLEAN, created_at TIMESTAMP, day DATE, uid UUID, meta JSONB, embedding VECTOR(8), tags TEXT[], counts BIGINT[])`

// everyTypeRow is row i of the table: every column NULL in some rows, and
// values that exercise each type's edges (negative numbers, microsecond
// times, empty arrays, NULL array elements, non-ASCII text).
func everyTypeRow(i int) store.Row {
	null := func(k int) bool { return i%7 == k }
	r := store.Row{int64(i), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil}
	if !null(1) {
		r[1] = fmt.Sprintf("name %d · ünïcode", i)
	}
	if !null(2) {
		r[2] = int64(i%300 - 150)
	}
	if !null(3) {
		r[3] = int64(i*1000 - 70000)
	}
	if !null(4) {
		r[4] = float32(i) / 3
	}
	if !null(5) {
		r[5] = math.Sqrt(float64(i)) - 10
	}
	if !null(6) {
		r[6] = i%2 == 0
	}
	if !null(0) {
		r[7] = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*7*time.Hour + time.Duration(i)*time.Microsecond)
		r[8] = time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%90)
	}
	if !null(1) {
		r[9] = uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprint(i)))
		r[10] = fmt.Sprintf(`{"i":%d,"tag":"t%d"}`, i, i%5)
	}
	if !null(2) {
		v := make([]float32, 8)
		for j := range v {
			v[j] = float32(math.Sin(float64(i*8+j))) + float32(j%3)
		}
		r[11] = v
	}
	if !null(3) {
		tags := []any{}
		for k := 0; k < i%4; k++ {
			tags = append(tags, fmt.Sprintf("t%d", (i+k)%5))
		}
		if i%5 == 0 {
			tags = append(tags, nil)
		}
		r[12] = tags
		r[13] = []any{int64(i), int64(-i)}
	}
	return r
}

// fillEveryType creates table name with n rows of everyTypeRow.
func fillEveryType(t *testing.T, s *pipeline.Session, name string, n int) {
	t.Helper()
	exec(t, s, "CREATE TABLE "+name+" "+everyTypeDDL)
	c, err := s.Store.Begin("fill " + name)
	if err != nil {
		t.Fatal(err)
	}
	ti, err := c.Table(name)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		row := everyTypeRow(i)
		pk, err := store.KeyOf(ti.Schema, row[0])
		if err != nil {
			t.Fatal(err)
		}
		v, err := store.EncodeRow(ti.Schema, row)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Put(ti, pk, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Finish(); err != nil {
		t.Fatal(err)
	}
}

func digest(t *testing.T, s *pipeline.Session, table string) string {
	t.Helper()
	d, err := s.Store.Digest(table, s.Store.Head())
	if err != nil {
		t.Fatal(err)
	}
	return d
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
				if a, b := digest(t, s, "src"), digest(t, s, "back"); a != b {
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
		{"COPY (SELECT * FROM src ORDER BY id LIMIT 3) TO '" + dir + "/a/'", "ORDER BY and LIMIT are not supported"},
		{"COPY (SELECT id, cosine_similarity(embedding, [1,2,3,4,5,6,7,8]) FROM src) TO '" + dir + "/a/'", "is not a column"},
		{"COPY (SELECT count(*) FROM src) TO '" + dir + "/a/'", "not exportable"},
		{"COPY src TO '" + dir + "/a/' WITH (compression = 'lzo')", "unknown compression"},
		{"COPY src TO '" + dir + "/a/' WITH (colour = 'red')", `unknown option "colour"`},
		{"COPY src TO '" + dir + "/a/' WITH (vector_format = 'bits')", "unknown vector layout"},
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
