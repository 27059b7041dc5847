package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lakelink/lakelink/history"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// Resolve returns the commit that ref names: a tag, else "head" (the
// newest commit), else a commit number, else a time (the newest commit
// at or before it). For `--at` on the command line; set Session.At to
// read there.
func (s *Session) Resolve(ref string) (uint64, error) { return history.Resolve(s.Store, ref) }

// author names who makes a change: Session.Author, else $LAKELINK_AUTHOR,
// else $USER.
func (s *Session) author() string { return history.Author(s.Author) }

// CreateTag tags a commit (0: the head), in a commit of its own.
func (s *Session) CreateTag(name string, commit uint64, message string) (store.Tag, error) {
	return history.CreateTag(s.Store, s.Author, name, commit, message)
}

// DeleteTag deletes a tag, in a commit of its own.
func (s *Session) DeleteTag(name string) error { return history.DeleteTag(s.Store, s.Author, name) }

// The virtual tables of tags and commits (package history makes their rows).
const (
	TagsTable    = history.TagsTable
	CommitsTable = history.CommitsTable
)

var errNoAt = errors.New("reads the present only")

// Log returns the commit log, newest first, as lakelink_commits rows;
// with table set, only the commits that touch it.
func (s *Session) Log(table string) (Result, error) {
	res := Result{}
	for _, c := range history.CommitsSchema.Columns {
		res.Columns, res.Types = append(res.Columns, c.Name), append(res.Types, c.Type)
	}
	err := history.Commits(s.Store, table, func(r store.Row) error {
		res.Rows = append([][]any{r}, res.Rows...)
		return nil
	})
	return res, err
}

// Revert makes a commit that undoes the row changes of the commit ref
// names (a commit number, tag or time; store.Commit.Revert says what it
// refuses). The rows it writes back are indexed in the same commit, so
// vector searches at the new head find them as before the reverted
// commit.
func (s *Session) Revert(ctx context.Context, ref string) (Result, error) {
	ts, msg, err := history.Revert(ctx, s.Store, s.Author, ref)
	if err != nil {
		return Result{}, err
	}
	return Result{Message: msg, Fields: []Field{{"commit", ts}}}, nil
}

// GC collects the versions that only commits older than keepDays days
// read, except the commits that tags name: every moment of the last
// keepDays days stays readable (store.GC). With dryRun it only lists the
// commits it would collect.
func (s *Session) GC(ctx context.Context, keepDays int, dryRun bool) (Result, error) {
	// The table folders to sweep, as they are before the gc forgets
	// files (tiering.Sweep deletes what no kept commit lists).
	prefixes, err := tiering.Prefixes(s.Store)
	if err != nil {
		return Result{}, err
	}
	r, err := history.GC(ctx, s.Store, s.Author, keepDays, dryRun)
	if err != nil {
		return Result{}, err
	}
	cold := func(verb string, names []string) string {
		if len(names) == 0 {
			return ""
		}
		return fmt.Sprintf("; %s %d cold file(s): %s", verb, len(names), strings.Join(names, ", "))
	}
	if dryRun {
		list := make([]string, len(r.Collected))
		for i, ts := range r.Collected {
			list[i] = fmt.Sprint(ts)
		}
		msg := fmt.Sprintf("gc would keep commit %d on and %d tagged commit(s) before it %v, and collect %d commit(s)", r.Horizon, len(r.Kept), r.Kept, len(r.Collected))
		if len(list) > 0 {
			msg += ": " + strings.Join(list, ", ")
		}
		var names []string
		for _, f := range r.ColdDropped {
			if obj, err := tiering.Object(f); err == nil {
				names = append(names, obj.Name)
			}
		}
		return Result{Message: msg + cold("and delete", names)}, nil
	}
	swept, err := tiering.Sweep(ctx, s.Store, prefixes, false)
	if err != nil {
		return Result{}, fmt.Errorf("gc (commit %d) is done; deleting the cold files it freed failed (the next gc or move retries): %w", r.Commit, err)
	}
	return Result{Message: fmt.Sprintf("gc (commit %d): kept commit %d on and %d tagged commit(s) before it; collected %d commit(s); %d key version(s) dropped, %d kept; database %s -> %s",
		r.Commit, r.Horizon, len(r.Kept), len(r.Collected), r.VersionsDropped, r.VersionsKept, pipeline.HumanBytes(r.BytesBefore), pipeline.HumanBytes(r.BytesAfter)) + cold("deleted", swept)}, nil
}

// resolve returns the commit that a names.
func (s *Session) resolve(a AtRef) (uint64, error) { return history.ResolveAt(s.Store, a) }

// The history and maintenance statements (sql.CreateTag, DropTag,
// Revert, GC, Compact): what `lakelink tag`, `revert`, `gc` and
// `compact` run, here or through a server.
type (
	CreateTagStmt = sql.CreateTag
	DropTagStmt   = sql.DropTag
	RevertStmt    = sql.Revert
	GCStmt        = sql.GC
	CompactStmt   = sql.Compact
)

// maintenance runs a history or maintenance statement; ok is false for
// any other.
func (s *Session) maintenance(ctx context.Context, st Statement) (Result, bool, error) {
	switch x := st.(type) {
	case CreateTagStmt:
		t, err := s.CreateTag(x.Name, x.Commit, x.Message)
		if err != nil {
			return Result{}, true, err
		}
		return Result{Message: fmt.Sprintf("tag %s: commit %d", t.Name, t.Commit), Fields: []Field{{"tag", t.Name}, {"tagged", t.Commit}}}, true, nil
	case DropTagStmt:
		return Result{Message: "deleted tag " + x.Name}, true, s.DeleteTag(x.Name)
	case RevertStmt:
		r, err := s.Revert(ctx, x.Ref)
		return r, true, err
	case GCStmt:
		r, err := s.GC(ctx, x.KeepDays, x.DryRun)
		return r, true, err
	case CompactStmt:
		r, err := s.Compact(ctx, x.Table)
		return r, true, err
	}
	return Result{}, false, nil
}
