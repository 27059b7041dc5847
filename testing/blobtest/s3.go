package blobtest

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3 is a versitygw server over a temporary folder.
type S3 struct {
	Endpoint string // http://127.0.0.1:PORT
	Region   string
	// Dir is the server's storage folder: bucket b's object k is the file
	// Dir/b/k (versitygw's posix backend), for loading large fixtures
	// without an upload.
	Dir string
}

// Test credentials of the local server. They are not secrets; they are
// handed to the client through the standard AWS environment variables,
// which is how a user's own credentials reach lakelink too.
const (
	s3AccessKey = "lakelink-test"
	s3SecretKey = "lakelink-test-secret"
)

// StartS3 starts versitygw on 127.0.0.1 for the length of the test and
// points the AWS SDK's default credential chain at its test account.
func StartS3(t testing.TB) *S3 {
	t.Helper()
	bin := binary(t, "versitygw", "LAKELINK_VERSITYGW")
	addr := loopback(freePort(t))
	dir := t.TempDir()
	start(t, addr, []string{"ROOT_ACCESS_KEY=" + s3AccessKey, "ROOT_SECRET_KEY=" + s3SecretKey},
		bin, "--port", addr, "--quiet", "posix", "--nometa", dir)
	t.Setenv("AWS_ACCESS_KEY_ID", s3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3SecretKey)
	t.Setenv("AWS_CONFIG_FILE", "/dev/null") // no user profile leaks in
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	return &S3{Endpoint: "http://" + addr, Region: "us-east-1", Dir: dir}
}

// CreateBucket creates a bucket through the S3 API.
func (s *S3) CreateBucket(t testing.TB, name string) {
	t.Helper()
	c := s3.New(s3.Options{
		Region: s.Region, BaseEndpoint: aws.String(s.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s3AccessKey, s3SecretKey, ""),
	})
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
}

// Query is the URL query that reaches this server.
func (s *S3) Query() string {
	return url.Values{"endpoint": {s.Endpoint}, "region": {s.Region}, "use_path_style": {"true"}}.Encode()
}

// URL is s3://bucket/key?<Query>.
func (s *S3) URL(bucket, key string) string { return "s3://" + bucket + "/" + key + "?" + s.Query() }

// UseS3Variables configures clients for this server the Data Lab way,
// through S3_ENDPOINT, S3_USE_SSL, S3_URL_STYLE, S3_REGION,
// S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY only: the AWS variables
// StartS3 set are cleared, for the length of the test.
func (s *S3) UseS3Variables(t testing.TB) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("S3_ENDPOINT", strings.TrimPrefix(s.Endpoint, "http://"))
	t.Setenv("S3_USE_SSL", "false")
	t.Setenv("S3_URL_STYLE", "path")
	t.Setenv("S3_REGION", s.Region)
	t.Setenv("S3_ACCESS_KEY_ID", s3AccessKey)
	t.Setenv("S3_SECRET_ACCESS_KEY", s3SecretKey)
}
