package sources

import (
	"fmt"
	"net/url"
	"strings"
)

// Options are the connection settings of COPY's WITH clause. They never
// hold a secret: credentials name where the secret lives (an AWS profile, a
// service-account file), and the drivers' default chains (environment,
// instance roles, metadata servers) apply when it is empty.
type Options struct {
	// Region of an S3 bucket.
	Region string
	// Endpoint of an S3-compatible server (http://127.0.0.1:7070 say);
	// path-style addressing is used with it.
	Endpoint string
	// Credentials: an AWS profile name for s3://, the path of a
	// service-account JSON file for gs://, and for azblob:// "env:NAME", the
	// environment variable holding the account's connection string.
	Credentials string
}

func (o Options) empty() bool { return o == Options{} }

// apply adds the options to a bucket URL as the driver's query parameters,
// keeping any the URL already has.
func (o Options) apply(bucket string) (string, error) {
	if o.empty() {
		return bucket, nil
	}
	scheme, _, _ := strings.Cut(bucket, "://")
	if !strings.Contains(bucket, "://") {
		scheme = "file"
	}
	rest, query, _ := strings.Cut(bucket, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("bad query in %s: %w", redact(bucket), err)
	}
	set := func(k, v string) {
		if v != "" && q.Get(k) == "" {
			q.Set(k, v)
		}
	}
	switch scheme {
	case "s3":
		set("region", o.Region)
		set("endpoint", o.Endpoint)
		if o.Endpoint != "" {
			set("use_path_style", "true")
		}
		set("profile", o.Credentials)
	case "gs":
		if o.Region != "" || o.Endpoint != "" {
			return "", fmt.Errorf("WITH region and endpoint apply to s3:// sources, not gs:// (a GCS emulator is found through STORAGE_EMULATOR_HOST)")
		}
		set(gcsCredentialsParam, o.Credentials)
	case "azblob":
		if o.Region != "" || o.Endpoint != "" {
			return "", fmt.Errorf("WITH region and endpoint apply to s3:// sources, not azblob:// (give domain and protocol in the URL)")
		}
		if o.Credentials != "" {
			name, ok := strings.CutPrefix(o.Credentials, "env:")
			if !ok || name == "" {
				return "", fmt.Errorf("WITH credentials for azblob:// names an environment variable holding a connection string: 'env:NAME'")
			}
			set(azureConnEnvParam, name)
		}
	default:
		return "", fmt.Errorf("WITH region, endpoint and credentials apply to s3://, gs:// and azblob:// sources, not %s://", scheme)
	}
	return rest + "?" + q.Encode(), nil
}
