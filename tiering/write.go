package tiering

import (
	"context"
	"fmt"

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
func WriteFile(ctx context.Context, location, rel string, schema lake.Schema, rows []store.Row, index *parquetio.IndexOptions) (store.ColdFile, error) {
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
	w, err := parquetio.NewWriter(ctx, hw, plain.Columns, parquetio.WriterOptions{Index: index})
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
	if err := out.Close(); err != nil {
		_ = b.Delete(context.Background(), obj.Key)
		return store.ColdFile{}, fmt.Errorf("cold file %s: %w", obj.Name, err)
	}
	return Describe(ctx, location, rel, WrittenFile{Rows: int64(len(rows)), Bytes: hw.Size(), SHA256: hw.SHA256()}, schema)
}
