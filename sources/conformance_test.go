package sources_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

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
			return conformance.BucketHarness{Bucket: "s3://" + name + "?" + srv.Query(), KeyURL: func(k string) string { return srv.URL(name, k) }}
		})
	})
	t.Run("gcs", func(t *testing.T) {
		srv := blobtest.StartGCS(t)
		conformance.RunSourceTests(t, func(t *testing.T) conformance.Harness {
			name := fmt.Sprintf("conformance-%d", memN.Add(1))
			srv.CreateBucket(t, name)
			return conformance.BucketHarness{Bucket: "gs://" + name, KeyURL: func(k string) string { return srv.URL(name, k) }}
		})
	})
	t.Run("azure", func(t *testing.T) {
		srv := blobtest.StartAzure(t)
		conformance.RunSourceTests(t, func(t *testing.T) conformance.Harness {
			name := fmt.Sprintf("conformance-%d", memN.Add(1))
			srv.CreateContainer(t, name)
			return conformance.BucketHarness{Bucket: "azblob://" + name + "?" + srv.Query(), KeyURL: func(k string) string { return srv.URL(name, k) }}
		})
	})
	t.Run("mem", func(t *testing.T) {
		conformance.RunSourceTests(t, func(t *testing.T) conformance.Harness {
			name := fmt.Sprintf("conformance-%d", memN.Add(1))
			return conformance.BucketHarness{Bucket: "mem://" + name, KeyURL: func(k string) string { return "mem://" + name + "/" + k }}
		})
	})
}
