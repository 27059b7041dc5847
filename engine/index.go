package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops"
)

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
	d, err := pipeline.NewIndexDef(ti, ci.Name, ci.Column, ci.Type, ci.Metric, indexes.Prefixed(ci.Type, ci.Options))
	if err != nil {
		return Result{}, fmt.Errorf("CREATE INDEX: %w", err)
	}
	if ti, err = c.SetIndexes(ti.Name, append(append([]store.IndexDef(nil), ti.Indexes...), d)); err != nil {
		return Result{}, err
	}
	if _, err := pipeline.IndexCommit(ctx, nil, c, ti, []store.IndexDef{d}, nil); err != nil {
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

// Compact merges the segments of every index of a table into one, in one
// commit (`lakelink compact TABLE`; imports also compact past maxSegments).
func (s *Session) Compact(ctx context.Context, table string) (Result, error) {
	res, err := s.inCommit("COMPACT "+table, func(c *store.Commit) (Result, error) {
		ti, err := c.Table(table)
		if err != nil {
			return Result{}, err
		}
		_, err = pipeline.CompactIndexes(ctx, nil, c, ti)
		return Result{Message: fmt.Sprintf("compacted %d index(es) of %s", len(ti.Indexes), ti.Name)}, err
	})
	if err != nil {
		return Result{}, fmt.Errorf("compact %s: %w", table, err)
	}
	return res, nil
}
