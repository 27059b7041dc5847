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
// Writer writes a Parquet file (the format's writer, which exports run
// through sinks.WriteFiles): logical types kept, the lakelink schema in
// the footer, three vector layouts, and AILK vector-index sections
// (package vectorops/ailk) before the footer when asked; AddSectionsToFile
// adds them to a file already written.
//
//	w, _ := parquetio.NewWriter(ctx, out, schema.Columns, parquetio.WriterOptions{Compression: "zstd"})
//	err := w.Write(batch)
//	err = w.Close()
package parquetio
