package indexes

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lakelink/lakelink/store"
)

// segments caches decoded segments: decoding one is a copy of its
// vectors, and a segment never changes once committed.
var segments struct {
	sync.Mutex
	byKey map[segmentKey][]*Part
	order []segmentKey
}

type segmentKey struct {
	store *store.Store
	table uint32
	index string
	ts    uint64
}

const cachedSegments = 16

// LoadParts returns the parts of every segment of the index at the view.
// Only the segments not decoded yet are read from the store: a search of
// a warm index reads the list of its segments and nothing more.
func LoadParts(st *store.Store, v *store.View, t store.TableInfo, index string) ([]*Part, error) {
	times, err := v.IndexSegmentTimes(t, index)
	if err != nil {
		return nil, err
	}
	segments.Lock()
	defer segments.Unlock()
	if segments.byKey == nil {
		segments.byKey = map[segmentKey][]*Part{}
	}
	var out []*Part
	for _, ts := range times {
		k := segmentKey{st, t.ID, strings.ToLower(index), ts}
		parts, ok := segments.byKey[k]
		if !ok {
			data, err := v.IndexSegmentAt(t, index, ts)
			if err != nil {
				return nil, err
			}
			if parts, err = DecodeSegment(data); err != nil {
				return nil, fmt.Errorf("index %s of table %s: segment of commit %d: %w", index, t.Name, ts, err)
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

// Search answers an ORDER BY comparison LIMIT k through an index: each
// segment is searched for k entries whose rows are current at the view's
// commit and pass the filter (match; nil for none); the rows found are
// returned for the caller to score exactly and rank. plan is "index
// NAME" when the rows answer the search, or says why the caller must scan
// instead: fewer than k found (a scan finds every match), or a LIMIT that
// reaches every vector.
func Search(st *store.Store, v *store.View, t store.TableInfo, d store.IndexDef, query []float32, k int, p SearchParams,
	match func(store.Row) bool) (rows []store.Row, plan string, err error) {
	segs, err := LoadParts(st, v, t, d.Name)
	if err != nil {
		return nil, "", err
	}
	entries := 0
	for _, seg := range segs {
		entries += len(seg.Keys)
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
		if _, err := seg.Index.Search(query, k, p.For(seg.Kind), keep); err != nil {
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
