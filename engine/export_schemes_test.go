package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/testing/blobtest"
)

// Exports from Prism's worker processes, which read a staged snapshot
// (the store cannot be opened from another process), to S3; and to GCS,
// Azure and memory on the direct runner: the rows come back with the same
// digest, a dated export lists its version, and a search reads the AILK
// files in the bucket. (Every scheme also passes the export conformance
// suite, testing/conformance, from sinks' tests.)
func TestExportToEveryScheme(t *testing.T) {
	s3 := blobtest.StartS3(t)
	s3.CreateBucket(t, "exports")
	gcs := blobtest.StartGCS(t)
	gcs.CreateBucket(t, "exports")
	az := blobtest.StartAzure(t)
	az.CreateContainer(t, "exports")
	t.Setenv("LAKE_CONN", az.ConnectionString())
	ctx := context.Background()
	for _, tc := range []struct{ name, runner, base, with string }{
		{"s3", "prism-process", "s3://exports/docs", fmt.Sprintf("region = 'us-east-1', endpoint = '%s'", s3.Endpoint)},
		{"gs", "direct", "gs://exports/docs", ""},
		{"azblob", "direct", "azblob://exports/docs", "credentials = 'env:LAKE_CONN'"},
		{"mem", "direct", "mem://exports-test/docs", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := session(t, tc.runner)
			fillEveryType(t, s, "src", 500)
			with := func(more string) string {
				parts := []string{}
				for _, p := range []string{tc.with, more} {
					if p != "" {
						parts = append(parts, p)
					}
				}
				if len(parts) == 0 {
					return ""
				}
				return " WITH (" + strings.Join(parts, ", ") + ")"
			}
			msg := exec(t, s, "COPY src TO '"+tc.base+"/plain/'"+with("parallel_workers = 3, vector_index = 'hnsw'"))[0].Message
			if !strings.Contains(msg, "COPY 500 rows") || !strings.Contains(msg, "3 file(s)") {
				t.Errorf("%s", msg)
			}
			exec(t, s, "CREATE TABLE back "+everyTypeDDL)
			exec(t, s, "COPY FROM '"+tc.base+"/plain/*.parquet' INTO back"+with(""))
			if a, b := digest(t, s, "src"), digest(t, s, "back"); a != b {
				t.Errorf("digest %s, back from %s %s", a, tc.name, b)
			}
			exec(t, s, "COPY src TO '"+tc.base+"/dated'"+with("dated = true"))
			var opt objstore.Options
			if tc.name == "s3" {
				opt.Region, opt.Endpoint = "us-east-1", s3.Endpoint
			}
			if tc.name == "azblob" {
				opt.Credentials = "env:LAKE_CONN"
			}
			vs, err := datasets.Versions(ctx, tc.base+"/dated", opt)
			if err != nil || len(vs) != 1 || vs[0].Rows != 500 {
				t.Errorf("dated versions %+v %v", vs, err)
			}
			if tc.name == "s3" || tc.name == "mem" {
				s.Params = map[int]any{1: everyTypeRow(12)[11]}
				pattern := tc.base + "/plain/*.parquet"
				if tc.name == "s3" {
					pattern += "?" + s3.Query()
				}
				r := exec(t, s, "SELECT id FROM parquet_scan('"+pattern+"') ORDER BY cosine_similarity(embedding, $1) DESC LIMIT 1")[0]
				if len(r.Rows) != 1 || r.Rows[0][0] != int64(12) || !strings.Contains(r.Plan, "3 file(s)") {
					t.Errorf("search in the bucket: %v (%s)", r.Rows, r.Plan)
				}
			}
		})
	}
}
