// Package tiering reads and manages the cold tier of tables: rows that a
// tiering move took out of the store and wrote as AI-Lake Parquet files
// under the table's cold location (ALTER TABLE ... SET (cold_storage =
// ...)), listed in the store's catalog (store.ColdFile) with their
// statistics.
//
// A Table is one table at one commit across both tiers. Its Count, Scan,
// Get, Digest and Search give what the same rows would give in the store
// alone: the store's rows first, then the rows of the listed files that
// the catalog's statistics do not rule out. A file that a predicate or a
// key excludes is never opened; a search skips files whose AILK centroid
// and radius cannot hold a better result than the k it has. Opened files
// are kept in a local cache of bounded size (Cache).
//
// Moves themselves are jobs (pipeline.RunTierMove): this package gives
// them what they share with readers: the files' layout (Folder), their
// description for the catalog (Describe), writing rows back out
// (WriteFile), and the sweep of files no kept commit lists (Sweep).
//
// The package sits above store and io/parquetio and links no Beam.
package tiering
