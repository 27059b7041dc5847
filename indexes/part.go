package indexes

import (
	"encoding/binary"
	"fmt"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops"
)

// ANN is what a part searches: HNSW or IVF-PQ. param is ef or nprobe (0
// for the index's own); keep filters labels, which are entry positions.
type ANN interface {
	Search(q []float32, k, param int, keep func(label uint64) bool) ([]vectorops.Result, error)
	Len() int
}

// Part is one decoded part: entry i is the row with primary key Keys[i]
// at version Versions[i]; a version of 0 marks an entry whose row was
// never written (it lost to a later row of the same import).
type Part struct {
	Versions []uint64
	Keys     [][]byte
	Index    ANN
	Kind     string // the kind whose structure Index is (an auto index's parts are hnsw or ivfpq)
}

// A part's encoding: "LLVS", u32 1, u32 entry count, then per entry its
// row version (u64) and primary key (uvarint length, bytes), then the
// vectorops encoding of the index ("LLHN" or "LLIV"), whose labels are
// the entries' positions.
const (
	partMagic   = "LLVS"
	partVersion = 1
	partHead    = 12
)

// Builder collects the vectors of rows and builds a part over them.
type Builder struct {
	def    store.IndexDef
	schema lake.Schema
	col    int
	dim    int
	metric vectorops.Metric
	head   []byte
	vecs   [][]float32
}

// NewBuilder starts a part of index d over rows of a table with schema.
func NewBuilder(d store.IndexDef, schema lake.Schema) (*Builder, error) {
	col := schema.Index(d.Column)
	if col < 0 {
		return nil, fmt.Errorf("index %s: column %s is gone", d.Name, d.Column)
	}
	if schema.Columns[col].Type.Kind != lake.KindVector {
		return nil, fmt.Errorf("index %s: column %s is %s, not a vector", d.Name, d.Column, schema.Columns[col].Type)
	}
	metric, err := vectorops.ParseMetric(d.Metric)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", d.Name, err)
	}
	return &Builder{def: d, schema: schema, col: col, dim: schema.Columns[col].Type.Dim, metric: metric}, nil
}

// AddRow adds the row with primary key pk, stored value value (as
// store.EncodeRow makes it) and version. A NULL vector is left out: no
// comparison ranks it, and added is false. pk and value may be reused
// after the call.
func (b *Builder) AddRow(pk, value []byte, version uint64) (added bool, err error) {
	row, err := store.DecodeRow(b.schema, value)
	if err != nil {
		return false, err
	}
	v, ok := row[b.col].([]float32)
	if !ok {
		return false, nil
	}
	return true, b.Add(pk, v, version)
}

// Add adds one vector; the builder keeps v.
func (b *Builder) Add(pk []byte, v []float32, version uint64) error {
	if len(v) != b.dim {
		return fmt.Errorf("index %s: a %d-value vector in a %d-value column", b.def.Name, len(v), b.dim)
	}
	b.vecs = append(b.vecs, v)
	b.head = binary.LittleEndian.AppendUint64(b.head, version)
	b.head = binary.AppendUvarint(b.head, uint64(len(pk)))
	b.head = append(b.head, pk...)
	return nil
}

// Len is the number of vectors added.
func (b *Builder) Len() int { return len(b.vecs) }

// Build returns the part's encoding, or nil when no vector was added, and
// starts a new part.
func (b *Builder) Build() ([]byte, error) { return b.BuildWith(vectorops.Build{}) }

// BuildWith is Build under vb: it counts the vectors placed and stops
// with vb.Ctx's error once that ends.
func (b *Builder) BuildWith(vb vectorops.Build) ([]byte, error) {
	n := len(b.vecs)
	if n == 0 {
		return nil, nil
	}
	labels := make([]uint64, n)
	for i := range labels {
		labels[i] = uint64(i)
	}
	k, ok := Lookup(b.def.Type)
	if !ok || !k.Parts() {
		return nil, fmt.Errorf("index %s: a %s index keeps no parts", b.def.Name, b.def.Type)
	}
	blob, err := k.Build(vb, b.def, b.dim, b.metric, b.vecs)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", b.def.Name, err)
	}
	out := make([]byte, 0, partHead+len(b.head)+len(blob))
	out = append(out, partMagic...)
	out = binary.LittleEndian.AppendUint32(out, partVersion)
	out = binary.LittleEndian.AppendUint32(out, uint32(n))
	out = append(append(out, b.head...), blob...)
	b.head, b.vecs = nil, nil
	return out, nil
}

// eachEntry walks the entries of an encoded part: fn gets the offset of
// the entry's version and its key. It returns the offset of the index.
func eachEntry(b []byte, fn func(i, versionAt int, key []byte)) (int, error) {
	if len(b) < partHead || string(b[:4]) != partMagic || binary.LittleEndian.Uint32(b[4:]) != partVersion {
		return 0, fmt.Errorf("not an index part of this version")
	}
	n := int(binary.LittleEndian.Uint32(b[8:]))
	if n > len(b)/9 {
		return 0, fmt.Errorf("entry count past its size")
	}
	off := partHead
	for i := range n {
		if off+8 > len(b) {
			return 0, fmt.Errorf("truncated")
		}
		at := off
		off += 8
		l, k := binary.Uvarint(b[off:])
		if k <= 0 || uint64(len(b)-off-k) < l {
			return 0, fmt.Errorf("truncated key")
		}
		off += k
		fn(i, at, b[off:off+int(l)])
		off += int(l)
	}
	return off, nil
}

// DecodePart decodes an encoded part; the keys are sub-slices of b.
func DecodePart(b []byte) (*Part, error) {
	p := &Part{}
	off, err := eachEntry(b, func(_, at int, key []byte) {
		p.Versions = append(p.Versions, binary.LittleEndian.Uint64(b[at:]))
		p.Keys = append(p.Keys, key)
	})
	if err != nil {
		return nil, err
	}
	if p.Index, p.Kind, err = decode(b[off:]); err != nil {
		return nil, err
	}
	if p.Index.Len() != len(p.Keys) {
		return nil, fmt.Errorf("%d keys for %d vectors", len(p.Keys), p.Index.Len())
	}
	return p, nil
}

// SetVersions rewrites, in place, the version of every entry of an
// encoded part to version(i) of entry i.
func SetVersions(b []byte, version func(i int) uint64) error {
	_, err := eachEntry(b, func(i, at int, _ []byte) { binary.LittleEndian.PutUint64(b[at:], version(i)) })
	return err
}

// SetEntries returns the part b with entry i's version and key replaced
// by entry(i, key): a nil key keeps the entry's own. When no key changes
// the versions are set in place and b itself is returned; otherwise the
// part is encoded anew (keys may change length) and b is left as it was.
func SetEntries(b []byte, entry func(i int, key []byte) (version uint64, newKey []byte)) ([]byte, error) {
	type change struct {
		version uint64
		key     []byte
	}
	var changes []change
	rekey := false
	off, err := eachEntry(b, func(i, _ int, key []byte) {
		v, k := entry(i, key)
		if k == nil {
			k = key
		} else {
			rekey = true
		}
		changes = append(changes, change{v, k})
	})
	if err != nil {
		return nil, err
	}
	if !rekey {
		return b, SetVersions(b, func(i int) uint64 { return changes[i].version })
	}
	out := make([]byte, 0, len(b)+len(changes)*8)
	out = append(out, b[:partHead]...)
	for _, c := range changes {
		out = binary.LittleEndian.AppendUint64(out, c.version)
		out = binary.AppendUvarint(out, uint64(len(c.key)))
		out = append(out, c.key...)
	}
	return append(out, b[off:]...), nil
}
