package tiering

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// Found is a row a search found in a cold file, with its distance to the
// query (smaller nearer, by the search's metric).
type Found struct {
	Row  store.Row
	Dist float32
}

// SearchStats say how a search went through the cold files.
type SearchStats struct {
	Files, Searched, Scanned, Pruned int
}

func (s SearchStats) String() string {
	return fmt.Sprintf("cold: %d file(s): %d searched through their AILK index, %d scanned, %d skipped by centroid and radius",
		s.Files, s.Searched, s.Scanned, s.Pruned)
}

// Search finds the k rows of the cold files nearest to q in column by
// metric. Files are visited best bound first; a file whose section's
// centroid and radius (from the catalog, without opening it) cannot hold
// a row nearer than the k-th found so far, or than worst (the k-th
// distance the store's own search found; +Inf for none), is skipped.
// With exact, every file not skipped is scanned in full, so the result
// is exact; otherwise a file with a section is searched through its
// index with the search setting of the section's kind (params,
// indexes.SearchParams.For).
func (t *Table) Search(ctx context.Context, column string, q []float32, metric vectorops.Metric, k int, worst float32,
	exact bool, params func(kind string) int) ([]Found, SearchStats, error) {
	st := SearchStats{Files: len(t.Files)}
	c := t.Info.Schema.Index(column)
	if c < 0 || k <= 0 || len(t.Files) == 0 {
		return nil, st, nil
	}
	dim := t.Info.Schema.Columns[c].Type.Dim
	type cand struct {
		f     store.ColdFile
		bound float32
		sec   bool
	}
	files := make([]cand, 0, len(t.Files))
	for _, f := range t.Files {
		cf := cand{f: f, bound: float32(math.Inf(-1))}
		if s, ok := f.Section(column); ok && s.Dim == dim && strings.EqualFold(s.Metric, ailk.MetricName(metric)) {
			cf.bound = ailk.Info{Metric: metric, Dim: s.Dim, Centroid: s.Centroid, Radius: s.Radius}.Bound(q)
			cf.sec = true
		}
		files = append(files, cf)
	}
	sort.SliceStable(files, func(a, b int) bool { return files[a].bound < files[b].bound })
	type hit struct {
		file int
		ord  int64
		dist float32
	}
	var top []hit
	kth := func() float32 {
		if len(top) < k {
			return worst
		}
		return min(top[k-1].dist, worst)
	}
	for i, cf := range files {
		if cf.sec && cf.bound > kth() {
			st.Pruned++
			continue
		}
		res, searched, err := t.searchFile(ctx, cf.f, column, q, metric, dim, k, exact, params)
		if err != nil {
			return nil, st, err
		}
		if searched {
			st.Searched++
		} else {
			st.Scanned++
		}
		for _, r := range res {
			top = append(top, hit{file: i, ord: int64(r.Label), dist: r.Distance})
		}
		sort.Slice(top, func(a, b int) bool {
			if top[a].dist != top[b].dist {
				return top[a].dist < top[b].dist
			}
			if top[a].file != top[b].file {
				return top[a].file < top[b].file
			}
			return top[a].ord < top[b].ord
		})
		if len(top) > k {
			top = top[:k]
		}
	}
	want := map[int]map[int64]float32{}
	for _, h := range top {
		if want[h.file] == nil {
			want[h.file] = map[int64]float32{}
		}
		want[h.file][h.ord] = h.dist
	}
	var out []Found
	for i, cf := range files {
		if want[i] == nil {
			continue
		}
		ords := map[int64]bool{}
		for o := range want[i] {
			ords[o] = true
		}
		err := t.FileRows(ctx, cf.f, ords, func(ord int64, r store.Row) error {
			out = append(out, Found{Row: r, Dist: want[i][ord]})
			return nil
		})
		if err != nil {
			return nil, st, err
		}
	}
	return out, st, nil
}

// searchFile finds the k nearest rows of one file: through its AILK
// section unless exact, else by scanning its vectors.
func (t *Table) searchFile(ctx context.Context, f store.ColdFile, column string, q []float32, metric vectorops.Metric, dim, k int,
	exact bool, params func(kind string) int) ([]vectorops.Result, bool, error) {
	pf, err := t.Cache.Open(ctx, f)
	if err != nil {
		return nil, false, err
	}
	defer pf.Close()
	name := fileColumn(pf, f, t.Info.Schema, column)
	if name == "" {
		return nil, false, nil // written before the column was added: all NULL
	}
	if !exact {
		secs, _ := ailk.Sections(pf, pf.Size())
		for _, s := range secs {
			if !strings.EqualFold(s.Column, name) || s.Metric != metric || s.Dim != dim || s.Kind == ailk.Flat {
				continue
			}
			idx, err := ailk.Index(pf, s)
			if err != nil {
				break // a damaged index: scan
			}
			p := 0
			if params != nil {
				p = params(s.Kind.String())
			}
			res, err := idx.Search(q, k, p, nil)
			if err != nil {
				return nil, false, fmt.Errorf("cold file %s: %w", pf.Object.Name, err)
			}
			return res, true, nil
		}
	}
	labels, vecs, err := parquetio.FileVectors(pf.Parquet(), name)
	if err != nil {
		return nil, false, fmt.Errorf("cold file %s: %w", pf.Object.Name, err)
	}
	flat := vectorops.NewFlat(dim, metric)
	for j, v := range vecs {
		if len(v) == dim {
			_ = flat.Add(labels[j], v)
		}
	}
	res, err := flat.Search(q, k, nil)
	if err != nil {
		return nil, false, fmt.Errorf("cold file %s: %w", pf.Object.Name, err)
	}
	return res, false, nil
}

// fileColumn is the name, in the file, of a column of the schema.
func fileColumn(pf *parquetio.File, f store.ColdFile, schema lake.Schema, column string) string {
	r, err := newReader(pf, f, schema)
	if err != nil {
		return ""
	}
	return r.names[schema.Index(column)]
}

// Distance is the distance by metric between two vectors of one
// dimension, as the indexes and the cold search measure it (smaller
// nearer): what the store's own k-th result is compared with.
func Distance(metric vectorops.Metric, q, v []float32) float32 {
	if len(v) != len(q) {
		return float32(math.Inf(1))
	}
	flat := vectorops.NewFlat(len(q), metric)
	if flat.Add(0, v) != nil {
		return float32(math.Inf(1))
	}
	res, err := flat.Search(q, 1, nil)
	if err != nil || len(res) == 0 {
		return float32(math.Inf(1))
	}
	return res[0].Distance
}
