// Package ailk reads and writes AILK sections: vector indexes embedded in
// Parquet files that stay readable by any Parquet reader (the AI-Lake file
// layout).
//
// A file with sections is laid out as
//
//	PAR1 · row groups (and page indexes) · AILK section per vector column · footer · len · PAR1
//
// The footer's key-value metadata points at the sections: for each indexed
// column c, "ailake.<c>.footer_offset" is the absolute offset of its
// section's trailer, and "ailake.footer_offset" is the offset where the
// sections end and the Parquet footer begins. Parquet readers follow the
// footer's own offsets, which the sections never move, so they read the
// rows as if the sections were not there.
//
// A section is
//
//	header   64 bytes (layout in section.go)
//	centroid dim float32s, then the radius (float32), then CRC-32C of both
//	index    the index blob: lakelink's own HNSW or IVF-PQ encoding
//	         (vectorops MarshalBinary), or none for a flat section
//	trailer  24 bytes: section start (u64), section length (u64),
//	         CRC-32C of the index blob (u32), "KLIA"
//
// The centroid and radius bound every vector of the column in the file:
// each is within Radius (Euclidean) of Centroid, vectors taken normalised
// for the cosine metric. A search over many files uses that bound to skip
// files that cannot hold a better result without reading their index.
// Index labels are row ordinals within the file; rows with a NULL vector
// have no entry.
//
// The index blob is lakelink's encoding, named in the header's kind byte;
// it makes no claim of byte compatibility with other implementations.
package ailk
