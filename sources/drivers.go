package sources

// The object-store drivers lakelink reads from: s3://, gs:// and azblob://
// URLs open through gocloud.dev/blob's URL openers. file:// and mem:// are
// handled in this package.
import (
	"os"

	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/gcsblob"
	_ "gocloud.dev/blob/s3blob"
)

func init() {
	// The AWS SDK validates response checksums "when supported", and logs a
	// warning for every whole-object read from a server that sends none
	// (S3-compatible stores often do not). Validate when the request asks
	// for it, unless the user chose otherwise.
	if _, set := os.LookupEnv("AWS_RESPONSE_CHECKSUM_VALIDATION"); !set {
		os.Setenv("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")
	}
}
