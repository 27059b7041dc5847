// Package sources holds Read, the Beam transform that reads objects of
// any registered format (a table of the store is read by io/storeio).
//
// Read matches what paths, globs and bucket URLs name (package objstore:
// a deterministic order, a page of names at a time), keeps the objects
// whose Hive partition values the filter does not rule out (KeepObject),
// asks each object's format for its splits (for Parquet one per row group
// its statistics do not rule out; io/parquetio) and reads them, with
// reshuffles between the steps so that a runner spreads the work. Records
// a format cannot make rows of go to a rejected output.
package sources
