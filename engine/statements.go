package engine

import (
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/pipeline"
)

// CreateTable is CREATE TABLE bound: the schema typed.
type CreateTable struct {
	Name        string
	Schema      lake.Schema
	IfNotExists bool
}

// Copy is an import statement bound: COPY FROM ... INTO t with its
// options typed.
type Copy struct{ Import pipeline.Import }

// AlterTable is ALTER TABLE name ADD [COLUMN] col TYPE [NOT NULL]
// [DEFAULT v], DROP [COLUMN] [IF EXISTS] col, or RENAME [COLUMN] a TO b,
// with the added column typed.
type AlterTable struct {
	Name     string
	Action   string      // "add", "drop" or "rename"
	Column   lake.Column // the column to add
	Target   string      // the column to drop or rename
	NewName  string      // rename's new name
	IfExists bool        // DROP COLUMN IF EXISTS
}

// CreateIndex is CREATE INDEX [name] ON table USING hnsw|ivfpq|flat|auto
// (column) [WITH (metric = 'cosine'|'l2'|'ip', options...)]: for hnsw m,
// ef_construction, ef_search; for ivfpq nlist, m, nbits, nprobe, rerank;
// for auto both, prefixed hnsw_ and ivf_.
type CreateIndex struct {
	IfNotExists                       bool
	Name, Table, Column, Type, Metric string
	Options                           map[string]int
}

// reference is a column's REFERENCES table(column).
type reference struct{ Column, Table, RefColumn string }
