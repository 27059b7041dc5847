// Package store is lakelink's embedded indexed store: a Badger directory in
// managed mode holding the catalog (tables and their schemas), rows by primary
// key, commits, job records and per-job error tables.
//
// Every change is one commit. A commit writes all its keys at one Badger
// timestamp and becomes visible only when the head key moves to that
// timestamp, which is written last. Readers read at the head, or at any past
// commit (time travel). Keys at a timestamp above the head are invisible; if a
// process dies mid-commit, the next Open or Begin rolls those keys back to
// their value at the head before anything else is written. Commit.Abort
// does the same in the background, holding the commit lock, so that
// abandoning a large commit returns at once (Close stops that rollback and
// the next Open finishes it).
//
// A table made without a primary key keeps its rows under hidden row ids
// (commit timestamp, ordinal). Commit.AdoptKey gives it one in a commit:
// the table gets a new id and its rows move under their keys, so earlier
// commits still read the old rows (adopt.go).
//
// History is first-class: tags name commits (tag.go), Diff compares two
// commits, Commit.Revert undoes one commit's row changes in a new one,
// and GC collects the versions that only old, untagged commits read,
// behind a persisted retention point: reading a collected commit is
// ErrCollected (retention.go, gc.go). Backup and Restore stream every
// version, deletions included (versions.go); an encrypted store's backups
// are encrypted too.
//
// Only one process may open a store; a second gets ErrInUse, which names
// the holder from the holder file (holder.go). Within that process any
// number of statements may read and write at once; each reads at the head
// it started with. GC alone needs the store to itself: statements hold a
// Use, and GC waits for them (gate.go).
//
//	st, err := store.Open("./lakelink-data")
//	if err != nil { ... }
//	defer st.Close()
//	n, err := st.Count("documents", st.Head())
package store
