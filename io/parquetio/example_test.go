package parquetio_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// Open a Parquet object, find its embeddings, and read one row group.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "lakelink-parquetio-")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "docs.parquet")
	_ = fixtures.WriteDocuments(path, fixtures.Documents{Rows: 1000, Dim: 8})

	ctx := context.Background()
	objs, _ := objstore.Match(ctx, path)
	f, err := parquetio.Open(ctx, objs[0])
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	cols, _ := f.Select(nil)
	dims, _ := f.DetectVectors(cols)
	fmt.Println(parquetio.SourceSchema(cols), "vectors:", dims)

	rows := 0
	err = f.ReadRowGroup(0, cols, 256, 0, func(b lake.Batch) error {
		rows += b.Rows()
		return nil
	})
	fmt.Println(f.NumRowGroups(), "row group(s);", rows, "rows in the first", err)
	// Output:
	// (id BIGINT, title TEXT, content TEXT, embedding REAL[]) vectors: map[embedding:8]
	// 1 row group(s); 1000 rows in the first <nil>
}

// Write a Parquet file with zstd pages and an HNSW section over its
// vector column, then find the section and read the rows back.
func ExampleNewWriter() {
	dir, _ := os.MkdirTemp("", "lakelink-parquetio-")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "notes.parquet")
	schema := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt}, {Name: "emb", Type: lake.Vector(2)}}}
	rec, _ := lake.NewRecord(schema, [][]any{{int64(1), []float32{1, 0}}, {int64(2), []float32{0, 1}}, {int64(3), nil}})
	defer rec.Release()

	ctx := context.Background()
	out, _ := os.Create(path)
	w, err := parquetio.NewWriter(ctx, out, schema.Columns, parquetio.WriterOptions{Compression: "zstd",
		Index: &parquetio.IndexOptions{Kind: "hnsw", Metric: "cosine"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = w.Write(lake.Batch{Record: rec})
	if err == nil {
		err = w.Close()
	}
	out.Close()
	fmt.Println(w.Rows(), "rows; sections over", w.Indexed(), err)

	objs, _ := objstore.Match(ctx, path)
	f, _ := parquetio.Open(ctx, objs[0])
	defer f.Close()
	cols, _ := f.Select(nil)
	_ = f.ReadRowGroup(0, cols, 16, 0, func(b lake.Batch) error {
		for i := range b.Rows() {
			fmt.Println(lake.ValueAt(b.Record.Column(0), i), lake.ValueAt(b.Record.Column(1), i))
		}
		return nil
	})
	// Output:
	// 3 rows; sections over [emb] <nil>
	// 1 [1 0]
	// 2 [0 1]
	// 3 <nil>
}
