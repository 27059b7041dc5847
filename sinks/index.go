package sinks

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops"
)

// PartGroup is a run of staged row segments, in input order, over which
// one worker builds one part of index Index (an offset into
// StageOptions.Indexes).
type PartGroup struct {
	Index    int       `json:"index"`
	Group    int       `json:"group"`
	Segments []Segment `json:"segments"`
}

// BuildIndexes builds, in the workers, a part of every index in
// opt.Indexes over each run of staged row segments (rows, as Stage's
// first step emits them) of at most indexes.SegmentRows rows, stages it
// as an indexes.Staged object and returns its descriptors for the
// manifest. The runs are cut from the segments in input order, so a part's
// name depends only on the input and the job: a retried bundle rewrites
// the same object. The commit turns staged parts into the index's segment
// (ResolveParts).
func BuildIndexes(s beam.Scope, opt StageOptions, rows beam.PCollection) beam.PCollection {
	s = s.Scope("sinks.BuildIndexes")
	groups := beam.ParDo(s, &planPartsFn{Opt: opt}, beam.GroupByKey(s, beam.AddFixedKey(s, rows)))
	return beam.ParDo(s, &buildPartFn{Opt: opt}, beam.Reshuffle(s, groups))
}

type planPartsFn struct {
	Opt StageOptions `json:"opt"`
}

func (fn *planPartsFn) ProcessElement(_ int, segs func(*Segment) bool, emit func(PartGroup)) {
	m := Manifest{}
	var seg Segment
	for segs(&seg) {
		if seg.Rows > 0 {
			m.Segments = append(m.Segments, seg)
		}
	}
	m.Sort()
	for i, d := range fn.Opt.Indexes {
		dim := 0
		if c := fn.Opt.Schema.Index(d.Column); c >= 0 {
			dim = fn.Opt.Schema.Columns[c].Type.Dim
		}
		limit := int64(indexes.SegmentRows(d, dim, fn.Opt.MemoryLimit))
		g := PartGroup{Index: i}
		var rows int64
		for _, seg := range m.Segments {
			progress.For(fn.Opt.Job).IndexTotal.Add(seg.Rows)
			if rows > 0 && rows+seg.Rows > limit {
				emit(g)
				g = PartGroup{Index: i, Group: g.Group + 1}
				rows = 0
			}
			g.Segments = append(g.Segments, seg)
			rows += seg.Rows
		}
		if len(g.Segments) > 0 {
			emit(g)
		}
	}
}

func partKey(job, index string, group int) string {
	return fmt.Sprintf("%s/index-%s-%06d.lsx", job, index, group)
}

type buildPartFn struct {
	Opt StageOptions `json:"opt"`
	staging
}

func (fn *buildPartFn) Setup(ctx context.Context) error { return fn.open(ctx, fn.Opt) }
func (fn *buildPartFn) Teardown()                       { fn.close() }

func (fn *buildPartFn) ProcessElement(ctx context.Context, g PartGroup, emit func(Segment)) error {
	if g.Index < 0 || g.Index >= len(fn.Opt.Indexes) {
		return fmt.Errorf("sinks.BuildIndexes: no index %d", g.Index)
	}
	d := fn.Opt.Indexes[g.Index]
	b, err := indexes.NewBuilder(d, fn.Opt.Schema)
	if err != nil {
		return err
	}
	staged := indexes.Staged{}
	counts := progress.For(fn.Opt.Job)
	var read int64
	for j, seg := range g.Segments {
		read += seg.Rows
		staged.Segments = append(staged.Segments, seg.Name)
		var row int64
		err := eachRow(ctx, fn.bucket, seg, fn.seal, func(key, val []byte, _ int64) error {
			added, err := b.AddRow(key, val, 0)
			if err != nil {
				return fmt.Errorf("index %s: staged %s row %d: %w", d.Name, seg.Name, row, err)
			}
			if added {
				staged.Origins = append(staged.Origins, indexes.Origin{Segment: j, Row: row})
			}
			row++
			return nil
		})
		if err != nil {
			return err
		}
	}
	n := b.Len()
	counts.IndexDone.Add(read - int64(n)) // rows without a vector
	if staged.Part, err = b.BuildWith(vectorops.Build{Ctx: ctx, Done: &counts.IndexDone}); err != nil || staged.Part == nil {
		return err // nil: no row of the group has a vector
	}
	data, _ := staged.MarshalBinary()
	key := partKey(fn.Opt.Job, d.Name, g.Group)
	if err := fn.write(ctx, key, data); err != nil {
		return err
	}
	emit(Segment{Name: key, Index: d.Name, Vectors: int64(n), Bytes: int64(len(data))})
	return nil
}

// ResolveParts reads the parts that the workers staged for an index and
// sets their entries' versions for commit c, whose rows written records
// (CommitResult.Written): an entry of a row that the commit did not write
// can never be current. Parts left with no live entry are dropped. seal is
// the job's staging key (StageOptions.Seal), or nil.
func ResolveParts(ctx context.Context, c *store.Commit, m Manifest, staging string, seal []byte, index string, written Written) ([][]byte, error) {
	b, done, err := objstore.OpenBucket(ctx, staging)
	if err != nil {
		return nil, err
	}
	defer done()
	var parts [][]byte
	for _, seg := range m.Segments {
		if seg.Index != index {
			continue
		}
		data, err := b.ReadAll(ctx, seg.Name)
		if err != nil {
			return nil, fmt.Errorf("read staged %s: %w", seg.Name, err)
		}
		if data, err = objstore.OpenBytes(seal, data, seg.Name); err != nil {
			return nil, err
		}
		st, err := indexes.UnmarshalStaged(data)
		if err != nil {
			return nil, fmt.Errorf("staged %s: %w", seg.Name, err)
		}
		part, live, err := st.Resolve(c.TS(), written.Key)
		if err != nil {
			return nil, fmt.Errorf("staged %s: %w", seg.Name, err)
		}
		if live > 0 {
			parts = append(parts, part)
		}
	}
	return parts, nil
}

// Written records, per staged row segment, which of its rows a commit
// wrote and, for a table without a primary key, the hidden row ids they
// got.
type Written map[string]*writtenRows

// writtenRows is one segment's record. The commit writes a segment's rows
// in order, one hidden row id after another, so the id of a written row
// is first plus the number of rows written before it (rank).
type writtenRows struct {
	bits   []uint64
	hidden bool
	prefix []byte // the hidden ids' commit part (ts:8)
	first  uint64 // the first written row's id
	n      uint64 // rows written so far
	// rank[w] is how many rows before word w of bits were written: built
	// by the first Key, which comes after the commit's last set.
	rank []uint32
}

// Has reports whether the commit wrote row row of staged segment seg.
func (w Written) Has(seg string, row int64) bool {
	r := w[seg]
	return r != nil && row >= 0 && row/64 < int64(len(r.bits)) && r.bits[row/64]&(1<<(row%64)) != 0
}

// Key reports whether the commit wrote row row of staged segment seg and,
// when the table has no primary key, the hidden row id it stored the row
// under (nil for a keyed table: the staged key is the row's key).
func (w Written) Key(seg string, row int64) ([]byte, bool) {
	if !w.Has(seg, row) {
		return nil, false
	}
	r := w[seg]
	if !r.hidden {
		return nil, true
	}
	if r.rank == nil {
		r.rank = make([]uint32, len(r.bits))
		var n uint32
		for i, b := range r.bits {
			r.rank[i] = n
			n += uint32(bits.OnesCount64(b))
		}
	}
	before := uint64(r.rank[row/64]) + uint64(bits.OnesCount64(r.bits[row/64]&(1<<(row%64)-1)))
	return binary.BigEndian.AppendUint64(bytes.Clone(r.prefix), r.first+before), true
}

// set records that the commit wrote row row of seg (of rows rows) under
// key, the row's key within the table as store.Commit.PutRow returns it.
func (w Written) set(seg string, rows, row int64, hidden bool, key []byte) error {
	r, ok := w[seg]
	if !ok {
		r = &writtenRows{bits: make([]uint64, (rows+63)/64), hidden: hidden}
		w[seg] = r
	}
	if row < 0 || row/64 >= int64(len(r.bits)) {
		return fmt.Errorf("staged %s: row %d of %d", seg, row, rows)
	}
	r.bits[row/64] |= 1 << (row % 64)
	if hidden {
		// Invariant: a segment's rows get consecutive ids of one commit.
		if len(key) != 16 {
			return fmt.Errorf("staged %s: hidden row id of %d bytes", seg, len(key))
		}
		id := binary.BigEndian.Uint64(key[8:])
		if r.n == 0 {
			r.prefix, r.first = bytes.Clone(key[:8]), id
		} else if id != r.first+r.n || !bytes.Equal(key[:8], r.prefix) {
			return fmt.Errorf("staged %s: row %d got hidden row id %x, not the next of its segment", seg, row, key)
		}
	}
	r.n++
	return nil
}
