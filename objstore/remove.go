package objstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
)

// RemovePrefix deletes every object under prefix of bucket b, opened
// from bucket (a path or URL); in a local folder the folders left empty
// go too.
func RemovePrefix(ctx context.Context, b *blob.Bucket, bucket, prefix string) error {
	err := removeObjects(ctx, b, prefix)
	if !strings.Contains(bucket, "://") {
		removeEmptyDirs(filepath.Join(bucket, filepath.FromSlash(prefix)))
	}
	return err
}

// removeEmptyDirs removes root and the folders under it that hold no file.
func removeEmptyDirs(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() {
			removeEmptyDirs(filepath.Join(root, e.Name()))
		}
	}
	_ = os.Remove(root) // fails, as it should, unless empty
}

func removeObjects(ctx context.Context, b *blob.Bucket, prefix string) error {
	it := b.List(&blob.ListOptions{Prefix: prefix})
	var errs []error
	for {
		obj, err := it.Next(ctx)
		if err != nil {
			break
		}
		if err := b.Delete(ctx, obj.Key); err != nil && !IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
