package objstore

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
