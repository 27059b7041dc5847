package objstore

import (
	"net/url"
	"os"

	_ "gocloud.dev/blob/s3blob" // gocloud's s3:// opener
)

// s3:// buckets, on AWS or any S3-compatible server, through gocloud's
// opener. WITH region, endpoint (path-style addressing with it) and
// credentials (an AWS profile name) become its query parameters.
func init() {
	Register(Scheme{Name: "s3", Shared: true, Options: func(o Options, q url.Values) error {
		setParam(q, "region", o.Region)
		setParam(q, "endpoint", o.Endpoint)
		if o.Endpoint != "" {
			setParam(q, "use_path_style", "true")
		}
		setParam(q, "profile", o.Credentials)
		return nil
	}})
	// The AWS SDK validates response checksums "when supported", and logs a
	// warning for every whole-object read from a server that sends none
	// (S3-compatible stores often do not). Validate when the request asks
	// for it, unless the user chose otherwise.
	if _, set := os.LookupEnv("AWS_RESPONSE_CHECKSUM_VALIDATION"); !set {
		os.Setenv("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")
	}
}
