// Package parquetio is the Parquet format, registered as formats are
// (format.Register; pipeline/formats.go holds the registration line). It
// is plain Go over objstore and lake: sources.Read runs it in a pipeline,
// as it runs every format, over the shared listing, Hive partitions and
// filters.
//
// Open reads an object's footer and describes its columns in their
// natural lakelink types; list<float> columns are arrays, which
// DetectVectors recognises as embeddings (VECTOR(n)). A split is a row
// group: Plan gives one per row group whose statistics (RowGroupRange) do
// not rule the filter out, and File.ReadRowGroup reads one with
// parquet-go's page API straight into Arrow builders, one page per column
// at a time, so no file is ever held in memory whole and a large file is
// read by many workers.
//
//	objs, _ := objstore.Match(ctx, "lake/docs/*.parquet")
//	f, _ := parquetio.Open(ctx, objs[0])
//	cols, _ := f.Select([]string{"id", "embedding"})
//	err := f.ReadRowGroup(0, cols, 4096, 0, func(b lake.Batch) error { ...; return nil })
//
// Exports write Parquet through sinks.WriteParquet, which also embeds AILK
// vector indexes in the files.
package parquetio
