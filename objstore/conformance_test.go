package objstore_test

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/objstore/objstoretest"
	"github.com/lakelink/lakelink/testing/blobtest"
)

var bucketN atomic.Int64

func name() string { return fmt.Sprintf("objstore-%d", bucketN.Add(1)) }

// Every registered scheme runs the suite against a real location: local
// paths and file:// URLs on disk, mem:// in the process, and s3://, gs://
// and azblob:// on their servers at 127.0.0.1. A scheme registered
// without a run here fails the test.
func TestSchemeConformance(t *testing.T) {
	runs := map[string]func(t *testing.T){
		"file": func(t *testing.T) {
			t.Run("path", func(t *testing.T) {
				objstoretest.Run(t, func(t *testing.T) objstoretest.Location { return objstoretest.Location{Root: t.TempDir() + "/"} })
			})
			t.Run("url", func(t *testing.T) {
				objstoretest.Run(t, func(t *testing.T) objstoretest.Location {
					return objstoretest.Location{Root: "file://" + t.TempDir() + "/"}
				})
			})
		},
		"mem": func(t *testing.T) {
			objstoretest.Run(t, func(t *testing.T) objstoretest.Location { return objstoretest.Location{Root: "mem://" + name() + "/"} })
		},
		"s3": func(t *testing.T) {
			srv := blobtest.StartS3(t)
			objstoretest.Run(t, func(t *testing.T) objstoretest.Location {
				b := name()
				srv.CreateBucket(t, b)
				return objstoretest.Location{Root: "s3://" + b + "/?" + srv.Query()}
			})
		},
		"gs": func(t *testing.T) {
			srv := blobtest.StartGCS(t)
			objstoretest.Run(t, func(t *testing.T) objstoretest.Location {
				b := name()
				srv.CreateBucket(t, b)
				return objstoretest.Location{Root: "gs://" + b + "/"}
			})
		},
		"azblob": func(t *testing.T) {
			srv := blobtest.StartAzure(t)
			objstoretest.Run(t, func(t *testing.T) objstoretest.Location {
				c := name()
				srv.CreateContainer(t, c)
				return objstoretest.Location{Root: "azblob://" + c + "/?" + srv.Query()}
			})
		},
	}
	for _, s := range objstore.Schemes() {
		run, ok := runs[s]
		if !ok {
			t.Errorf("scheme %s is registered but runs no conformance suite: add it here", s)
			continue
		}
		t.Run(s, run)
	}
	for s := range runs {
		if !slices.Contains(objstore.Schemes(), s) {
			t.Errorf("a run for %s, which is not registered", s)
		}
	}
}
