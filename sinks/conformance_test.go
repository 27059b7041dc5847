package sinks_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/lakelink/lakelink/testing/blobtest"
	"github.com/lakelink/lakelink/testing/conformance"
)

var bucketN atomic.Int64

func fresh() string { return fmt.Sprintf("sink-conformance-%d", bucketN.Add(1)) }

// Every destination scheme passes the export suite: local paths,
// file://, mem://, and S3, GCS and Azure against servers on 127.0.0.1.
func TestSinkConformance(t *testing.T) {
	t.Run("path", func(t *testing.T) {
		conformance.RunSinkTests(t, func(t *testing.T) conformance.Harness {
			dir := t.TempDir()
			return conformance.BucketHarness{Bucket: dir, KeyURL: func(k string) string {
				return filepath.Join(dir, k) + map[bool]string{true: "/"}[len(k) > 0 && k[len(k)-1] == '/']
			}}
		})
	})
	t.Run("file", func(t *testing.T) {
		conformance.RunSinkTests(t, func(t *testing.T) conformance.Harness {
			dir := t.TempDir()
			return conformance.BucketHarness{Bucket: dir, KeyURL: func(k string) string { return "file://" + dir + "/" + k }}
		})
	})
	t.Run("mem", func(t *testing.T) {
		conformance.RunSinkTests(t, func(t *testing.T) conformance.Harness {
			name := fresh()
			return conformance.BucketHarness{Bucket: "mem://" + name, KeyURL: func(k string) string { return "mem://" + name + "/" + k }}
		})
	})
	t.Run("s3", func(t *testing.T) {
		srv := blobtest.StartS3(t)
		conformance.RunSinkTests(t, func(t *testing.T) conformance.Harness {
			name := fresh()
			srv.CreateBucket(t, name)
			return conformance.BucketHarness{Bucket: "s3://" + name + "?" + srv.Query(), KeyURL: func(k string) string { return srv.URL(name, k) }}
		})
	})
	t.Run("gcs", func(t *testing.T) {
		srv := blobtest.StartGCS(t)
		conformance.RunSinkTests(t, func(t *testing.T) conformance.Harness {
			name := fresh()
			srv.CreateBucket(t, name)
			return conformance.BucketHarness{Bucket: "gs://" + name, KeyURL: func(k string) string { return srv.URL(name, k) }}
		})
	})
	t.Run("azure", func(t *testing.T) {
		srv := blobtest.StartAzure(t)
		conformance.RunSinkTests(t, func(t *testing.T) conformance.Harness {
			name := fresh()
			srv.CreateContainer(t, name)
			return conformance.BucketHarness{Bucket: "azblob://" + name + "?" + srv.Query(), KeyURL: func(k string) string { return srv.URL(name, k) }}
		})
	})
}
