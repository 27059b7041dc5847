package sinks_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	_ "github.com/lakelink/lakelink/io/csvio" // the formats written register themselves
	_ "github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/sinks"
)

var orders = lake.Schema{Columns: []lake.Column{
	{Name: "id", Type: lake.BigInt}, {Name: "region", Type: lake.Text}, {Name: "total", Type: lake.Double},
}}

// dayFn makes one day's orders, a batch with an origin of its own.
type dayFn struct{}

func (*dayFn) ProcessElement(day int64, emit func(lake.Batch)) error {
	var rows [][]any
	for i := int64(0); i < 4; i++ {
		rows = append(rows, []any{day*10 + i, []string{"eu", "us"}[i%2], float64(day*10+i) / 4})
	}
	rec, err := lake.NewRecord(orders, rows)
	if err != nil {
		return err
	}
	emit(lake.Batch{Origin: lake.Origin{Object: "orders", ObjectIndex: int(day)}, Record: rec})
	return nil
}

func init() { register.DoFn2x1[int64, func(lake.Batch), error](&dayFn{}) }

// Write a pipeline's batches as files of any registered format: CSV
// partitioned by region, and Parquet with zstd pages. Each range (here a
// day) writes files of its own, named by range and sequence.
func ExampleWriteFiles() {
	dir, _ := os.MkdirTemp("", "lakelink-sinks-")
	defer os.RemoveAll(dir)
	p, s := beam.NewPipelineWithRoot()
	batches := beam.ParDo(s, &dayFn{}, beam.CreateList(s, []int64{0, 1}))
	sinks.WriteFiles(s, sinks.FileOptions{Bucket: dir, Prefix: "csv", Schema: orders, Format: "csv",
		PartitionBy: []sinks.Partition{{Column: "region"}}}, batches)
	sinks.WriteFiles(s, sinks.FileOptions{Bucket: dir, Prefix: "parquet", Schema: orders,
		FormatOptions: `{"compression": "zstd"}`}, batches)
	if err := runners.Execute(context.Background(), p, runners.Options{Runner: "direct"}); err != nil {
		fmt.Println(err)
		return
	}
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			fmt.Println(filepath.ToSlash(rel))
		}
		return nil
	})
	eu, _ := os.ReadFile(filepath.Join(dir, "csv", "region=eu", "part-00001-0000.csv"))
	fmt.Print(strings.ReplaceAll(string(eu), "\r", ""))
	// Output:
	// csv/region=eu/part-00000-0000.csv
	// csv/region=eu/part-00001-0000.csv
	// csv/region=us/part-00000-0000.csv
	// csv/region=us/part-00001-0000.csv
	// parquet/part-00000-0000.parquet
	// parquet/part-00001-0000.parquet
	// id,total
	// 10,2.5
	// 12,3.0
}
