// Package history is lakelink's history over a store: naming commits
// (Resolve: a tag, "head", a commit number or a time; ResolveAt for an AT
// clause), tags (CreateTag, DeleteTag, Tags), the commit log (Commits),
// differences between two commits (Diff), undoing a commit (Revert, which
// indexes the rows it writes back) and retention (GC).
//
// It links no Beam: a program that only reads and tags a store needs none.
// Package engine's Session runs these for statements and the command, and
// the lakelink_tags and lakelink_commits tables and diff(...) read their
// rows from here.
package history
