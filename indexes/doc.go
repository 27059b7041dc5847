// Package indexes owns lakelink's vector indexes between the algorithms
// (vectorops) and the store, which only keeps bytes: their kinds, their
// stored form, and their lifecycle.
//
// Kinds register themselves (Register; kinds.go holds flat, hnsw, ivfpq
// and auto) with their options declared once; Check validates a
// declaration against them.
//
// A table's index (store.IndexDef, made by NewDef) is a list of segments,
// one per commit that wrote rows of the table (or rebuilt the index). A
// segment is a list of parts; a part is one structure of the index's kind
// over at most a segment's worth of rows (SegmentRows), with, per entry,
// the row's primary key and version. Parts are built in the workers of an
// import (sinks.BuildIndexes stages them, Staged) or in the committing
// process (Builder). Commit stores a commit's segment, from the workers'
// parts where they built them; Compact replaces an index's segments by
// one once there are more than MaxSegments.
//
// Search reads every part of every segment at its commit (LoadParts keeps
// decoded segments cached), keeping an entry only while its row's version
// is the entry's, so a rewritten or deleted row is never found through an
// old segment, in keyed and keyless tables alike (a keyless table's rows
// are keyed by their row id).
package indexes
