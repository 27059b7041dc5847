package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/store"
)

// Revert makes a commit that undoes the row changes of the commit ref
// names (a commit number, tag or time; store.Commit.Revert says what it
// refuses). The rows it writes back are indexed in the same commit, so
// vector searches at the new head find them as before the reverted
// commit.
func (s *Session) Revert(ctx context.Context, ref string) (Result, error) {
	ts, err := s.Resolve(ref)
	if err != nil {
		return Result{}, fmt.Errorf("revert %s: %w", ref, err)
	}
	ci, err := s.Store.Commit(ts)
	if err != nil {
		return Result{}, fmt.Errorf("revert %s: %w", ref, err)
	}
	return s.inCommit(fmt.Sprintf("REVERT commit %d (%s)", ts, ci.Message), func(c *store.Commit) (Result, error) {
		c.SetStatement("lakelink revert " + ref)
		changes, err := c.Revert(ts)
		if err != nil {
			return Result{}, err
		}
		names := make([]string, 0, len(changes))
		for name := range changes {
			names = append(names, name)
		}
		slices.Sort(names)
		var parts []string
		for _, name := range names {
			t, err := c.Table(name)
			if err != nil {
				return Result{}, err
			}
			if _, err := indexes.Commit(ctx, nil, c, t, nil, nil); err != nil {
				return Result{}, fmt.Errorf("revert %d: indexing the rows of %s: %w", ts, name, err)
			}
			ch := changes[name]
			parts = append(parts, fmt.Sprintf("%s: %d put back, %d restored, %d deleted", name, ch.Inserted, ch.Updated, ch.Deleted))
		}
		return Result{Message: fmt.Sprintf("reverted commit %d (%s) in commit %d: %s", ts, ci.Message, c.TS(), strings.Join(parts, "; "))}, nil
	})
}

// GC collects the versions that only commits older than keepDays days
// read, except the commits that tags name: every moment of the last
// keepDays days stays readable (store.GC). With dryRun it only lists the
// commits it would collect.
func (s *Session) GC(ctx context.Context, keepDays int, dryRun bool) (Result, error) {
	if keepDays < 0 {
		return Result{}, fmt.Errorf("gc: --keep-days %d: the days to keep are 0 or more", keepDays)
	}
	r, err := s.Store.GC(store.GCOptions{
		Before:    time.Now().UTC().AddDate(0, 0, -keepDays),
		Message:   fmt.Sprintf("gc: keep %d day(s) and tagged commits", keepDays),
		Author:    s.author(),
		Statement: fmt.Sprintf("lakelink gc --keep-days %d", keepDays),
		DryRun:    dryRun,
		Ctx:       ctx,
	})
	if err != nil {
		return Result{}, err
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
		return Result{Message: msg}, nil
	}
	return Result{Message: fmt.Sprintf("gc (commit %d): kept commit %d on and %d tagged commit(s) before it; collected %d commit(s); %d key version(s) dropped, %d kept; database %s -> %s",
		r.Commit, r.Horizon, len(r.Kept), len(r.Collected), r.VersionsDropped, r.VersionsKept, pipeline.HumanBytes(r.BytesBefore), pipeline.HumanBytes(r.BytesAfter))}, nil
}
