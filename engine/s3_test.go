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

// The Data Lab's S3_* variables are all a user needs: with the endpoint
// as HOST:PORT and S3_USE_SSL=false, path-style addressing, the region and
// the keys given only through S3_*, a COPY from and an export to bare
// s3:// URLs work; the URL's own parameters win over S3_*; without any
// region the error says where to give one, with no secret in it.
func TestS3ConfiguredThroughS3Variables(t *testing.T) {
	srv := blobtest.StartS3(t)
	srv.CreateBucket(t, "lab")
	dir := t.TempDir()
	path := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(path, fixtures.Documents{Rows: 300, Dim: 8}); err != nil {
		t.Fatal(err)
	}
	putFile(t, "s3://lab?"+srv.Query(), "raw/docs.parquet", path)
	srv.UseS3Variables(t) // only S3_*: the AWS variables are cleared

	local := session(t, "direct")
	exec(t, local, "COPY FROM '"+path+"' INTO docs")
	want, _ := local.Store.Digest("docs", local.Store.Head())
	for _, runner := range []string{"direct", "prism-process"} {
		s := session(t, runner)
		exec(t, s, "COPY FROM 's3://lab/raw/docs.parquet' INTO docs")
		if got, _ := s.Store.Digest("docs", s.Store.Head()); got != want {
			t.Errorf("%s: digest %s, local %s", runner, got, want)
		}
		exec(t, s, "COPY docs TO 's3://lab/out/"+runner+"/' WITH (format = 'parquet')")
		if n := exec(t, s, "SELECT count(*) FROM parquet_scan('s3://lab/out/"+runner+"/*.parquet')")[0].Rows[0][0]; n != int64(300) {
			t.Errorf("%s: the export reads back %v rows", runner, n)
		}
	}
	// The URL's own endpoint wins: a wrong one in S3_ENDPOINT is not used.
	t.Setenv("S3_ENDPOINT", "127.0.0.1:1")
	s := session(t, "direct")
	exec(t, s, "COPY FROM 's3://lab/raw/docs.parquet?endpoint="+srv.Endpoint+"' INTO docs")

	// No credentials anywhere, with a custom endpoint: a message that says
	// where to give them, and no probing of an instance role.
	t.Setenv("S3_ACCESS_KEY_ID", "")
	t.Setenv("S3_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "") // where S3Env handed them to the SDK
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err := s.Exec(context.Background(), "COPY FROM 's3://lab/raw/docs.parquet?endpoint="+srv.Endpoint+"' INTO docs3")
	if err == nil || !strings.Contains(err.Error(), "no credentials for s3://lab") || !strings.Contains(err.Error(), "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY") {
		t.Errorf("no credentials: %v", err)
	}
	t.Setenv("S3_ACCESS_KEY_ID", "lakelink-test")
	t.Setenv("S3_SECRET_ACCESS_KEY", "lakelink-test-secret")

	// No region anywhere: a message that says where to give one.
	t.Setenv("S3_REGION", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	_, err = s.Exec(context.Background(), "COPY FROM 's3://lab/raw/docs.parquet?endpoint="+srv.Endpoint+"' INTO docs2")
	if err == nil || !strings.Contains(err.Error(), "S3_REGION or AWS_REGION") || strings.Contains(err.Error(), "lakelink-test-secret") {
		t.Errorf("no region: %v", err)
	}
}
