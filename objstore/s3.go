package objstore

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob" // gocloud's s3:// opener
)

// s3:// buckets, on AWS or any S3-compatible server, through gocloud's
// opener. WITH region, endpoint (path-style addressing with it) and
// credentials (an AWS profile name) become its query parameters.
//
// The Data Lab's S3_* variables configure it too. Precedence, first wins:
// the bucket URL's own query parameters, then WITH's options, then S3_*,
// then the AWS SDK's own sources (AWS_REGION, AWS_ACCESS_KEY_ID, profiles).
//
//	S3_ENDPOINT           endpoint: a URL, or HOST:PORT (https, unless
//	                      S3_USE_SSL is false, 0 or no)
//	S3_URL_STYLE          path (the default with an endpoint) or vhost
//	S3_REGION             region
//	S3_ACCESS_KEY_ID,     the access key; both given, they are handed to
//	S3_SECRET_ACCESS_KEY  the SDK as AWS_ACCESS_KEY_ID and
//	                      AWS_SECRET_ACCESS_KEY (and S3_SESSION_TOKEN
//	                      as AWS_SESSION_TOKEN), replacing those
func init() {
	Register(Scheme{Name: "s3", Shared: true, Options: func(o Options, q url.Values) error {
		setParam(q, "region", o.Region)
		setParam(q, "endpoint", o.Endpoint)
		if o.Endpoint != "" {
			setParam(q, "use_path_style", "true")
		}
		setParam(q, "profile", o.Credentials)
		return nil
	}, Open: openS3})
	// The AWS SDK validates response checksums "when supported", and logs a
	// warning for every whole-object read from a server that sends none
	// (S3-compatible stores often do not). Validate when the request asks
	// for it, unless the user chose otherwise.
	if _, set := os.LookupEnv("AWS_RESPONSE_CHECKSUM_VALIDATION"); !set {
		os.Setenv("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")
	}
}

// s3EnvMu serialises handing S3_* credentials to the SDK's variables.
var s3EnvMu sync.Mutex

// openS3 opens an s3:// bucket URL with the S3_* variables below the
// URL's own parameters.
func openS3(ctx context.Context, bucketURL string) (*blob.Bucket, error) {
	rest, query, _ := strings.Cut(bucketURL, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("bad query: %w", err)
	}
	S3Env(q)
	if q.Get("region") == "" && !sdkHasRegion() {
		return nil, fmt.Errorf("no region for %s: give ?region=, WITH (region = '...'), S3_REGION or AWS_REGION", redact(rest))
	}
	// A custom endpoint (MinIO, versitygw, ...) has no instance role to
	// fall back on: without credentials the SDK would probe the EC2
	// metadata service and fail with its own words.
	if q.Get("endpoint") != "" && q.Get("profile") == "" && !sdkHasCredentials() {
		return nil, fmt.Errorf("no credentials for %s at %s: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or name a profile (?profile=, WITH (credentials = 'PROFILE'))", redact(rest), redact(q.Get("endpoint")))
	}
	u := rest
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return blob.OpenBucket(ctx, u)
}

// S3Env adds the S3_* variables' settings to an s3:// URL's query q,
// below the parameters q has, and hands S3_* credentials to the SDK.
func S3Env(q url.Values) {
	if ep := os.Getenv("S3_ENDPOINT"); ep != "" && q.Get("endpoint") == "" {
		if !strings.Contains(ep, "://") {
			scheme := "https://"
			switch strings.ToLower(os.Getenv("S3_USE_SSL")) {
			case "false", "0", "no", "off":
				scheme = "http://"
			}
			ep = scheme + ep
		}
		q.Set("endpoint", ep)
	}
	if q.Get("endpoint") != "" && q.Get("use_path_style") == "" {
		switch strings.ToLower(os.Getenv("S3_URL_STYLE")) {
		case "vhost", "virtual", "virtual_host", "virtual-hosted":
		default:
			q.Set("use_path_style", "true")
		}
	}
	setParam(q, "region", os.Getenv("S3_REGION"))
	id, secret := os.Getenv("S3_ACCESS_KEY_ID"), os.Getenv("S3_SECRET_ACCESS_KEY")
	if id != "" && secret != "" {
		s3EnvMu.Lock()
		os.Setenv("AWS_ACCESS_KEY_ID", id)
		os.Setenv("AWS_SECRET_ACCESS_KEY", secret)
		if tok := os.Getenv("S3_SESSION_TOKEN"); tok != "" {
			os.Setenv("AWS_SESSION_TOKEN", tok)
		}
		s3EnvMu.Unlock()
	}
}

// sdkHasRegion reports whether the AWS SDK can find a region of its own:
// AWS_REGION, AWS_DEFAULT_REGION, or a region line in the shared config
// file. Without one it would fail later with "the region "" is wrong".
func sdkHasRegion() bool {
	if os.Getenv("AWS_REGION") != "" || os.Getenv("AWS_DEFAULT_REGION") != "" {
		return true
	}
	cfg := os.Getenv("AWS_CONFIG_FILE")
	if cfg == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return false
		}
		cfg = home + "/.aws/config"
	}
	b, err := os.ReadFile(cfg)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, _, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "region" {
			return true
		}
	}
	return false
}

// sdkHasCredentials reports whether the AWS SDK has credentials to find
// other than an instance role: the variables, a profile, web identity or
// container credentials, or a shared credentials or config file that
// holds keys, a role, SSO or a credential process.
func sdkHasCredentials() bool {
	if os.Getenv("AWS_ACCESS_KEY_ID") != "" && os.Getenv("AWS_SECRET_ACCESS_KEY") != "" {
		return true
	}
	for _, v := range []string{"AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		if os.Getenv(v) != "" {
			return true
		}
	}
	home, _ := os.UserHomeDir()
	files := map[string]string{"AWS_SHARED_CREDENTIALS_FILE": home + "/.aws/credentials", "AWS_CONFIG_FILE": home + "/.aws/config"}
	for env, def := range files {
		name := os.Getenv(env)
		if name == "" {
			name = def
		}
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			k, _, ok := strings.Cut(line, "=")
			switch k = strings.TrimSpace(k); {
			case !ok:
			case k == "aws_access_key_id", k == "role_arn", k == "credential_process", k == "credential_source", strings.HasPrefix(k, "sso_"):
				return true
			}
		}
	}
	return false
}
