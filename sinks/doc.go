// Package sinks writes batches into the store from any runner, in two
// phases (docs/design.md, "An import"):
//
//  1. Workers encode rows and write staged segments to a staging bucket.
//     A segment's name is a function of the job and of its batch's origin,
//     so a retried bundle rewrites the same object instead of adding one.
//  2. A final step gathers the segment descriptors into the job manifest.
//     The launcher, once the pipeline has finished, commits the manifest
//     into the store as one commit (Commit): exactly once, atomically, in
//     input order, so "last row wins" is the same on every runner.
//
// It also writes batches out to the lake: WriteFiles writes part files of
// any registered format with a writer (Parquet through io/parquetio's
// Writer, with AILK sections when asked; CSV; NDJSON), in Hive partitions
// and within file size limits; ListFiles gathers what was written for the
// launcher to publish (an export with deferred_index adds the sections
// after publishing them: pipeline.RunDeferredSections). An export
// pipeline is
//
//	batches := storeio.Read(s, snapshot)
//	files := sinks.WriteFiles(s, sinks.FileOptions{Bucket: dir, Prefix: "tmp", Schema: schema}, batches)
//	sinks.ListFiles(s, staging, job, files)
package sinks
