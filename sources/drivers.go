package sources

// The object-store drivers lakelink reads from: s3://, gs:// and azblob://
// URLs open through gocloud.dev/blob's URL openers. file:// and mem:// are
// handled in this package.
import (
	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/gcsblob"
	_ "gocloud.dev/blob/s3blob"
)
