package format_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/testing/blobtest"
	"github.com/lakelink/lakelink/testing/conformance"
)

var bucketN atomic.Int64

// Every registered format (the engine links them all) runs the format
// suite on every kind of location: paths, file:// and mem:// URLs, and
// S3, GCS and Azure on their servers at 127.0.0.1.
func TestFormatConformance(t *testing.T) {
	if len(format.Names()) < 3 {
		t.Fatalf("formats registered: %v; the engine links parquet, csv and ndjson", format.Names())
	}
	name := func() string { return fmt.Sprintf("formats-%d", bucketN.Add(1)) }
	locations := []struct {
		name string
		mk   func(t *testing.T) conformance.MakeHarness
	}{
		{"path", func(t *testing.T) conformance.MakeHarness {
			return func(t *testing.T) conformance.Harness { return conformance.LocalHarness{Dir: t.TempDir()} }
		}},
		{"file", func(t *testing.T) conformance.MakeHarness {
			return func(t *testing.T) conformance.Harness {
				return conformance.LocalHarness{Dir: t.TempDir(), UseURL: true}
			}
		}},
		{"mem", func(t *testing.T) conformance.MakeHarness {
			return func(t *testing.T) conformance.Harness {
				b := name()
				return conformance.BucketHarness{Bucket: "mem://" + b, KeyURL: func(k string) string { return "mem://" + b + "/" + k }}
			}
		}},
		{"s3", func(t *testing.T) conformance.MakeHarness {
			srv := blobtest.StartS3(t)
			return func(t *testing.T) conformance.Harness {
				b := name()
				srv.CreateBucket(t, b)
				return conformance.BucketHarness{Bucket: "s3://" + b + "?" + srv.Query(), KeyURL: func(k string) string { return srv.URL(b, k) }}
			}
		}},
		{"gcs", func(t *testing.T) conformance.MakeHarness {
			srv := blobtest.StartGCS(t)
			return func(t *testing.T) conformance.Harness {
				b := name()
				srv.CreateBucket(t, b)
				return conformance.BucketHarness{Bucket: "gs://" + b, KeyURL: func(k string) string { return srv.URL(b, k) }}
			}
		}},
		{"azure", func(t *testing.T) conformance.MakeHarness {
			srv := blobtest.StartAzure(t)
			return func(t *testing.T) conformance.Harness {
				c := name()
				srv.CreateContainer(t, c)
				return conformance.BucketHarness{Bucket: "azblob://" + c + "?" + srv.Query(), KeyURL: func(k string) string { return srv.URL(c, k) }}
			}
		}},
	}
	for _, loc := range locations {
		t.Run(loc.name, func(t *testing.T) {
			mk := loc.mk(t)
			for _, f := range format.Names() {
				t.Run(f, func(t *testing.T) { conformance.RunFormatTests(t, f, mk) })
			}
		})
	}
}
