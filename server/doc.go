// Package server is lakelink's PostgreSQL wire-protocol front end: `lakelink
// serve` owns a store, and psql, pgx, psycopg or any Postgres driver
// query it.
//
// One goroutine serves each connection through an explicit state machine
// (conn.go): startup (SSL refused, no password on loopback), then the
// simple query protocol (a script's statements answered in turn with a
// row description and text rows, or a command tag) and the extended one
// (Parse, Describe, Bind, Execute, Sync; parameters as text, results in
// text or binary, binary.go), errors with a SQLSTATE code and the
// statement position lakelink's errors carry, and CancelRequest by
// process id and secret. The protocol codec is pgx's pgproto3. Each
// connection has its own engine.Session, so SET lasts for the connection.
//
// This is the first part of issue 26. Not built yet: statements running
// concurrently (they run one at a time, in arrival order, so each reads
// the head as the last commit left it), users and passwords, TLS, and the
// command line talking to a running server.
package server
