package objstore

import (
	"context"
	"io"
	"os"
	"sync/atomic"
)

// opened counts the objects this process has opened for reading.
var opened atomic.Int64

// ObjectsOpened is the number of objects this process has opened for
// reading (Parquet footers and row groups, text objects): a figure for
// progress reports, and how tests show that pruned objects are never
// touched.
func ObjectsOpened() int64 { return opened.Load() }

// NoteOpened counts one object opened for reading; readers that open
// objects their own way (Parquet's random access) call it.
func NoteOpened() { opened.Add(1) }

// Open opens an object for reading from its start, counting it. The
// caller closes the reader.
func Open(ctx context.Context, obj Object) (io.ReadCloser, error) {
	NoteOpened()
	if obj.Local() {
		f, err := os.Open(obj.Bucket + "/" + obj.Key)
		if err != nil {
			return nil, ObjectError(obj.Name, err)
		}
		return f, nil
	}
	b, done, err := OpenBucket(ctx, obj.Bucket)
	if err != nil {
		return nil, err
	}
	r, err := b.NewReader(ctx, obj.Key, nil)
	if err != nil {
		done()
		return nil, ObjectError(obj.Name, err)
	}
	return &bucketReader{r, done}, nil
}

type bucketReader struct {
	io.ReadCloser
	done func()
}

func (r *bucketReader) Close() error {
	err := r.ReadCloser.Close()
	r.done()
	return err
}
