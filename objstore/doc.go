// Package objstore reaches the places data lives: local folders and
// bucket URLs (file://, mem://, s3://, gs://, azblob://), the gocloud way.
// Both sides of lakelink use it: sources list and read objects, sinks
// write exports and staging.
//
// Each scheme is a file of its own that registers a Scheme: how COPY's
// connection options (WITH region, endpoint, credentials) become the
// bucket URL's query, and how such a URL opens (gocloud's URL opener
// unless the scheme needs its own, as gs:// with a credentials file
// does). Every registered scheme runs the conformance suite in
// objstoretest against a real location; conformance_test.go fails when
// one does not.
//
// Patterns resolves paths, globs (*, ?, [...], ** across folders) and
// prefixes ending in / to a bucket and a key pattern; List streams the
// matching objects in bytewise key order, a page at a time; Match holds
// them all. PartitionValues and InferPartitions read Hive-style folders
// (year=2024/month=03/). Destination resolves where an export writes.
//
// Invariants:
//
//   - A URL's query may carry credentials; no error or message shows it
//     (Redact), and Object.Name never holds it.
//
//   - Options never hold a secret, only where one lives (a profile, a
//     file path, an environment variable's name), so they travel to
//     worker processes in plain pipeline options.
//
//     objs, err := objstore.Match(ctx, "s3://lake/docs/year=2024/*.parquet?region=eu-west-1")
package objstore
