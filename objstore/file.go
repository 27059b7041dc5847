package objstore

import (
	"context"
	"fmt"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
)

// Local folders: a path, or a file:// URL, becomes a bucket rooted at the
// folder (location in match.go finds it). They take no connection options.
func init() {
	Register(Scheme{Name: "file", Shared: true, Open: openFolder})
}

func openFolder(_ context.Context, bucket string) (*blob.Bucket, error) {
	// No metadata sidecars: they cost an MD5 of every byte written, and
	// lakelink reads nothing from them.
	b, err := fileblob.OpenBucket(bucket, &fileblob.Options{Metadata: fileblob.MetadataDontWrite, NoTempDir: true})
	if err != nil {
		return nil, fmt.Errorf("open folder %s: %w", bucket, err)
	}
	return b, nil
}
