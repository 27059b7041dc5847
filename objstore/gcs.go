package objstore

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/gcsblob" // also registers gocloud's gs:// opener
	"gocloud.dev/gcp"
	"golang.org/x/oauth2/google"
)

// gs:// buckets through gocloud's opener, with Google's default
// credentials; WITH credentials names a service-account (or other Google
// credentials) JSON file, which this file's opener reads. Region and
// endpoint do not apply (a GCS emulator is found through
// STORAGE_EMULATOR_HOST).
func init() {
	Register(Scheme{Name: "gs", Shared: true,
		Options: func(o Options, q url.Values) error {
			if o.Region != "" || o.Endpoint != "" {
				return fmt.Errorf("WITH region and endpoint apply to s3:// sources, not gs:// (a GCS emulator is found through STORAGE_EMULATOR_HOST)")
			}
			setParam(q, gcsCredentialsParam, o.Credentials)
			return nil
		},
		Open: func(ctx context.Context, bucketURL string) (*blob.Bucket, error) {
			if !strings.Contains(bucketURL, gcsCredentialsParam+"=") {
				return blob.OpenBucket(ctx, bucketURL)
			}
			return openGCS(ctx, bucketURL)
		}})
}

// gcsCredentialsParam is lakelink's own query parameter of gs:// bucket URLs:
// the path of a service-account (or other Google credentials) JSON file,
// from COPY's WITH (credentials = '...'). It is taken off the URL before
// gocloud sees it.
const gcsCredentialsParam = "credentials_file"

// openGCS opens a gs:// bucket whose URL names a credentials file. Errors
// name the file, never its contents. Against an emulator
// (STORAGE_EMULATOR_HOST), which takes no authentication, the file is
// checked and the emulator used.
func openGCS(ctx context.Context, bucketURL string) (*blob.Bucket, error) {
	rest, query, _ := strings.Cut(bucketURL, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("bad query in %s: %w", redact(bucketURL), err)
	}
	path := q.Get(gcsCredentialsParam)
	q.Del(gcsCredentialsParam)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("GCS credentials file %s: %w", path, err)
	}
	creds, err := google.CredentialsFromJSON(ctx, data, "https://www.googleapis.com/auth/devstorage.read_write")
	if err != nil {
		return nil, fmt.Errorf("GCS credentials file %s is not a Google credentials JSON file", path)
	}
	if os.Getenv("STORAGE_EMULATOR_HOST") != "" {
		u := rest
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		return blob.OpenBucket(ctx, u)
	}
	client, err := gcp.NewHTTPClient(gcp.DefaultTransport(), gcp.CredentialsTokenSource(creds))
	if err != nil {
		return nil, fmt.Errorf("GCS client: %w", err)
	}
	return gcsblob.OpenBucket(ctx, client, strings.TrimPrefix(rest, "gs://"), nil)
}
