// Package blobtest runs real object-store servers for tests, on 127.0.0.1
// only, each for the length of one test and stopped by its PID when the
// test ends: versitygw for s3://. The servers are installed by
// `make emulators-install` (pinned versions, into .cache/bin); a test whose
// server is not installed is skipped with a message saying so.
//
//	srv := blobtest.StartS3(t)
//	srv.CreateBucket(t, "lake")
//	url := srv.URL("lake", "docs/*.parquet") // s3://lake/docs/*.parquet?endpoint=...
package blobtest
