package pipeline

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops"
)

// Index types and their options.
const (
	IndexHNSW  = "hnsw"
	IndexIVFPQ = "ivfpq"
	IndexFlat  = "flat" // no structure: searches scan exactly
	// IndexAuto chooses per segment (autoKind) and, per search, scans
	// exactly while the index holds at most autoScanRows vectors.
	IndexAuto = "auto"
)

// autoHNSWRows is the most vectors an auto index puts in an HNSW segment
// per two cores: HNSW builds on one core at about 1,400 384-d vectors/s
// here (200k in about 2.5 minutes), while IVF-PQ trains and encodes on
// every core in a fraction of that; without SIMD kernels both are 8x
// slower, so the limit is an eighth.
const autoHNSWRows = 200_000

// autoKind is the structure of an auto index's segment of n vectors.
func autoKind(n int) string {
	limit := autoHNSWRows * max(1, runtime.NumCPU()/2)
	if vectorops.Kernel() == "generic" {
		limit /= 8
	}
	if n > limit {
		return IndexIVFPQ
	}
	return IndexHNSW
}

// autoScanRows is where an auto index starts using its graph: an exact
// scan of the store costs about 2.5 us a row here (Badger iteration and
// row decoding dominate, not the SIMD kernels), so 2,000 rows scan in
// about 5 ms with exact results. The core count and CPU features do not
// enter the rule yet: scans run on one core, and every kernel set is far
// faster than the row decoding around it.
const autoScanRows = 2000

// graphIndex reports whether an index type keeps segments (HNSW or
// IVF-PQ); a flat index keeps none.
func graphIndex(typ string) bool { return typ == IndexHNSW || typ == IndexIVFPQ || typ == IndexAuto }

// IndexOptions are the options an index takes, as COPY ... WITH names
// them; CREATE INDEX ... USING hnsw|ivfpq also takes them without their
// prefix (m, ef_construction, nlist, nbits, ...).
var IndexOptions = []string{"hnsw_m", "hnsw_ef_construction", "hnsw_ef_search", "ivf_nlist", "ivf_m", "ivf_nbits", "ivf_nprobe", "ivf_rerank"}

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
		name = strings.ToLower(t.Name + "_" + col.Name + "_idx")
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
		typ = IndexHNSW
	}
	if typ != IndexHNSW && typ != IndexIVFPQ && typ != IndexFlat && typ != IndexAuto {
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
			return "", "", fmt.Errorf("unknown index option %q (%s)", k, strings.Join(IndexOptions, ", "))
		}
		limit := 1 << 16
		switch k {
		case "hnsw_m":
			limit = 256
		case "ivf_nbits":
			limit = 8
		case "ivf_nlist":
			limit = 1 << 20
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
		case strings.HasPrefix(k, "hnsw_") || strings.HasPrefix(k, "ivf_"):
		case strings.EqualFold(typ, IndexIVFPQ):
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

func hnswConfig(d store.IndexDef) vectorops.HNSWConfig {
	o := d.Options
	return vectorops.HNSWConfig{M: o["hnsw_m"], EfConstruction: o["hnsw_ef_construction"], EfSearch: o["hnsw_ef_search"], Seed: 1}
}

func ivfpqConfig(d store.IndexDef) vectorops.IVFPQConfig {
	o := d.Options
	return vectorops.IVFPQConfig{NList: o["ivf_nlist"], M: o["ivf_m"], NBits: o["ivf_nbits"], NProbe: o["ivf_nprobe"], Rerank: o["ivf_rerank"], Seed: 1}
}

// annIndex is what a segment searches: HNSW or IVF-PQ (param is ef or
// nprobe; 0 for the index's own).
type annIndex interface {
	Search(q []float32, k, param int, keep func(label uint64) bool) ([]vectorops.Result, error)
	Len() int
}

// A segment's stored form: "LLVS", version 1, the entry count, then per
// entry its row version (u64) and primary key (uvarint length, bytes), then
// the HNSW encoding, whose labels are the entries' positions.

const segmentMagic = "LLVS"

type segment struct {
	ts       uint64
	versions []uint64
	pks      [][]byte
	index    annIndex
}

// buildSegment indexes the vector column of the rows rows yields; NULL
// vectors are left out (no comparison ranks them). It returns nil when no
// row has a vector.
func buildSegment(d store.IndexDef, schema lake.Schema, rows func(fn func(pk, value []byte, version uint64) error) error) ([]byte, error) {
	col := schema.Index(d.Column)
	if col < 0 {
		return nil, fmt.Errorf("index %s: column %s is gone", d.Name, d.Column)
	}
	metric, _ := vectorops.ParseMetric(d.Metric)
	dim := schema.Columns[col].Type.Dim
	var head []byte
	var vecs [][]float32
	n := 0
	err := rows(func(pk, value []byte, version uint64) error {
		row, err := store.DecodeRow(schema, value)
		if err != nil {
			return err
		}
		v, ok := row[col].([]float32)
		if !ok {
			return nil
		}
		vecs = append(vecs, v)
		head = binary.LittleEndian.AppendUint64(head, version)
		head = binary.AppendUvarint(head, uint64(len(pk)))
		head = append(head, pk...)
		n++
		return nil
	})
	if err != nil || n == 0 {
		return nil, err
	}
	kind := d.Type
	if kind == IndexAuto {
		kind = autoKind(n)
	}
	labels := make([]uint64, n)
	for i := range labels {
		labels[i] = uint64(i)
	}
	var blob []byte
	if kind == IndexIVFPQ {
		x, err := vectorops.BuildIVFPQ(dim, metric, ivfpqConfig(d), labels, vecs)
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", d.Name, err)
		}
		blob, _ = x.MarshalBinary()
	} else {
		h := vectorops.NewHNSW(dim, metric, hnswConfig(d))
		if err := h.AddBatch(labels, vecs, 0); err != nil {
			return nil, fmt.Errorf("index %s: %w", d.Name, err)
		}
		blob, _ = h.MarshalBinary()
	}
	out := append([]byte(segmentMagic), 1, 0, 0, 0)
	out = binary.LittleEndian.AppendUint32(out, uint32(n))
	return append(append(out, head...), blob...), nil
}

func decodeSegment(ts uint64, b []byte) (*segment, error) {
	bad := func(what string) error { return fmt.Errorf("index segment of commit %d: %s", ts, what) }
	if len(b) < 12 || string(b[:4]) != segmentMagic || binary.LittleEndian.Uint32(b[4:]) != 1 {
		return nil, bad("not a segment of this version")
	}
	n := int(binary.LittleEndian.Uint32(b[8:]))
	if n > len(b)/9 {
		return nil, bad("entry count past its size")
	}
	s := &segment{ts: ts, versions: make([]uint64, n), pks: make([][]byte, n)}
	off := 12
	for i := range n {
		if off+8 > len(b) {
			return nil, bad("truncated")
		}
		s.versions[i] = binary.LittleEndian.Uint64(b[off:])
		off += 8
		l, k := binary.Uvarint(b[off:])
		if k <= 0 || uint64(len(b)-off-k) < l {
			return nil, bad("truncated key")
		}
		off += k
		s.pks[i] = b[off : off+int(l)]
		off += int(l)
	}
	var h annIndex
	var err error
	if bytes.HasPrefix(b[off:], []byte("LLIV")) {
		h, err = vectorops.UnmarshalIVFPQ(b[off:])
	} else {
		h, err = vectorops.UnmarshalHNSW(b[off:])
	}
	if err != nil {
		return nil, bad(err.Error())
	}
	if h.Len() != n {
		return nil, bad(fmt.Sprintf("%d keys for %d vectors", n, h.Len()))
	}
	s.index = h
	return s, nil
}

// indexCommit stores, for every HNSW index of the table, a segment over
// the rows that the commit wrote, or over all rows for the indexes in
// fresh (declared by this commit). A commit that writes rows of an indexed
// table calls it before Finish.
func indexCommit(c *store.Commit, t store.TableInfo, fresh []store.IndexDef) error {
	var hnsw []store.IndexDef
	for _, d := range t.Indexes {
		if graphIndex(d.Type) {
			hnsw = append(hnsw, d)
		}
	}
	if len(hnsw) == 0 {
		return nil
	}
	v, err := c.View()
	if err != nil {
		return err
	}
	defer v.Close()
	for _, d := range hnsw {
		own := !slices.ContainsFunc(fresh, func(f store.IndexDef) bool { return f.Name == d.Name })
		blob, err := buildSegment(d, t.Schema, func(fn func(pk, value []byte, version uint64) error) error {
			return v.Rows(t, own, fn)
		})
		if err != nil {
			return err
		}
		if blob != nil {
			if err := c.PutIndexSegment(t, d.Name, blob); err != nil {
				return err
			}
		}
	}
	return nil
}

// segments caches decoded segments: decoding one is a copy of its
// vectors, and a segment never changes once committed.
var segments struct {
	sync.Mutex
	byKey map[segmentKey]*segment
	order []segmentKey
}

type segmentKey struct {
	store *store.Store
	table uint32
	index string
	ts    uint64
}

const cachedSegments = 16

func loadSegments(st *store.Store, v *store.View, t store.TableInfo, index string) ([]*segment, error) {
	stored, err := v.IndexSegments(t, index)
	if err != nil {
		return nil, err
	}
	segments.Lock()
	defer segments.Unlock()
	if segments.byKey == nil {
		segments.byKey = map[segmentKey]*segment{}
	}
	out := make([]*segment, 0, len(stored))
	for _, s := range stored {
		k := segmentKey{st, t.ID, strings.ToLower(index), s.TS}
		seg, ok := segments.byKey[k]
		if !ok {
			if seg, err = decodeSegment(s.TS, s.Data); err != nil {
				return nil, fmt.Errorf("index %s of table %s: %w", index, t.Name, err)
			}
			segments.byKey[k] = seg
			segments.order = append(segments.order, k)
			if len(segments.order) > cachedSegments {
				delete(segments.byKey, segments.order[0])
				segments.order = segments.order[1:]
			}
		}
		out = append(out, seg)
	}
	return out, nil
}

// indexFor returns the table's index that answers ORDER BY e in that
// direction: on its column, with a metric whose nearest-first order is
// the requested one; or, when there is none, the plan that says why.
func indexFor(t store.TableInfo, e *VectorExpr, desc bool) (store.IndexDef, string) {
	var others []string
	for _, d := range t.Indexes {
		if graphIndex(d.Type) && strings.EqualFold(d.Column, e.Column) {
			others = append(others, fmt.Sprintf("%s is %s", d.Name, d.Metric))
		}
	}
	if len(others) == 0 {
		return store.IndexDef{}, "scan"
	}
	var metric string
	switch {
	case e.Func == "cosine_distance" && !desc, e.Func == "cosine_similarity" && desc:
		metric = "cosine"
	case e.Func == "l2_distance" && !desc:
		metric = "l2"
	case e.Func == "negative_inner_product" && !desc, e.Func == "inner_product" && desc:
		metric = "ip"
	default:
		return store.IndexDef{}, "scan: an index finds nearest first, and this orders farthest first"
	}
	for _, d := range t.Indexes {
		if graphIndex(d.Type) && d.Metric == metric && strings.EqualFold(d.Column, e.Column) {
			return d, ""
		}
	}
	return store.IndexDef{}, fmt.Sprintf("scan: no %s index on %s (%s)", metric, e.Column, strings.Join(others, ", "))
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
	segs, err := loadSegments(st, v, t, d.Name)
	if err != nil {
		return nil, "", err
	}
	entries := 0
	for _, seg := range segs {
		entries += len(seg.pks)
	}
	if d.Type == IndexAuto && entries <= autoScanRows {
		return nil, fmt.Sprintf("scan: auto index %s holds %d vectors, at most %d scan", d.Name, entries, autoScanRows), nil
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
			pk := seg.pks[label]
			if f, ok := seen[string(pk)]; ok {
				return f.good
			}
			value, version, exists, err := v.Row(t, pk)
			if err == nil && exists && version == seg.versions[label] {
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
		if _, ivf := seg.index.(*vectorops.IVFPQ); ivf {
			param = p.nprobe
		}
		if _, err := seg.index.Search(query, k, param, keep); err != nil {
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
func (s *Session) createIndex(ci CreateIndex) (Result, error) {
	return s.inCommit("CREATE INDEX ON "+ci.Table, func(c *store.Commit) (Result, error) { return createIndexIn(c, ci) })
}

func createIndexIn(c *store.Commit, ci CreateIndex) (Result, error) {
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
	if err := indexCommit(c, ti, []store.IndexDef{d}); err != nil {
		return Result{}, fmt.Errorf("CREATE INDEX %s: %w", d.Name, err)
	}
	return Result{Message: fmt.Sprintf("CREATE INDEX %s ON %s USING %s (%s) WITH (metric = '%s')", d.Name, ti.Name, d.Type, d.Column, d.Metric)}, nil
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
			return Result{Message: "DROP INDEX " + d.Name}, c.DropIndexSegments(t, d.Name)
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

// compactIndexes replaces the segments of every HNSW index of the table
// by one over its current rows, in commit c (which has written its own
// rows, if any).
func compactIndexes(c *store.Commit, t store.TableInfo) error {
	var fresh []store.IndexDef
	for _, d := range t.Indexes {
		if !graphIndex(d.Type) {
			continue
		}
		if err := c.DropIndexSegments(t, d.Name); err != nil {
			return err
		}
		fresh = append(fresh, d)
	}
	return indexCommit(c, t, fresh)
}

// Compact merges the segments of every index of a table into one, in one
// commit (`lakelink compact TABLE`; imports also compact past maxSegments).
func (s *Session) Compact(table string) (Result, error) {
	res, err := s.inCommit("COMPACT "+table, func(c *store.Commit) (Result, error) {
		ti, err := c.Table(table)
		if err != nil {
			return Result{}, err
		}
		return Result{Message: fmt.Sprintf("compacted %d index(es) of %s", len(ti.Indexes), ti.Name)}, compactIndexes(c, ti)
	})
	if err != nil {
		return Result{}, fmt.Errorf("compact %s: %w", table, err)
	}
	return res, nil
}
