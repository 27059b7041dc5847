package parquetio_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/vectorops"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

var written = lake.Schema{Columns: []lake.Column{
	{Name: "id", Type: lake.BigInt, NotNull: true}, {Name: "title", Type: lake.Text}, {Name: "score", Type: lake.Double},
	{Name: "at", Type: lake.Timestamp}, {Name: "emb", Type: lake.Vector(4)},
}}

// writtenRows are n rows of written; every seventh has NULLs.
func writtenRows(n int) [][]any {
	at := time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)
	var rows [][]any
	for i := range n {
		r := []any{int64(i), fmt.Sprintf("doc %d é", i), float64(i) / 3, at.Add(time.Duration(i) * time.Second),
			[]float32{float32(i), float32(i % 5), -float32(i) / 7, 1}}
		if i%7 == 3 {
			r[1], r[2], r[3], r[4] = nil, nil, nil, nil
		}
		rows = append(rows, r)
	}
	return rows
}

// writeFile writes rows with o, in batches of 300, to a file in dir.
func writeFile(t *testing.T, dir string, rows [][]any, o parquetio.WriterOptions) (string, *parquetio.Writer) {
	t.Helper()
	path := filepath.Join(dir, "out.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := parquetio.NewWriter(context.Background(), f, written.Columns, o)
	if err != nil {
		t.Fatal(err)
	}
	for lo := 0; lo < len(rows); lo += 300 {
		rec, err := lake.NewRecord(written, rows[lo:min(lo+300, len(rows))])
		if err != nil {
			t.Fatal(err)
		}
		err = w.Write(lake.Batch{Record: rec})
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path, w
}

// readBack reads every row of a file with the reader.
func readBack(t *testing.T, path string) (rows [][]any, groups int) {
	t.Helper()
	f := openPath(t, path)
	cols, err := f.Select(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range readAll(t, f, cols, 128) {
		for i := range b.Rows() {
			var r []any
			for c := range b.Record.NumCols() {
				r = append(r, lake.ValueAt(b.Record.Column(int(c)), i))
			}
			rows = append(rows, r)
		}
	}
	return rows, f.NumRowGroups()
}

// Every layout and compression writes files that the reader reads back
// value for value, NULLs included, in row groups of the size asked for.
func TestWriterRoundTrip(t *testing.T) {
	rows := writtenRows(1000)
	for _, layout := range parquetio.VectorLayouts {
		for _, comp := range []string{"snappy", "zstd", "gzip", "none"} {
			t.Run(layout+"/"+comp, func(t *testing.T) {
				path, w := writeFile(t, t.TempDir(), rows, parquetio.WriterOptions{Compression: comp, VectorLayout: layout, RowGroupRows: 256})
				if w.Rows() != 1000 || w.Indexed() != nil {
					t.Errorf("rows %d, indexed %v", w.Rows(), w.Indexed())
				}
				got, groups := readBack(t, path)
				if groups != 4 {
					t.Errorf("%d row groups, want 4 of at most 256 rows", groups)
				}
				if len(got) != len(rows) {
					t.Fatalf("%d rows read back, want %d", len(got), len(rows))
				}
				for i := range rows {
					if fmt.Sprint(got[i]) != fmt.Sprint(rows[i]) {
						t.Fatalf("row %d: read %v, wrote %v", i, got[i], rows[i])
					}
				}
			})
		}
	}
}

// A file with sections holds an AILK section over its vector column,
// built over every non-NULL vector with its row ordinal, and reads back
// as the plain file does.
func TestWriterSections(t *testing.T) {
	rows := writtenRows(700)
	dir := t.TempDir()
	path, w := writeFile(t, dir, rows, parquetio.WriterOptions{Index: &parquetio.IndexOptions{Kind: "hnsw", Metric: "l2", Workers: 1,
		HNSW: vectorops.HNSWConfig{M: 16, EfConstruction: 100}}})
	if !slices.Equal(w.Indexed(), []string{"emb"}) {
		t.Errorf("indexed %v, want [emb]", w.Indexed())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	secs, err := ailk.Sections(f, st.Size())
	if err != nil || len(secs) != 1 {
		t.Fatalf("sections %+v: %v", secs, err)
	}
	want := 0
	for _, r := range rows {
		if r[4] != nil {
			want++
		}
	}
	if s := secs[0]; s.Column != "emb" || s.Dim != 4 || s.Records != uint64(want) || s.Rows != 700 {
		t.Errorf("section %+v, want emb, 4 dimensions, %d records of 700 rows", s, want)
	}
	// The section's labels are row ordinals: each row's vector finds it.
	ix, err := ailk.Index(f, secs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1, 299, 300, 597, 699} {
		res, err := ix.Search(rows[i][4].([]float32), 1, 64, nil)
		if err != nil || len(res) != 1 || res[0].Label != uint64(i) || res[0].Distance != 0 {
			t.Errorf("row %d's vector found %+v (%v)", i, res, err)
		}
	}
	got, _ := readBack(t, path)
	if len(got) != 700 || fmt.Sprint(got[699]) != fmt.Sprint(rows[699]) {
		t.Errorf("%d rows read back; the last %v", len(got), got[len(got)-1])
	}
	// No temporary file is left behind.
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "lakelink-export-*.parquet")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// Options the writer cannot honour are refused before anything is
// written.
func TestWriterRefusesBadOptions(t *testing.T) {
	for _, o := range []parquetio.WriterOptions{
		{Compression: "lz5"},
		{VectorLayout: "packed"},
		{Index: &parquetio.IndexOptions{Kind: "hnsw", Metric: "manhattan"}},
		{Index: &parquetio.IndexOptions{Kind: "flat", Metric: "l2", Columns: []string{"title"}}},
	} {
		if _, err := parquetio.NewWriter(context.Background(), os.Stdout, written.Columns, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}
