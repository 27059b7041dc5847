package history

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/store"
)

// Revert makes a commit that undoes the row changes of the commit ref
// names (a commit number, tag or time; store.Commit.Revert says what it
// refuses). The rows it writes back are indexed in the same commit, so
// vector searches at the new head find them as before the reverted
// commit. author names who reverts (Author). It returns the new commit
// and what it did.
func Revert(ctx context.Context, st *store.Store, author, ref string) (commit uint64, message string, err error) {
	ts, err := Resolve(st, ref)
	if err != nil {
		return 0, "", fmt.Errorf("revert %s: %w", ref, err)
	}
	ci, err := st.Commit(ts)
	if err != nil {
		return 0, "", fmt.Errorf("revert %s: %w", ref, err)
	}
	if by, err := revertedBy(st, ts); err != nil {
		return 0, "", err
	} else if by != 0 {
		return 0, "", fmt.Errorf("revert %s: commit %d (%s) is already reverted, by commit %d (lakelink revert %d undoes that revert)", ref, ts, ci.Message, by, by)
	}
	c, err := st.Begin(fmt.Sprintf("REVERT commit %d (%s)", ts, ci.Message))
	if err != nil {
		return 0, "", err
	}
	c.SetAuthor(Author(author))
	c.SetStatement("lakelink revert " + ref)
	parts, err := revertIn(ctx, c, ts)
	if err != nil {
		c.Abort()
		return 0, "", err
	}
	message = fmt.Sprintf("reverted commit %d (%s) in commit %d: %s", ts, ci.Message, c.TS(), strings.Join(parts, "; "))
	if commit, err = c.Finish(); err != nil {
		return 0, "", err
	}
	return commit, message, nil
}

// revertIn undoes commit ts's row changes in c and indexes the rows it
// writes back; it returns, per table, what it did.
func revertIn(ctx context.Context, c *store.Commit, ts uint64) ([]string, error) {
	changes, err := c.Revert(ts)
	if err != nil {
		return nil, err
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
			return nil, err
		}
		if _, err := indexes.Commit(ctx, nil, c, t, nil, nil); err != nil {
			return nil, fmt.Errorf("revert %d: indexing the rows of %s: %w", ts, name, err)
		}
		ch := changes[name]
		parts = append(parts, fmt.Sprintf("%s: %d put back, %d restored, %d deleted", name, ch.Inserted, ch.Updated, ch.Deleted))
	}
	return parts, nil
}

// revertedBy returns the commit that reverted commit ts and stands (no
// later commit reverted it in turn), or 0.
func revertedBy(st *store.Store, ts uint64) (uint64, error) {
	all, err := st.Commits()
	if err != nil {
		return 0, err
	}
	reverts := map[uint64]uint64{} // commit -> the latest commit that reverted it
	for _, ci := range all {
		var target uint64
		if _, err := fmt.Sscanf(ci.Message, "REVERT commit %d (", &target); err == nil && ci.TS > target {
			reverts[target] = max(reverts[target], ci.TS)
		}
	}
	by := reverts[ts]
	if by != 0 && reverts[by] > by {
		return 0, nil // the revert was reverted: the rows are as ts made them
	}
	return by, nil
}
