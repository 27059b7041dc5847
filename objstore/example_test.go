package objstore_test

import (
	"context"
	"fmt"

	"github.com/lakelink/lakelink/objstore"
)

// Match lists what a glob names, in bytewise key order; Hive folders give
// partition values.
func ExampleMatch() {
	ctx := context.Background()
	b := objstore.MemBucket("example-match")
	for _, k := range []string{"lake/year=2025/b.parquet", "lake/year=2024/a.parquet", "lake/year=2024/notes.txt"} {
		_ = b.WriteAll(ctx, k, []byte("x"), nil)
	}
	objs, err := objstore.Match(ctx, "mem://example-match/lake/**/*.parquet")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range objs {
		v, _ := objstore.PartitionValues(o, []string{"year"})
		fmt.Println(o.Name, v["year"])
	}
	// Output:
	// mem://example-match/lake/year=2024/a.parquet 2024
	// mem://example-match/lake/year=2025/b.parquet 2025
}

// Connection options become the bucket URL's query, by scheme; errors and
// names never show the query.
func ExampleRedact() {
	fmt.Println(objstore.Redact("s3://lake/docs/*.parquet?endpoint=http://127.0.0.1:7070&profile=prod"))
	fmt.Println(objstore.Schemes())
	// Output:
	// s3://lake/docs/*.parquet?…
	// [azblob file gs mem s3]
}
