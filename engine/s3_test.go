package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/testing/blobtest"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// The guide's "From S3" statements, with the endpoint of a local S3 server
// added, import the same rows as a local import: with region and a named
// credentials profile, and with a glob over several objects; on the direct
// runner and on Prism with worker processes.
func TestGuideS3(t *testing.T) {
	srv := blobtest.StartS3(t)
	srv.CreateBucket(t, "my-bucket")
	dir := t.TempDir()
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		path := filepath.Join(dir, fmt.Sprintf("docs%d.parquet", i))
		if err := fixtures.WriteDocuments(path, fixtures.Documents{Rows: 500, Dim: 32, RowGroupRows: 200, FirstID: int64(500 * i), Seed: uint64(i)}); err != nil {
			t.Fatal(err)
		}
		key := "embeddings/docs.parquet"
		if i > 0 {
			key = fmt.Sprintf("embeddings/part-%d.parquet", i)
		}
		putFile(t, "s3://my-bucket?"+srv.Query(), key, path)
	}

	// credentials names an AWS profile; the keys live in the profile's
	// files, not in the statement and not in the environment.
	creds := filepath.Join(dir, "credentials")
	os.WriteFile(creds, []byte("[lakelink_test]\naws_access_key_id = lakelink-test\naws_secret_access_key = lakelink-test-secret\n"), 0o600)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")

	local := session(t, "direct")
	exec(t, local, "COPY FROM '"+filepath.Join(dir, "docs0.parquet")+"' INTO documents")
	want, _ := local.Store.Digest("documents", local.Store.Head())

	s := session(t, "direct")
	exec(t, s, fmt.Sprintf(`-- Direct S3 import
COPY FROM 's3://my-bucket/embeddings/docs.parquet'
INTO documents
WITH (
    region = 'us-east-1',
    endpoint = '%s',
    credentials = 'lakelink_test'  -- Or use IAM role
);`, srv.Endpoint))
	if got, _ := s.Store.Digest("documents", s.Store.Head()); got != want {
		t.Errorf("S3 import digest %s, local %s", got, want)
	}
	// The commit records the object with its version: versitygw's HEAD
	// gives neither ETag nor MD5 here, so its modification time.
	if ci, err := s.Store.Commit(s.Store.Head()); err != nil || len(ci.Sources) != 1 ||
		ci.Sources[0].URL != "s3://my-bucket/embeddings/docs.parquet" || ci.Sources[0].Size == 0 || ci.Sources[0].Version == "" {
		t.Errorf("sources %+v %v", ci.Sources, err)
	} else {
		t.Logf("recorded source: %+v", ci.Sources[0])
	}

	for _, runner := range []string{"direct", "prism-process"} {
		s := session(t, runner)
		exec(t, s, fmt.Sprintf(`-- With path pattern (multiple files)
COPY FROM 's3://my-bucket/embeddings/*.parquet'
INTO documents WITH (region = 'us-east-1', endpoint = '%s', credentials = 'lakelink_test');`, srv.Endpoint))
		if n := count(t, s, "documents"); n != 1500 {
			t.Errorf("%s: glob import: %d rows", runner, n)
		}
	}

	// Wrong keys: a clear error naming the object, no secret in it, nothing
	// committed.
	os.WriteFile(creds, []byte("[lakelink_test]\naws_access_key_id = lakelink-test\naws_secret_access_key = WRONG-SECRET-123\n"), 0o600)
	s = session(t, "direct")
	_, err := s.Exec(ctx, fmt.Sprintf("COPY FROM 's3://my-bucket/embeddings/docs.parquet' INTO documents WITH (region = 'us-east-1', endpoint = '%s', credentials = 'lakelink_test')", srv.Endpoint))
	t.Logf("wrong credentials: %v", err)
	if err == nil || !strings.Contains(err.Error(), "embeddings/docs.parquet") || strings.Contains(err.Error(), "WRONG-SECRET") {
		t.Errorf("wrong credentials: %v", err)
	}
	if s.Store.Head() != 0 {
		t.Errorf("a failed import committed")
	}
}
