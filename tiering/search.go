package tiering

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

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
	Files, Searched, Scanned int
	Pruned                   int // skipped by centroid and radius
	// Filtered: a WHERE chose the files by their statistics (Excluded
	// the others), and they were scanned.
	Filtered bool
	Excluded int
}

func (s SearchStats) String() string {
	if s.Filtered {
		return fmt.Sprintf("cold: %d file(s): %d scanned, %d ruled out by their statistics", s.Files, s.Scanned, s.Excluded)
	}
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
// section unless exact, else by scanning its vectors. The decoded index
// or the file's vectors stay in memory (indexCache), so that the next
// search of the file opens nothing.
func (t *Table) searchFile(ctx context.Context, f store.ColdFile, column string, q []float32, metric vectorops.Metric, dim, k int,
	exact bool, params func(kind string) int) ([]vectorops.Result, bool, error) {
	key := indexKey{file: f.SHA256 + "\x00" + f.Location + "\x00" + f.Path, column: strings.ToLower(column), metric: metric, exact: exact}
	idx, ok := decoded.get(key)
	if !ok {
		var err error
		if idx, err = t.loadIndex(ctx, f, column, metric, dim, exact); err != nil {
			return nil, false, err
		}
		decoded.put(key, idx)
	}
	if idx.search == nil {
		return nil, false, nil // written before the column was added: all NULL
	}
	p := 0
	if params != nil && idx.kind != "" {
		p = params(idx.kind)
	}
	res, err := idx.search(q, k, p)
	if err != nil {
		return nil, false, fmt.Errorf("cold file %s: %w", f.Path, err)
	}
	return res, idx.kind != "", nil
}

// loadIndex reads what searchFile searches a file with: its section's
// index (kind set), or its vectors in a flat index.
func (t *Table) loadIndex(ctx context.Context, f store.ColdFile, column string, metric vectorops.Metric, dim int, exact bool) (*fileIndex, error) {
	pf, err := t.Cache.Open(ctx, f, t.Key)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	name := fileColumn(pf, f, t.Info.Schema, column)
	if name == "" {
		return &fileIndex{}, nil
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
			return &fileIndex{kind: s.Kind.String(), bytes: int64(s.Records) * int64(dim*4+128),
				search: func(q []float32, k, p int) ([]vectorops.Result, error) { return idx.Search(q, k, p, nil) }}, nil
		}
	}
	labels, vecs, err := parquetio.FileVectors(pf.Parquet(), name)
	if err != nil {
		return nil, fmt.Errorf("cold file %s: %w", pf.Object.Name, err)
	}
	flat := vectorops.NewFlat(dim, metric)
	for j, v := range vecs {
		if len(v) == dim {
			_ = flat.Add(labels[j], v)
		}
	}
	return &fileIndex{bytes: int64(len(vecs)) * int64(dim*4+16),
		search: func(q []float32, k, _ int) ([]vectorops.Result, error) { return flat.Search(q, k, nil) }}, nil
}

// fileIndex is a cold file's column ready to search.
type fileIndex struct {
	kind   string // the section's kind; "" for a flat scan of the vectors
	bytes  int64  // about what it holds in memory
	search func(q []float32, k, param int) ([]vectorops.Result, error)
	used   uint64
}

type indexKey struct {
	file, column string
	metric       vectorops.Metric
	exact        bool
}

// indexCacheBytes bounds the decoded indexes kept in memory.
const indexCacheBytes = 512 << 20

// indexCache keeps the decoded indexes of cold files, the least recently
// used dropped beyond indexCacheBytes. Cold files never change, so an
// entry never goes stale.
type indexCache struct {
	mu    sync.Mutex
	m     map[indexKey]*fileIndex
	bytes int64
	tick  uint64
}

var decoded = &indexCache{m: map[indexKey]*fileIndex{}}

func (c *indexCache) get(k indexKey) (*fileIndex, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	x, ok := c.m[k]
	if ok {
		c.tick++
		x.used = c.tick
	}
	return x, ok
}

func (c *indexCache) put(k indexKey, x *fileIndex) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok || x.bytes > indexCacheBytes {
		return
	}
	for c.bytes+x.bytes > indexCacheBytes && len(c.m) > 0 {
		var oldest indexKey
		first := true
		for key, e := range c.m {
			if first || e.used < c.m[oldest].used {
				oldest, first = key, false
			}
		}
		c.bytes -= c.m[oldest].bytes
		delete(c.m, oldest)
	}
	c.tick++
	x.used = c.tick
	c.m[k] = x
	c.bytes += x.bytes
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
