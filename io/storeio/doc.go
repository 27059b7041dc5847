// Package storeio is the store as a Beam IO: Read reads a table at one
// commit, and Write with Commit puts batches into a table as one commit.
//
// Read (ReadOptions) is the source of exports: key ranges of a table at a
// commit, one per element, read from the store itself when the workers
// share the launcher's process (ShareStore), or from ranges the launcher
// staged (StageSnapshot) when they do not.
//
// Writing is stage-then-commit. A Target says what is written and how:
// pipeline.Prepare makes one for COPY, and Open makes one for batches a
// program makes itself. Write stages the batches in the pipeline, in the
// workers: row segments named after each batch's origin, the workers'
// index parts beside them, and a manifest. Once the pipeline has run,
// Commit, in the launching process, takes the manifest in input order
// into one commit with everything COPY's commit has: the mode (append,
// upsert, update), key adoption, graph endpoint checks (EdgeHook), the
// error table, index segments and the job record. A job that fails or is
// cancelled before Commit finishes leaves the store as it was; Close (or
// sinks.Cleanup) removes its staging.
//
// A job publishes its progress (Tracker): its status file, which
// lakelink_import_status and `lakelink status` read, shows it running
// with the rows staged so far, then committed or failed. Open starts the
// tracking and Commit, Fail or Close ends it. pipeline.RunComposed runs
// such a job around a program's own steps; a program that runs its own
// pipeline calls Write, runs it, and calls Commit (or Fail) and Close
// (see ExampleWrite).
package storeio
