// Package lake is lakelink's shared vocabulary: the logical column types a
// table may declare (TEXT, BIGINT, VECTOR(n), ...), table schemas with their
// primary key, and Batch, the unit of data that every pipeline stage passes.
//
// A Batch is an Arrow record of up to a few thousand rows plus its provenance
// (source object, row group, first row). Provenance totally orders the input of
// a job, which is what makes imports deterministic and error reports precise.
// Logical types travel inside the record's schema as Arrow field metadata
// (key "lakelink.type"), so a Batch is self-describing across process
// boundaries.
package lake
