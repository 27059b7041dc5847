// Package pipeline turns imports and exports into Beam pipelines and runs
// them. An Import (what COPY FROM ... INTO binds to) is planned against
// the store and its inputs (Prepare: everything that can fail before data
// moves), built into a Beam graph (Plan.Build: sources.Read →
// transforms.MapColumns → sinks.Stage), run on a runner, and committed
// into the store as one commit (Plan.Commit), with its index parts, graph
// endpoint checks, error table, job record and progress. RunComposed lets
// a Go program put steps of its own into that graph and keep the rest.
//
// An Export (COPY t TO) reads a snapshot and writes files in any format
// that has a writer, with dataset versions and audit records.
//
// The options of both are declared once (options.go): the declarations
// check values, suggest names and make the docs' option tables. The
// statements themselves are parsed by package sql and bound and run by
// package engine.
//
// See ExampleRunComposed.
package pipeline
