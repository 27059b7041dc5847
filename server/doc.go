// Package server is lakelink's PostgreSQL wire-protocol front end: `lakelink
// serve` owns a store, and psql, pgx, psycopg or any Postgres driver
// query it.
//
// One goroutine serves each connection through an explicit state machine
// (conn.go): startup (SSL refused, no password on loopback), then the
// simple query protocol, each statement of a script answered with a row
// description and data rows in text format, or a command tag, and errors
// with a SQLSTATE code and the statement position lakelink's errors
// carry. The protocol codec is pgx's pgproto3. Each connection has its
// own engine.Session, so SET lasts for the connection.
//
// This is the first part of issue 26. Not built yet: the extended query
// protocol, CancelRequest, statements running concurrently (they run one
// at a time, in arrival order, so each reads the head as the last commit
// left it), users and passwords, TLS, and the command line talking to a
// running server.
package server
