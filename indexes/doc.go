// Package indexes is the stored form of lakelink's vector indexes, between
// the algorithms (vectorops) and the store, which only keeps bytes.
//
// A table's index (store.IndexDef) is a list of segments, one per commit
// that wrote rows of the table (or rebuilt the index). A segment is a list
// of parts; a part is one HNSW or IVF-PQ index over at most a segment's
// worth of rows (SegmentRows), with, per entry, the row's primary key and
// version. Parts are built in the workers of an import (sinks.BuildIndexes
// stages them, Staged) or in the committing process (Builder), and a
// search reads every part of every segment at its commit, keeping an entry
// only while its row's version is the entry's.
package indexes
