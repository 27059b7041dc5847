package objstore

import "testing"

func TestLocationSplitsURLs(t *testing.T) {
	for _, tc := range []struct{ in, bucket, key string }{
		{"s3://b/docs/*.parquet?region=us-east-1&endpoint=http://127.0.0.1:7070", "s3://b?region=us-east-1&endpoint=http://127.0.0.1:7070", "docs/*.parquet"},
		{"mem://m/lake/part-?.parquet", "mem://m", "lake/part-?.parquet"},
		{"gs://b/x/part-?.parquet?project=p", "gs://b?project=p", "x/part-?.parquet"},
		{"azblob://c/a%20b/f.parquet", "azblob://c", "a%20b/f.parquet"}, // keys are literal: no percent-decoding
	} {
		b, k, _, err := location(tc.in)
		if err != nil || b != tc.bucket || k != tc.key {
			t.Errorf("%s: bucket %q key %q (%v); want %q %q", tc.in, b, k, err, tc.bucket, tc.key)
		}
	}
	if got := redact("s3://b/k?access_key=SECRET"); got != "s3://b/k?…" {
		t.Errorf("redact: %s", got)
	}
	if _, _, _, err := location("s3://b/../etc/passwd"); err == nil {
		t.Errorf("a key escaping the bucket was accepted")
	}
}
