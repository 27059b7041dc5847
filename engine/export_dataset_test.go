package engine_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/sinks"
)

// partition_by writes name=value folders: plain partition columns leave
// the files and live in the folder names, DATE(col) adds col_date folders
// and keeps col; NULLs go to Hive's default partition; every row lands in
// the folder its values name, and an import with partition_columns reads
// the same rows back.
func TestExportPartitionBy(t *testing.T) {
	s := session(t, "direct")
	fillEveryType(t, s, "src", 400)
	dir := filepath.Join(t.TempDir(), "parts")
	exec(t, s, fmt.Sprintf(`COPY (SELECT id, name, ok, created_at FROM src WHERE id < 300) TO '%s/'
		WITH (partition_by = ['ok', 'DATE(created_at)'], compression = 'zstd')`, dir))
	files := parquetFiles(t, dir)
	seen := 0
	folders := map[string]bool{}
	for _, f := range files {
		segs := strings.Split(f, "/")
		if len(segs) != 3 || !strings.HasPrefix(segs[0], "ok=") || !strings.HasPrefix(segs[1], "created_at_date=") {
			t.Fatalf("file %s is not in ok=/created_at_date= folders", f)
		}
		folders[segs[0]] = true
		okText, _ := url.PathUnescape(strings.TrimPrefix(segs[0], "ok="))
		day, _ := url.PathUnescape(strings.TrimPrefix(segs[1], "created_at_date="))
		schema, rows := readArrow(t, filepath.Join(dir, f))
		if schema.NumFields() != 3 || schema.Field(2).Name != "created_at" {
			t.Fatalf("%s has columns %v: ok should have left the file, created_at stayed", f, schema)
		}
		for _, r := range rows {
			want := everyTypeRow(int(r[0].(int64)))
			wantOK := sinks.HiveNull
			if want[6] != nil {
				wantOK = fmt.Sprint(want[6])
			}
			wantDay := sinks.HiveNull
			if want[7] != nil {
				wantDay = want[7].(time.Time).Format("2006-01-02")
			}
			if okText != wantOK || day != wantDay {
				t.Fatalf("row %v is in %s; its ok is %s and day %s", r[0], f, wantOK, wantDay)
			}
			seen++
		}
	}
	if seen != 300 || len(folders) != 3 {
		t.Errorf("%d rows in %d ok folders", seen, len(folders))
	}
	exec(t, s, fmt.Sprintf("COPY FROM '%s/**/*.parquet' INTO back WITH (partition_columns = ['ok', 'created_at_date'], primary_key = 'id')", dir))
	if n := count(t, s, "back"); n != 300 {
		t.Errorf("%d rows back", n)
	}
	r := exec(t, s, "SELECT created_at, created_at_date FROM back WHERE id = 8")[0]
	if ts, ok := r.Rows[0][0].(time.Time); !ok || r.Rows[0][1] != time.Date(ts.Year(), ts.Month(), ts.Day(), 0, 0, 0, 0, time.UTC) {
		t.Errorf("row 8 back: %v", r.Rows)
	}
	// parquet_scan reads the folders' values as columns too, the same as
	// the import's.
	scan := fmt.Sprintf("parquet_scan('%s/**/*.parquet')", dir)
	if got, want := exec(t, s, "SELECT id, ok, created_at_date FROM "+scan+" WHERE id = 8")[0].Rows, exec(t, s, "SELECT id, ok, created_at_date FROM back WHERE id = 8")[0].Rows; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parquet_scan row 8: %v, imported %v", got, want)
	}
	for _, where := range []string{"ok = 'true'", "ok IS NULL", "created_at_date IS NULL"} {
		got := exec(t, s, "SELECT count(*) FROM "+scan+" WHERE "+where)[0].Rows[0][0]
		want := exec(t, s, "SELECT count(*) FROM back WHERE "+where)[0].Rows[0][0]
		if got != want || got == int64(0) {
			t.Errorf("parquet_scan WHERE %s: %v rows, the import %v", where, got, want)
		}
	}
	if _, err := s.Exec(context.Background(), fmt.Sprintf("COPY src TO '%s/x/' WITH (partition_by = ['embedding'])", dir)); err == nil || !strings.Contains(err.Error(), "cannot name a folder") {
		t.Errorf("partition by a vector: %v", err)
	}
}

// Dated exports: each is a version folder, YYYY_MM_DD/HH_mm_SS_sss, listed
// in manifest.json with its files' rows, sizes and SHA-256 and the commit
// exported; prune keeps the newest.
func TestDatedExports(t *testing.T) {
	s := session(t, "direct")
	fillEveryType(t, s, "src", 250)
	first := s.Store.Head()
	dir := filepath.Join(t.TempDir(), "dataset")
	msg := exec(t, s, "COPY src TO '"+dir+"' WITH (dated = true, max_file_size = '20KB')")[0].Message
	if !strings.Contains(msg, "version ") {
		t.Errorf("%s", msg)
	}
	time.Sleep(5 * time.Millisecond)
	exec(t, s, "COPY (SELECT id, name FROM src WHERE id >= 100) TO '"+dir+"/' WITH (dated = true)")
	vs, err := datasets.Versions(context.Background(), dir, pipelineSourceOptions())
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions %v %v", vs, err)
	}
	for i, v := range vs {
		if _, err := time.Parse("2006_01_02/15_04_05.000", v.Version[:19]+"."+v.Version[20:]); err != nil || len(v.Version) != 23 {
			t.Errorf("version folder %q: %v", v.Version, err)
		}
		wantRows := []int64{250, 150}[i]
		var rows int64
		for _, f := range v.Files {
			data, err := os.ReadFile(filepath.Join(dir, f.Path))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(data)) != f.Bytes || !strings.HasPrefix(f.Path, v.Version+"/") {
				t.Errorf("file %+v: %d bytes, sha256 %x", f, len(data), sum)
			}
			_, got := readArrow(t, filepath.Join(dir, f.Path))
			if int64(len(got)) != f.Rows {
				t.Errorf("%s has %d rows, the manifest says %d", f.Path, len(got), f.Rows)
			}
			rows += f.Rows
		}
		if rows != wantRows || v.Rows != wantRows || v.Commit != first || v.Table != "src" {
			t.Errorf("version %d: %d rows (want %d), %+v", i, rows, wantRows, v)
		}
	}
	if len(vs[0].Files) < 2 {
		t.Errorf("max_file_size 20KB gave %d file(s)", len(vs[0].Files))
	}
	gone, err := datasets.Prune(context.Background(), dir, 1, pipelineSourceOptions())
	if err != nil || len(gone) != 1 || gone[0].Version != vs[0].Version {
		t.Fatalf("prune: %v %v", gone, err)
	}
	if _, err := os.Stat(filepath.Join(dir, vs[0].Version)); !os.IsNotExist(err) {
		t.Errorf("the pruned version's folder is still there")
	}
	for _, f := range vs[1].Files {
		if _, err := os.Stat(filepath.Join(dir, f.Path)); err != nil {
			t.Errorf("kept version lost %s", f.Path)
		}
	}
}

// A failed export publishes nothing: the dated manifest keeps its versions
// and gains no folder, a plain destination stays empty, and no temporary
// object is left.
func TestFailedExportPublishesNothing(t *testing.T) {
	s := session(t, "direct")
	fillEveryType(t, s, "src", 250)
	root := t.TempDir()
	dated := filepath.Join(root, "dataset")
	exec(t, s, "COPY src TO '"+dated+"/' WITH (dated = true)")
	before, _ := os.ReadFile(filepath.Join(dated, "manifest.json"))
	// ivf_m = 3 does not divide the dimension 8: even with deferred_index,
	// which publishes files before their sections, the plan refuses it
	// before any file is written.
	bad := " WITH (vector_index = 'ivfpq', ivf_m = 3, max_file_size = '8KB', deferred_index = true)"
	if _, err := s.Exec(context.Background(), "COPY src TO '"+dated+"/' WITH (dated = true, vector_index = 'ivfpq', ivf_m = 3, deferred_index = true)"); err == nil {
		t.Fatal("the export with ivf_m = 3 succeeded")
	}
	after, _ := os.ReadFile(filepath.Join(dated, "manifest.json"))
	if string(before) != string(after) {
		t.Errorf("the manifest changed")
	}
	var m datasets.Manifest
	json.Unmarshal(after, &m)
	entries, _ := filepath.Glob(filepath.Join(dated, "*", "*"))
	if len(m.Versions) != 1 || len(entries) != 1 {
		t.Errorf("after the failure: %d versions, version folders %v", len(m.Versions), entries)
	}
	plain := filepath.Join(root, "plain")
	_, err := s.Exec(context.Background(), "COPY src TO '"+plain+"/'"+bad)
	if err == nil || !strings.Contains(err.Error(), "embedding") {
		t.Fatalf("failed export: %v", err)
	}
	var left []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && !strings.HasPrefix(p, dated) {
			left = append(left, p)
		}
		if err == nil && strings.Contains(path.Base(p), ".lakelink-tmp") {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("a failed export left %v", left)
	}
	// A destination with files is refused unless overwrite is on.
	exec(t, s, "COPY src TO '"+plain+"/'")
	if _, err := s.Exec(context.Background(), "COPY src TO '"+plain+"/'"); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export over files: %v", err)
	}
	exec(t, s, "COPY (SELECT id FROM src WHERE id < 10) TO '"+plain+"/' WITH (overwrite = true)")
	exec(t, s, "COPY FROM '"+plain+"/*.parquet' INTO ids")
	if n := count(t, s, "ids"); n != 10 {
		t.Errorf("after overwrite the folder holds %d rows", n)
	}
}

func pipelineSourceOptions() objstore.Options { return objstore.Options{} }
