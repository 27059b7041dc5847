// Package ailk reads and writes AILK sections: vector indexes embedded in
// Parquet files that stay readable by any Parquet reader, laid out as the
// AI-Lake file format v1 defines them.
//
// A file with sections is laid out as
//
//	PAR1 · row groups (and page indexes) · AILK section per vector column · footer · len · PAR1
//
// The footer's key-value metadata points at the sections:
// "ailake.footer_offset" is the absolute offset of the primary (first)
// column's section header, "ailake.<c>.footer_offset" that of each further
// column c. Parquet readers follow the footer's own offsets, which the
// sections never move, so they read the rows as if the sections were not
// there.
//
// A section is
//
//	header   64 bytes (layout in section.go)
//	centroid dim float32s (the vectors' mean), then the radius (float32)
//	index    the index blob: lakelink's own HNSW or IVF-PQ encoding
//	         (vectorops MarshalBinary), or none for a flat section
//	trailer  24 bytes: header offset (u64), section length (u64),
//	         format_version (u16), flags (u16), "AILK"
//
// The centroid and radius bound every vector of the column in the file
// (radius: the largest distance from the centroid under the metric), so a
// search over many files skips those that cannot hold a better result
// without reading their index (Info.Bound). Index labels are row ordinals
// within the file; rows with a NULL vector have no entry.
//
// The format does not define the blob's encoding for lakelink's indexes,
// nor checksums: the footer key "lakelink.ailk.<c>" names the encoding,
// the vectors indexed and CRC-32C checksums (Encoding). A section without
// it, or with an encoding this build does not know, is Foreign: pruned by
// its bound, searched by a scan. Files lakelink wrote before following
// the format still read (legacy.go).
package ailk
