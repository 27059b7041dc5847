// Package sources reads data-lake Parquet into lake.Batch values.
//
// Objects are found with package objstore (objstore.Match lists what
// paths, globs and bucket URLs name, in a deterministic order), whichever
// format they hold. OpenParquet reads an object's
// footer and describes its columns; File.ReadRowGroup reads one row group
// with parquet-go's page API straight into Arrow builders, one page per
// column at a time, so no file is ever held in memory whole. Read is the
// Beam transform over any registered format's splits (for Parquet one per
// row group), so a large file is read by many workers.
//
// Columns come in their natural lakelink types; list<float> columns are
// arrays, which DetectVectors recognises as embeddings (VECTOR(n)).
//
// ReadSnapshot is the source of exports: it reads a table of the store at
// one commit in key ranges, one per element, from the store itself when
// the workers share the launcher's process (ShareStore), or from ranges
// the launcher staged (StageSnapshot) when they do not.
//
//	objs, _ := objstore.Match(ctx, "lake/docs/*.parquet")
//	f, _ := sources.OpenParquet(ctx, objs[0])
//	cols, _ := f.Select([]string{"id", "embedding"})
//	err := f.ReadRowGroup(0, cols, 4096, 0, func(b lake.Batch) error { ...; return nil })
package sources
