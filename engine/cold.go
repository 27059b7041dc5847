package engine

import (
	"context"
	"math"
	"sort"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
	"github.com/lakelink/lakelink/vectorops"
)

// coldFound is what a table's cold files add to a search that the
// store's index d answered with hot: rows of the cold files that may rank
// among the k best. Files are skipped when their catalog centroid and
// radius cannot beat the k-th hot result. Without WHERE the others are
// searched through their AILK sections (scanned in full where the index
// is exact, flat); with WHERE, the files its statistics admit are
// scanned and filtered, which is exact. It returns the rows and the
// plan's words for them.
func coldFound(ctx context.Context, tbl *tiering.Table, d store.IndexDef, sc scorer, hot []store.Row, k int,
	sp indexes.SearchParams, prune *filter.Expr, match func(store.Row) bool) ([]store.Row, string, error) {
	if tbl == nil || len(tbl.Files) == 0 {
		return nil, "", nil
	}
	m, err := vectorops.ParseMetric(d.Metric)
	if err != nil {
		return nil, "", err
	}
	dist := func(r store.Row) float32 {
		v, ok := r[sc.col].([]float32)
		if !ok {
			return float32(math.Inf(1))
		}
		return tiering.Distance(m, sc.query, v)
	}
	if match != nil {
		// Filtered: the admitted files' matching rows, the k nearest kept.
		type scored struct {
			row  store.Row
			dist float32
		}
		var best []scored
		trim := func() {
			sort.SliceStable(best, func(a, b int) bool { return best[a].dist < best[b].dist })
			if len(best) > k {
				best = best[:k]
			}
		}
		files := tbl.Prune(prune)
		err := tbl.ScanCold(ctx, files, func(r store.Row) error {
			if match(r) {
				if best = append(best, scored{r, dist(r)}); len(best) >= 2*k+1024 {
					trim()
				}
			}
			return nil
		})
		if err != nil {
			return nil, "", err
		}
		trim()
		rows := make([]store.Row, len(best))
		for i, b := range best {
			rows[i] = b.row
		}
		return rows, tiering.SearchStats{Files: len(tbl.Files), Scanned: len(files), Filtered: true, Excluded: len(tbl.Files) - len(files)}.String(), nil
	}
	worst := float32(math.Inf(1))
	if len(hot) >= k {
		ds := make([]float32, len(hot))
		for i, r := range hot {
			ds[i] = dist(r)
		}
		sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
		worst = ds[k-1]
	}
	found, st, err := tbl.Search(ctx, d.Column, sc.query, m, k, worst, d.Type == "flat", sp.For)
	if err != nil {
		return nil, "", err
	}
	rows := make([]store.Row, len(found))
	for i, f := range found {
		rows[i] = f.Row
	}
	return rows, st.String(), nil
}
