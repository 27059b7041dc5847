package parquetio_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// openPath opens the Parquet file at a local path; the test closes it.
func openPath(t *testing.T, path string) *parquetio.File {
	t.Helper()
	objs, err := objstore.Match(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquetio.Open(context.Background(), objs[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func readAll(t *testing.T, f *parquetio.File, cols []parquetio.ColumnInfo, batch int) []lake.Batch {
	t.Helper()
	var out []lake.Batch
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		if err := f.ReadRowGroup(rg, cols, batch, 0, func(b lake.Batch) error { out = append(out, b); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestReadDocumentsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cfg := fixtures.Documents{Rows: 2500, Dim: 16, RowGroupRows: 1000, Seed: 7}
	path := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(path, cfg); err != nil {
		t.Fatal(err)
	}
	objs, err := objstore.Match(context.Background(), filepath.Join(dir, "*.parquet"))
	if err != nil || len(objs) != 1 {
		t.Fatalf("match: %v %v", objs, err)
	}
	f, err := parquetio.Open(context.Background(), objs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.NumRowGroups() != 3 || f.NumRows() != 2500 {
		t.Fatalf("row groups %d rows %d", f.NumRowGroups(), f.NumRows())
	}
	cols, err := f.Select(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := parquetio.SourceSchema(cols).String(); got != "(id BIGINT, title TEXT, content TEXT, embedding REAL[])" {
		t.Errorf("schema %s", got)
	}
	vec, err := f.DetectVectors(cols)
	if err != nil || vec["embedding"] != 16 {
		t.Errorf("detected %v %v", vec, err)
	}
	batches := readAll(t, f, cols, 300)
	row := 0
	for _, b := range batches {
		if b.Origin.FirstRow != int64(row) {
			t.Fatalf("batch origin %v, want first row %d", b.Origin, row)
		}
		ids := b.Record.Column(0).(*array.Int64)
		titles := b.Record.Column(1).(*array.String)
		embs := b.Record.Column(3).(*array.List)
		for i := 0; i < b.Rows(); i++ {
			want := cfg.Row(row)
			lo, hi := embs.ValueOffsets(i)
			got := embs.ListValues().(*array.Float32).Float32Values()[lo:hi]
			if ids.Value(i) != want.ID || titles.Value(i) != want.Title || len(got) != 16 || got[5] != want.Embedding[5] {
				t.Fatalf("row %d: id %d title %q emb %v", row, ids.Value(i), titles.Value(i), got)
			}
			row++
		}
	}
	if row != 2500 {
		t.Fatalf("read %d rows", row)
	}
	// Projection reads only the asked columns.
	sel, err := f.Select([]string{"embedding", "id"})
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, f, sel, 5000); b[0].Record.NumCols() != 2 || b[0].Record.ColumnName(1) != "id" {
		t.Errorf("projection schema %v", b[0].Record.Schema())
	}
}

func TestBadFilesNameTheObject(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	if err := fixtures.WriteDocuments(good, fixtures.Documents{Rows: 100, Dim: 4}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	os.WriteFile(filepath.Join(dir, "truncated.parquet"), data[:len(data)/2], 0o644)
	os.WriteFile(filepath.Join(dir, "text.parquet"), []byte("id,title\n1,hello\n"), 0o644)
	for _, name := range []string{"truncated.parquet", "text.parquet", "missing.parquet"} {
		objs, err := objstore.Match(context.Background(), filepath.Join(dir, name))
		if err == nil {
			_, err = parquetio.Open(context.Background(), objs[0])
		}
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v does not name the object", name, err)
		}
	}
}

func TestGlobs(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a/x.parquet", "a/b/y.parquet", "a/b/c/z.parquet", "a/w.txt"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o644)
	}
	for pat, want := range map[string]int{"a/*.parquet": 1, "a/**/*.parquet": 3, "a/b/": 2, "a/?.parquet": 1, "a/[xy].parquet": 1} {
		objs, err := objstore.Match(context.Background(), dir+"/"+pat)
		if err != nil || len(objs) != want {
			t.Errorf("%s: %d objects (%v), want %d", pat, len(objs), err, want)
		}
	}
	if _, err := objstore.Match(context.Background(), filepath.Join(dir, "none/*.parquet")); err == nil || !strings.Contains(err.Error(), "no objects match") {
		t.Errorf("empty glob: %v", err)
	}
}

// The DuckDB-written graph files in ../shared/data read with the right counts.
func TestSharedGraphFiles(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "data", "graphs")
	if _, err := os.Stat(root); err != nil {
		t.Skip("../shared/data/graphs is absent; skipping the DuckDB-written files")
	}
	want := map[string]int64{"cora/nodes.parquet": 2708, "cora/edges.parquet": 5278, "blogcatalog/nodes.parquet": 10312, "deezer_hu/nodes.parquet": 47538}
	for name, n := range want {
		objs, err := objstore.Match(context.Background(), filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := parquetio.Open(context.Background(), objs[0])
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := f.Select(nil)
		var rows int64
		for _, b := range readAll(t, f, cols, 4096) {
			rows += int64(b.Rows())
		}
		f.Close()
		if rows != n {
			t.Errorf("%s: %d rows, want %d", name, rows, n)
		}
	}
}

// An unsigned 64-bit value past BIGINT's range fails the read with an
// error naming the object, column and value, instead of wrapping to a
// negative number; values in range read as they are.
func TestUint64PastBigint(t *testing.T) {
	type row struct {
		N uint64 `parquet:"n"`
	}
	path := filepath.Join(t.TempDir(), "u64.parquet")
	if err := parquet.WriteFile(path, []row{{1}, {1 << 62}, {1<<64 - 1}}); err != nil {
		t.Fatal(err)
	}
	f := openPath(t, path)
	cols, _ := f.Select(nil)
	if cols[0].Type != lake.BigInt {
		t.Errorf("uint64 reads as %s", cols[0].Type)
	}
	err := f.ReadRowGroup(0, cols, 2, 0, func(b lake.Batch) error {
		if v := b.Record.Column(0).(*array.Int64).Value(1); b.Origin.FirstRow == 0 && v != 1<<62 {
			t.Errorf("row 1 reads %d", v)
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "18446744073709551615 does not fit BIGINT") || !strings.Contains(err.Error(), `"n"`) || !strings.Contains(err.Error(), "u64.parquet") {
		t.Errorf("error %v", err)
	}
}
