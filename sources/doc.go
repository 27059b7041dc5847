// Package sources holds the Beam transforms that read: Read, over objects
// of any registered format, and ReadSnapshot, over a table of the store.
//
// Read matches what paths, globs and bucket URLs name (package objstore:
// a deterministic order, a page of names at a time), keeps the objects
// whose Hive partition values the filter does not rule out (KeepObject),
// asks each object's format for its splits (for Parquet one per row group
// its statistics do not rule out; io/parquetio) and reads them, with
// reshuffles between the steps so that a runner spreads the work. Records
// a format cannot make rows of go to a rejected output.
//
// ReadSnapshot is the source of exports: it reads a table of the store at
// one commit in key ranges, one per element, from the store itself when
// the workers share the launcher's process (ShareStore), or from ranges
// the launcher staged (StageSnapshot) when they do not.
package sources
