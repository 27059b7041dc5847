package bench

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lakelink/lakelink/testing/blobtest"
)

// BenchmarkImportS3VsLocal: the same file imported from local disk and
// from the S3 server (versitygw on 127.0.0.1), each into a fresh store on
// the direct runner. The ratio is S3 over local rows/s.
func BenchmarkImportS3VsLocal(b *testing.B) {
	rows := importRows()
	path := docsFile(b, rows)
	s3 := blobtest.StartS3(b)
	s3.CreateBucket(b, "bench")
	upload(b, s3, path)
	for i := 0; i < b.N; i++ {
		var rate [2]float64
		for k, src := range []string{path, s3.URL("bench", "docs.parquet")} {
			res, dur := importDocs(b, src, rows)
			rate[k] = float64(rows) / dur.Seconds()
			b.Logf("%-5s %8.0f rows/s  (plan %s, pipeline %s, commit %s)", []string{"local", "S3"}[k], rate[k],
				res.PlanTime.Round(time.Millisecond), res.PipelineTime.Round(time.Millisecond), res.CommitTime.Round(time.Millisecond))
		}
		b.Logf("S3 / local: %.2f", rate[1]/rate[0])
		b.ReportMetric(rate[1]/rate[0], "s3/local")
	}
}

// upload places the file in the bucket. (versitygw 1.8.0 rejects the
// multipart upload of the AWS SDK in use, with its default checksums, as
// "InvalidPart"; a file in its storage folder is the same object.)
func upload(b *testing.B, s3 *blobtest.S3, path string) {
	src, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(filepath.Join(s3.Dir, "bench", "docs.parquet"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
}
