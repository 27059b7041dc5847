package sinks_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/lakelink/lakelink/sources"
	"github.com/lakelink/lakelink/testing/blobtest"
	"github.com/lakelink/lakelink/testing/conformance"
)

var bucketN atomic.Int64

// location is a fresh folder or bucket: bucket opens it, url names a key.
type location struct {
	bucket string
	url    func(key string) string
}

func (l location) Put(ctx context.Context, key string, data []byte) error {
	b, done, err := sources.OpenBucket(ctx, l.bucket)
	if err != nil {
		return err
	}
	defer done()
	return b.WriteAll(ctx, key, data, nil)
}

func (l location) URL(key string) string { return l.url(key) }

func fresh() string { return fmt.Sprintf("sink-conformance-%d", bucketN.Add(1)) }

// Every destination scheme passes the export suite: local paths,
// file://, mem://, and S3, GCS and Azure against servers on 127.0.0.1.
func TestSinkConformance(t *testing.T) {
	t.Run("path", func(t *testing.T) {
		conformance.RunSinkTests(t, func(t *testing.T) conformance.Harness {
			dir := t.TempDir()
			return location{bucket: dir, url: func(k string) string {
				return filepath.Join(dir, k) + map[bool]string{true: "/"}[len(k) > 0 && k[len(k)-1] == '/']
			}}
		})
	})
	t.Run("file", func(t *testing.T) {
		conformance.RunSinkTests(t, func(t *testing.T) conformance.Harness {
			dir := t.TempDir()
			return location{bucket: dir, url: func(k string) string { return "file://" + dir + "/" + k }}
		})
	})
	t.Run("mem", func(t *testing.T) {
		conformance.RunSinkTests(t, func(t *testing.T) conformance.Harness {
			name := fresh()
			return location{bucket: "mem://" + name, url: func(k string) string { return "mem://" + name + "/" + k }}
		})
	})
	t.Run("s3", func(t *testing.T) {
		srv := blobtest.StartS3(t)
		conformance.RunSinkTests(t, func(t *testing.T) conformance.Harness {
			name := fresh()
			srv.CreateBucket(t, name)
			return location{bucket: "s3://" + name + "?" + srv.Query(), url: func(k string) string { return srv.URL(name, k) }}
		})
	})
	t.Run("gcs", func(t *testing.T) {
		srv := blobtest.StartGCS(t)
		conformance.RunSinkTests(t, func(t *testing.T) conformance.Harness {
			name := fresh()
			srv.CreateBucket(t, name)
			return location{bucket: "gs://" + name, url: func(k string) string { return srv.URL(name, k) }}
		})
	})
	t.Run("azure", func(t *testing.T) {
		srv := blobtest.StartAzure(t)
		conformance.RunSinkTests(t, func(t *testing.T) conformance.Harness {
			name := fresh()
			srv.CreateContainer(t, name)
			return location{bucket: "azblob://" + name + "?" + srv.Query(), url: func(k string) string { return srv.URL(name, k) }}
		})
	})
}
