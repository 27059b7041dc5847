// Package engine executes lakelink's statements. Package sql parses them;
// Parse here binds the nodes (types, options, column lists) and a Session
// runs them against a store:
//
//	CREATE TABLE [IF NOT EXISTS] t (col TYPE [NOT NULL] [PRIMARY KEY], ...)
//	DROP TABLE [IF EXISTS] t
//	COPY FROM 'url'[, ...] INTO t [(cols)] [MAP COLUMNS (src => dst[::TYPE], ...)] [WITH (k = v, ...)]
//	SELECT count(*) | * | cols FROM t [AT (TAG => 'x')] [WHERE ...] [ORDER BY ...] [LIMIT n]
//	DELETE FROM t [WHERE ...]
//	COPY t TO 'url' [WITH (...)]
//	SET name = value
//
// COPY runs through package pipeline; everything else runs here: SELECT
// with vector search through indexes (index.go), DELETE, DDL for tables,
// graphs and indexes, and the table functions (tablefunc.go), which
// register themselves: the graph traversals, diff, parquet_scan and the
// lakelink_* virtual tables.
//
// A Session also keeps the history: CreateTag, Diff, Revert (a commit
// that undoes another's row changes) and GC (retention: the versions only
// old, untagged commits read are collected).
//
// See ExampleSession_Exec.
package engine
