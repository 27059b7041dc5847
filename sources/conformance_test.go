package sources_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/lakelink/lakelink/sources"
	"github.com/lakelink/lakelink/testing/blobtest"
	"github.com/lakelink/lakelink/testing/conformance"
)

// localHarness stores objects as files; useURL names them file://... rather
// than by plain path.
type localHarness struct {
	dir    string
	useURL bool
}

func (h localHarness) Put(_ context.Context, key string, data []byte) error {
	p := filepath.Join(h.dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

func (h localHarness) URL(key string) string {
	if h.useURL {
		return "file://" + h.dir + "/" + key
	}
	return h.dir + "/" + key
}

var memN atomic.Int64

type memHarness struct{ name string }

func (h memHarness) Put(ctx context.Context, key string, data []byte) error {
	return sources.MemBucket(h.name).WriteAll(ctx, key, data, nil)
}

func (h memHarness) URL(key string) string { return "mem://" + h.name + "/" + key }

// s3Harness is a fresh bucket on a local S3 server.
type s3Harness struct {
	srv    *blobtest.S3
	bucket string
}

func (h s3Harness) Put(ctx context.Context, key string, data []byte) error {
	b, done, err := sources.OpenBucket(ctx, "s3://"+h.bucket+"?"+h.srv.Query())
	if err != nil {
		return err
	}
	defer done()
	return b.WriteAll(ctx, key, data, nil)
}

func (h s3Harness) URL(key string) string { return h.srv.URL(h.bucket, key) }

// gcsHarness is a fresh bucket on a local GCS server.
type gcsHarness struct {
	srv    *blobtest.GCS
	bucket string
}

func (h gcsHarness) Put(ctx context.Context, key string, data []byte) error {
	b, done, err := sources.OpenBucket(ctx, "gs://"+h.bucket)
	if err != nil {
		return err
	}
	defer done()
	return b.WriteAll(ctx, key, data, nil)
}

func (h gcsHarness) URL(key string) string { return h.srv.URL(h.bucket, key) }

// azureHarness is a fresh container on a local Azurite server.
type azureHarness struct {
	srv       *blobtest.Azure
	container string
}

func (h azureHarness) Put(ctx context.Context, key string, data []byte) error {
	b, done, err := sources.OpenBucket(ctx, "azblob://"+h.container+"?"+h.srv.Query())
	if err != nil {
		return err
	}
	defer done()
	return b.WriteAll(ctx, key, data, nil)
}

func (h azureHarness) URL(key string) string { return h.srv.URL(h.container, key) }

func TestSourceConformance(t *testing.T) {
	t.Run("path", func(t *testing.T) {
		conformance.RunSourceTests(t, func(t *testing.T) conformance.Harness { return localHarness{dir: t.TempDir()} })
	})
	t.Run("file", func(t *testing.T) {
		conformance.RunSourceTests(t, func(t *testing.T) conformance.Harness { return localHarness{dir: t.TempDir(), useURL: true} })
	})
	t.Run("s3", func(t *testing.T) {
		srv := blobtest.StartS3(t)
		conformance.RunSourceTests(t, func(t *testing.T) conformance.Harness {
			name := fmt.Sprintf("conformance-%d", memN.Add(1))
			srv.CreateBucket(t, name)
			return s3Harness{srv: srv, bucket: name}
		})
	})
	t.Run("gcs", func(t *testing.T) {
		srv := blobtest.StartGCS(t)
		conformance.RunSourceTests(t, func(t *testing.T) conformance.Harness {
			name := fmt.Sprintf("conformance-%d", memN.Add(1))
			srv.CreateBucket(t, name)
			return gcsHarness{srv: srv, bucket: name}
		})
	})
	t.Run("azure", func(t *testing.T) {
		srv := blobtest.StartAzure(t)
		conformance.RunSourceTests(t, func(t *testing.T) conformance.Harness {
			name := fmt.Sprintf("conformance-%d", memN.Add(1))
			srv.CreateContainer(t, name)
			return azureHarness{srv: srv, container: name}
		})
	})
	t.Run("mem", func(t *testing.T) {
		conformance.RunSourceTests(t, func(t *testing.T) conformance.Harness {
			return memHarness{name: fmt.Sprintf("conformance-%d", memN.Add(1))}
		})
	})
}
