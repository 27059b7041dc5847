// Package server is lakelink's PostgreSQL wire-protocol front end: `lakelink
// serve` owns a store, and psql, pgx, psycopg or any Postgres driver
// query it.
//
// One goroutine serves each connection through an explicit state machine
// (conn.go): startup (TLS when configured; a SCRAM-SHA-256 password when
// users are; loopback only without users), then the
// simple query protocol (a script's statements answered in turn with a
// row description and text rows, or a command tag) and the extended one
// (Parse, Describe, Bind, Execute, Sync; parameters as text, results in
// text or binary, binary.go), errors with a SQLSTATE code and the
// statement position lakelink's errors carry, and CancelRequest by
// process id and secret. The protocol codec is pgx's pgproto3. Each
// connection has its own engine.Session, so SET lasts for the connection.
//
// Connections run their statements concurrently, each statement reading
// the head as it was when it started (store/doc.go); commits are
// serialised by the store, and GC waits for running statements
// (store/gate.go). With Users, clients authenticate with SCRAM-SHA-256
// (scram.go, users.go) and run with their role's engine.Access; with TLS,
// SSLRequest upgrades the connection. docs/server.md says what is built
// and what is not.
package server
