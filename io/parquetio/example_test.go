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
