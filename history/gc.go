package history

import (
	"context"
	"fmt"
	"time"

	"github.com/lakelink/lakelink/store"
)

// GC collects the versions that only commits older than keepDays days
// read, except the commits that tags name: every moment of the last
// keepDays days stays readable (store.GC). With dryRun it only lists the
// commits it would collect. author names who collects (Author).
func GC(ctx context.Context, st *store.Store, author string, keepDays int, dryRun bool) (store.GCResult, error) {
	if keepDays < 0 {
		return store.GCResult{}, fmt.Errorf("gc: --keep-days %d: the days to keep are 0 or more", keepDays)
	}
	return st.GC(store.GCOptions{
		Before:    time.Now().UTC().AddDate(0, 0, -keepDays),
		Message:   fmt.Sprintf("gc: keep %d day(s) and tagged commits", keepDays),
		Author:    Author(author),
		Statement: fmt.Sprintf("lakelink gc --keep-days %d", keepDays),
		DryRun:    dryRun,
		Ctx:       ctx,
	})
}
