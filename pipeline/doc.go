// Package pipeline turns lakelink's specs into Beam pipelines and runs
// them: an Import (COPY FROM ... INTO) is planned against the store and its
// inputs (Prepare: everything that can fail before data moves), built into
// a Beam graph (Plan.Build: sources.Read → transforms.MapColumns →
// sinks.Stage), run on a runner, and committed into the store as one commit
// (Plan.Commit). It binds the statements that package sql parses (Parse)
// and holds the Session that executes them:
//
//	CREATE TABLE [IF NOT EXISTS] t (col TYPE [NOT NULL] [PRIMARY KEY], ...)
//	DROP TABLE [IF EXISTS] t
//	COPY FROM 'url'[, ...] INTO t [(cols)] [MAP COLUMNS (src => dst[::TYPE], ...)] [WITH (k = v, ...)]
//	SELECT count(*) | * | cols FROM t [AT (TAG => 'x')] [WHERE ...] [ORDER BY ...] [LIMIT n]
//	DELETE FROM t [WHERE ...]
//	COPY t TO 'url' [WITH (...)]
//	SET name = value
//
// A Session also keeps the history: CreateTag, Diff, Revert (a commit
// that undoes another's row changes) and GC (retention: the versions only
// old, untagged commits read are collected).
//
// See ExampleSession_Exec.
package pipeline
