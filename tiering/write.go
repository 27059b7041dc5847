package tiering

import (
	"context"
	"fmt"
	"path"

	"github.com/lakelink/lakelink/indexes"

	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/store"
)

// WriteFile writes rows of a table as one cold file at folder+name (folder
// as Folder gives it), with AILK sections as index asks (nil for none),
// and returns its catalog entry, described and verified as a move's files
// are. A move that puts some of a file's rows back in the store writes the
// rest this way.
func WriteFile(ctx context.Context, location, rel string, schema lake.Schema, rows []store.Row, index *parquetio.IndexOptions, key []byte) (store.ColdFile, error) {
	plain := schema.Plain()
	obj, err := Object(store.ColdFile{Location: location, Path: rel})
	if err != nil {
		return store.ColdFile{}, err
	}
	// Destination makes a local file's folder.
	if obj.Bucket, obj.Key, err = objstore.Destination(objstore.Options{}, joinURL(location, rel)); err != nil {
		return store.ColdFile{}, err
	}
	b, done, err := objstore.OpenBucket(ctx, obj.Bucket)
	if err != nil {
		return store.ColdFile{}, err
	}
	defer done()
	out, err := b.NewWriter(ctx, obj.Key, nil)
	if err != nil {
		return store.ColdFile{}, objstore.ObjectError(obj.Name, err)
	}
	hw := objstore.NewHashWriter(out)
	fail := func(err error) (store.ColdFile, error) {
		out.Close()
		_ = b.Delete(context.Background(), obj.Key)
		return store.ColdFile{}, fmt.Errorf("cold file %s: %w", obj.Name, err)
	}
	sealed, err := objstore.SealWriter(hw, key)
	if err != nil {
		return fail(err)
	}
	w, err := parquetio.NewWriter(ctx, sealed, plain.Columns, parquetio.WriterOptions{Index: index})
	if err != nil {
		return fail(err)
	}
	const step = 4096
	for lo := 0; lo < len(rows); lo += step {
		hi := min(lo+step, len(rows))
		vals := make([][]any, hi-lo)
		for i, r := range rows[lo:hi] {
			vals[i] = r
		}
		rec, err := lake.NewRecord(plain, vals)
		if err != nil {
			w.Abort()
			return fail(err)
		}
		err = w.Write(lake.Batch{Record: rec})
		rec.Release()
		if err != nil {
			w.Abort()
			return fail(err)
		}
	}
	if err := w.Close(); err != nil {
		return fail(err)
	}
	if err := sealed.Close(); err != nil {
		return fail(err)
	}
	if err := out.Close(); err != nil {
		_ = b.Delete(context.Background(), obj.Key)
		return store.ColdFile{}, fmt.Errorf("cold file %s: %w", obj.Name, err)
	}
	return Describe(ctx, location, rel, WrittenFile{Rows: int64(len(rows)), Bytes: hw.Size(), SHA256: hw.SHA256()}, schema, key)
}

// Taken is what TakeCold did to a table's cold files.
type Taken struct {
	Rows     int64 // rows taken out
	Unlisted int   // files unlisted
	Added    int   // files listed with the rest of their rows
	Bytes    int64 // their bytes
	// Folders are the move folders it wrote into: a caller whose commit
	// fails removes them.
	Folders []string
}

// TakeCold takes the rows that match (all for nil) out of the given cold
// files, in commit c: each row taken goes to take; a file with a row
// taken is unlisted, and its other rows are written to a new file in a
// move folder of job, listed in c. Files with no matching row stay as
// they are. Cold files are immutable, so this is copy-on-write, as
// Iceberg's and Delta's deletes are: TO HOT, DELETE and imports that
// replace cold rows (ColdKeys) use it.
func TakeCold(ctx context.Context, c *store.Commit, tbl *Table, files []store.ColdFile, match func(store.Row) bool,
	job string, take func(store.Row) error) (Taken, error) {
	var out Taken
	t := tbl.Info
	ix := IndexOptions(t)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		var keep []store.Row
		n := int64(0)
		err := tbl.FileRows(ctx, f, nil, func(_ int64, r store.Row) error {
			if match != nil && !match(r) {
				keep = append(keep, r)
				return nil
			}
			n++
			return take(r)
		})
		if err != nil {
			return out, err
		}
		if n == 0 {
			continue
		}
		out.Rows += n
		if err := c.RemoveColdFile(t, f.Path); err != nil {
			return out, err
		}
		out.Unlisted++
		if len(keep) == 0 {
			continue
		}
		folder := Folder(f.Location, t.Name, c.Base(), job)
		out.Folders = append(out.Folders, folder)
		defer Writing(folder)()
		// Named after the file it replaces, so that no two rewrites in
		// one move share a name.
		rel := path.Join(MoveKey(t.Name, c.Base(), job), f.Partition, "part-"+f.SHA256[:16]+".parquet")
		nf, err := WriteFile(ctx, f.Location, rel, t.Schema, keep, ix, tbl.Key)
		if err != nil {
			return out, err
		}
		nf.Partition = f.Partition
		if err := c.AddColdFile(t, nf); err != nil {
			return out, err
		}
		out.Added++
		out.Bytes += nf.Bytes
	}
	return out, nil
}

// IndexOptions are the AILK sections a table's cold files carry: over
// every column a structured index of the table covers, of the first such
// index's kind, metric and options; nil when it has none.
func IndexOptions(t store.TableInfo) *parquetio.IndexOptions {
	var ix *parquetio.IndexOptions
	for _, d := range t.Indexes {
		if !indexes.Structured(d.Type) || t.Schema.Index(d.Column) < 0 {
			continue
		}
		if ix == nil {
			ix = &parquetio.IndexOptions{Kind: d.Type, Metric: d.Metric, HNSW: indexes.HNSWConfig(d), IVFPQ: indexes.IVFPQConfig(d)}
		}
		ix.Columns = append(ix.Columns, t.Schema.Columns[t.Schema.Index(d.Column)].Name)
	}
	return ix
}
