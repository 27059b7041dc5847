package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops"
)

// IndexOptions are the options an index takes, as COPY ... WITH names
// them; CREATE INDEX ... USING hnsw|ivfpq also takes them without their
// prefix (m, ef_construction, nlist, nbits, ...).
// segment_rows (index_segment_rows in COPY) is the most rows one part of
// the index covers (indexes.SegmentRows).
var IndexOptions = []string{"hnsw_m", "hnsw_ef_construction", "hnsw_ef_search", "ivf_nlist", "ivf_m", "ivf_nbits", "ivf_nprobe", "ivf_rerank", "segment_rows"}

// newIndexDef checks an index declaration against the table.
func newIndexDef(t store.TableInfo, name, column, typ, metric string, opts map[string]int) (store.IndexDef, error) {
	i := t.Schema.Index(column)
	if i < 0 {
		return store.IndexDef{}, fmt.Errorf("table %s has no column %q", t.Name, column)
	}
	col := t.Schema.Columns[i]
	if col.Type.Kind != lake.KindVector {
		return store.IndexDef{}, fmt.Errorf("index on %s: column %s is %s; vector indexes need a VECTOR column", t.Name, col.Name, col.Type)
	}
	typ, metric, err := checkIndexSpec(typ, metric, opts)
	if err != nil {
		return store.IndexDef{}, err
	}
	if name == "" {
		name = strings.ToLower(strings.ReplaceAll(t.Name, ".", "_") + "_" + col.Name + "_idx")
	}
	if !lake.ValidName(name) {
		return store.IndexDef{}, fmt.Errorf("invalid index name %q", name)
	}
	if _, dup := t.Index(name); dup {
		return store.IndexDef{}, fmt.Errorf("table %s already has an index %s", t.Name, name)
	}
	return store.IndexDef{Name: name, Column: col.Name, Type: typ, Metric: metric, Options: opts}, nil
}

// checkIndexSpec checks an index's type, metric and options, and returns
// the type (default hnsw) and metric (default cosine) by their names.
func checkIndexSpec(typ, metric string, opts map[string]int) (string, string, error) {
	typ = strings.ToLower(typ)
	if typ == "" {
		typ = indexes.HNSW
	}
	if typ != indexes.HNSW && typ != indexes.IVFPQ && typ != indexes.Flat && typ != indexes.Auto {
		return "", "", fmt.Errorf("unknown index type %q (hnsw, ivfpq, flat, auto)", typ)
	}
	if metric == "" {
		metric = "cosine"
	}
	m, err := vectorops.ParseMetric(metric)
	if err != nil {
		return "", "", err
	}
	for k, v := range opts {
		if !contains(IndexOptions, k) {
			return "", "", unknownName("index option", k, IndexOptions)
		}
		limit := 1 << 16
		switch k {
		case "hnsw_m":
			limit = 256
		case "ivf_nbits":
			limit = 8
		case "ivf_nlist":
			limit = 1 << 20
		case "segment_rows":
			limit = 1 << 30
		}
		if v < 1 || v > limit || k == "hnsw_m" && v < 2 {
			return "", "", fmt.Errorf("index option %s = %d is out of range", k, v)
		}
	}
	return typ, m.String(), nil
}

// prefixOptions names CREATE INDEX's options as COPY does: m of an hnsw
// index is hnsw_m, of an ivfpq index ivf_m.
func prefixOptions(typ string, opts map[string]int) map[string]int {
	if len(opts) == 0 {
		return opts
	}
	out := map[string]int{}
	for k, v := range opts {
		switch {
		case strings.HasPrefix(k, "hnsw_") || strings.HasPrefix(k, "ivf_") || k == "segment_rows":
		case strings.EqualFold(typ, indexes.IVFPQ):
			k = "ivf_" + k
		default:
			k = "hnsw_" + k
		}
		out[k] = v
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// stagedParts returns the parts that the workers built for index d over
// the rows of this commit, resolved for it; ok is false when they built
// none for d as it is declared now, and the commit builds them itself.
type stagedParts func(d store.IndexDef) (parts [][]byte, ok bool, err error)

// indexCommit stores, for every structured index of the table, a segment
// over the rows that the commit wrote (from the workers' parts when staged
// has them), or over all rows for the indexes in fresh (declared by this
// commit). A commit that writes rows of an indexed table calls it before
// Finish. It reports, per index, the parts stored and who built them.
//
// ctx ends the builds it makes itself; counts, when not nil (an import's
// job), follows them.
func indexCommit(ctx context.Context, counts *progress.Counters, c *store.Commit, t store.TableInfo, fresh []store.IndexDef, staged stagedParts) ([]IndexBuild, error) {
	var out []IndexBuild
	var v *store.View
	defer func() {
		if v != nil {
			v.Close()
		}
	}()
	for _, d := range t.Indexes {
		if !indexes.Structured(d.Type) {
			continue
		}
		own := !slices.ContainsFunc(fresh, func(f store.IndexDef) bool { return f.Name == d.Name })
		var parts [][]byte
		built := false
		if own && staged != nil {
			var err error
			if parts, built, err = staged(d); err != nil {
				return nil, err
			}
		}
		if !built {
			if v == nil {
				var err error
				if v, err = c.View(); err != nil {
					return nil, err
				}
			}
			var err error
			parts, err = buildParts(ctx, counts, d, t.Schema, func(fn func(pk, value []byte, version uint64) error) error {
				return v.Rows(t, own, fn)
			})
			if err != nil {
				return nil, err
			}
		}
		out = append(out, IndexBuild{Index: d.Name, Parts: len(parts), ByWorkers: built})
		if len(parts) > 0 {
			if err := c.PutIndexSegment(t, d.Name, indexes.EncodeSegment(parts)); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// IndexBuild says how a commit indexed its rows: the parts it stored for
// an index, and whether the import's workers built them.
type IndexBuild struct {
	Index     string
	Parts     int
	ByWorkers bool
}

// buildParts indexes the vector column of the rows that rows yields, in
// parts of at most indexes.SegmentRows rows.
func buildParts(ctx context.Context, counts *progress.Counters, d store.IndexDef, schema lake.Schema, rows func(fn func(pk, value []byte, version uint64) error) error) ([][]byte, error) {
	b, err := indexes.NewBuilder(d, schema)
	if err != nil {
		return nil, err
	}
	if counts == nil {
		counts = &progress.Counters{}
	}
	limit := indexes.SegmentRows(d, schema.Columns[schema.Index(d.Column)].Type.Dim, 0)
	var parts [][]byte
	flush := func() error {
		counts.IndexTotal.Add(int64(b.Len()))
		part, err := b.BuildWith(vectorops.Build{Ctx: ctx, Done: &counts.IndexDone})
		if part != nil {
			parts = append(parts, part)
		}
		return err
	}
	err = rows(func(pk, value []byte, version uint64) error {
		if _, err := b.AddRow(pk, value, version); err != nil {
			return err
		}
		if b.Len() >= limit {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return parts, err
}

// segments caches decoded segments: decoding one is a copy of its
// vectors, and a segment never changes once committed.
var segments struct {
	sync.Mutex
	byKey map[segmentKey][]*indexes.Part
	order []segmentKey
}

type segmentKey struct {
	store *store.Store
	table uint32
	index string
	ts    uint64
}

const cachedSegments = 16

// loadParts returns the parts of every segment of the index at the view.
func loadParts(st *store.Store, v *store.View, t store.TableInfo, index string) ([]*indexes.Part, error) {
	stored, err := v.IndexSegments(t, index)
	if err != nil {
		return nil, err
	}
	segments.Lock()
	defer segments.Unlock()
	if segments.byKey == nil {
		segments.byKey = map[segmentKey][]*indexes.Part{}
	}
	var out []*indexes.Part
	for _, s := range stored {
		k := segmentKey{st, t.ID, strings.ToLower(index), s.TS}
		parts, ok := segments.byKey[k]
		if !ok {
			if parts, err = indexes.DecodeSegment(s.Data); err != nil {
				return nil, fmt.Errorf("index %s of table %s: segment of commit %d: %w", index, t.Name, s.TS, err)
			}
			segments.byKey[k] = parts
			segments.order = append(segments.order, k)
			if len(segments.order) > cachedSegments {
				delete(segments.byKey, segments.order[0])
				segments.order = segments.order[1:]
			}
		}
		out = append(out, parts...)
	}
	return out, nil
}

// indexFor returns the table's index that answers ORDER BY e in that
// direction: on its column, with a metric whose nearest-first order is
// the requested one; or, when there is none, the plan that says why.
func indexFor(t store.TableInfo, e *VectorExpr, desc bool) (store.IndexDef, string) {
	var others []string
	for _, d := range t.Indexes {
		if indexes.Structured(d.Type) && strings.EqualFold(d.Column, e.Column) {
			others = append(others, fmt.Sprintf("%s is %s", d.Name, d.Metric))
		}
	}
	if len(others) == 0 {
		return store.IndexDef{}, "scan"
	}
	metric, ok := nearestFirst(e, desc)
	if !ok {
		return store.IndexDef{}, "scan: an index finds nearest first, and this orders farthest first"
	}
	for _, d := range t.Indexes {
		if indexes.Structured(d.Type) && d.Metric == metric && strings.EqualFold(d.Column, e.Column) {
			return d, ""
		}
	}
	return store.IndexDef{}, fmt.Sprintf("scan: no %s index on %s (%s)", metric, e.Column, strings.Join(others, ", "))
}

// nearestFirst is the index metric whose nearest-first order is the
// comparison's order; false when it orders farthest first.
func nearestFirst(e *VectorExpr, desc bool) (string, bool) {
	switch {
	case e.Func == "cosine_distance" && !desc, e.Func == "cosine_similarity" && desc:
		return "cosine", true
	case e.Func == "l2_distance" && !desc:
		return "l2", true
	case e.Func == "negative_inner_product" && !desc, e.Func == "inner_product" && desc:
		return "ip", true
	}
	return "", false
}

// searchParams are the session's settings for index searches; 0 leaves
// the index's own.
type searchParams struct{ ef, nprobe int }

// searchIndex answers an ORDER BY comparison LIMIT k through an index: each
// segment is searched for k entries whose rows are current at the view's
// commit and pass the filter (match; nil for none); the rows found are
// returned for the caller to score exactly and rank. plan is "index
// NAME" when the rows answer the search, or says why the caller must scan
// instead: fewer than k found (a scan finds every match), or an auto
// index small enough to scan.
func searchIndex(st *store.Store, v *store.View, t store.TableInfo, d store.IndexDef, query []float32, k int, p searchParams,
	match func(store.Row) bool) (rows []store.Row, plan string, err error) {
	segs, err := loadParts(st, v, t, d.Name)
	if err != nil {
		return nil, "", err
	}
	entries := 0
	for _, seg := range segs {
		entries += len(seg.Keys)
	}
	if d.Type == indexes.Auto && entries <= indexes.AutoScanRows {
		return nil, fmt.Sprintf("scan: auto index %s holds %d vectors, at most %d scan", d.Name, entries, indexes.AutoScanRows), nil
	}
	if k >= entries {
		return nil, fmt.Sprintf("scan: LIMIT %d reaches every vector of index %s", k, d.Name), nil
	}
	// By primary key: whether the row is current and passes the filter,
	// and its decoded value. A row is current in at most one segment.
	type found struct {
		row  store.Row
		good bool
	}
	seen := map[string]found{}
	var fail error
	for _, seg := range segs {
		keep := func(label uint64) bool {
			pk := seg.Keys[label]
			if f, ok := seen[string(pk)]; ok {
				return f.good
			}
			value, version, exists, err := v.Row(t, pk)
			if err == nil && exists && version == seg.Versions[label] {
				var row store.Row
				if row, err = store.DecodeRow(t.Schema, value); err == nil {
					good := match == nil || match(row)
					seen[string(pk)] = found{row: row, good: good}
					return good
				}
			}
			if err != nil && fail == nil {
				fail = err
			}
			return false // rewritten or deleted since: a newer segment, or none, has it
		}
		param := p.ef
		if _, ivf := seg.Index.(*vectorops.IVFPQ); ivf {
			param = p.nprobe
		}
		if _, err := seg.Index.Search(query, k, param, keep); err != nil {
			return nil, "", err
		}
		if fail != nil {
			return nil, "", fail
		}
	}
	// In primary-key order, as a scan meets them: equal scores then rank
	// the same either way.
	keys := make([]string, 0, len(seen))
	for pk, f := range seen {
		if f.good {
			keys = append(keys, pk)
		}
	}
	slices.Sort(keys)
	for _, pk := range keys {
		rows = append(rows, seen[pk].row)
	}
	if len(rows) < k {
		return nil, fmt.Sprintf("scan: index %s found %d of %d rows", d.Name, len(rows), k), nil
	}
	return rows, "index " + d.Name, nil
}

// createIndex declares an index and builds it over the table's rows, in
// one commit.
func (s *Session) createIndex(ctx context.Context, ci CreateIndex) (Result, error) {
	return s.inCommit("CREATE INDEX ON "+ci.Table, func(c *store.Commit) (Result, error) { return createIndexIn(ctx, c, ci) })
}

func createIndexIn(ctx context.Context, c *store.Commit, ci CreateIndex) (Result, error) {
	ti, err := c.Table(ci.Table)
	if err != nil {
		return Result{}, err
	}
	d, err := newIndexDef(ti, ci.Name, ci.Column, ci.Type, ci.Metric, prefixOptions(ci.Type, ci.Options))
	if err != nil {
		return Result{}, fmt.Errorf("CREATE INDEX: %w", err)
	}
	if ti, err = c.SetIndexes(ti.Name, append(append([]store.IndexDef(nil), ti.Indexes...), d)); err != nil {
		return Result{}, err
	}
	if _, err := indexCommit(ctx, nil, c, ti, []store.IndexDef{d}, nil); err != nil {
		return Result{}, fmt.Errorf("CREATE INDEX %s: %w", d.Name, err)
	}
	return Result{Message: fmt.Sprintf("CREATE INDEX %s ON %s USING %s (%s) WITH (metric = '%s')", d.Name, ti.Name, d.Type, d.Column, d.Metric),
		Fields: []Field{{"index", d.Name}, {"table", ti.Name}}}, nil
}

// dropIndex removes an index and its segments in one commit; earlier
// commits keep them.
func (s *Session) dropIndex(di DropIndex) (Result, error) {
	tables, err := s.Store.Tables(s.Store.Head())
	if err != nil {
		return Result{}, err
	}
	for _, t := range tables {
		d, found := t.Index(di.Name)
		if !found {
			continue
		}
		return s.inCommit("DROP INDEX "+d.Name, func(c *store.Commit) (Result, error) {
			var rest []store.IndexDef
			for _, x := range t.Indexes {
				if x.Name != d.Name {
					rest = append(rest, x)
				}
			}
			if _, err := c.SetIndexes(t.Name, rest); err != nil {
				return Result{}, err
			}
			return Result{Message: "DROP INDEX " + d.Name, Fields: []Field{{"index", d.Name}, {"table", t.Name}}}, c.DropIndexSegments(t, d.Name)
		})
	}
	if di.IfExists {
		return Result{Message: fmt.Sprintf("index %s does not exist", di.Name)}, nil
	}
	return Result{}, fmt.Errorf("index %q does not exist", di.Name)
}

// maxSegments is how many segments an index may have before the commit
// that would add one more compacts it instead: one segment over all rows
// replaces them, so searches stay one graph walk per few imports.
const maxSegments = 8

// compactIndexes replaces the segments of every structured index of the
// table by one over its current rows, in commit c (which has written its
// own rows, if any).
func compactIndexes(ctx context.Context, counts *progress.Counters, c *store.Commit, t store.TableInfo) ([]IndexBuild, error) {
	var fresh []store.IndexDef
	for _, d := range t.Indexes {
		if !indexes.Structured(d.Type) {
			continue
		}
		if err := c.DropIndexSegments(t, d.Name); err != nil {
			return nil, err
		}
		fresh = append(fresh, d)
	}
	return indexCommit(ctx, counts, c, t, fresh, nil)
}

// Compact merges the segments of every index of a table into one, in one
// commit (`lakelink compact TABLE`; imports also compact past maxSegments).
func (s *Session) Compact(ctx context.Context, table string) (Result, error) {
	res, err := s.inCommit("COMPACT "+table, func(c *store.Commit) (Result, error) {
		ti, err := c.Table(table)
		if err != nil {
			return Result{}, err
		}
		_, err = compactIndexes(ctx, nil, c, ti)
		return Result{Message: fmt.Sprintf("compacted %d index(es) of %s", len(ti.Indexes), ti.Name)}, err
	})
	if err != nil {
		return Result{}, fmt.Errorf("compact %s: %w", table, err)
	}
	return res, nil
}
