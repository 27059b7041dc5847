package vectorops

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Indexes persist as one blob each, little-endian throughout:
//
//	HNSW: "LLHN" version:u32 dim:u32 metric:u8 M:u32 efc:u32 efs:u32 seed:u64
//	      n:u64 top:i32 entry:u32
//	      labels:n×u64 levels:n×u8 vectors:n×dim×f32 links0:n×(2M+1)×u32
//	      then, for each node of level L > 0 in id order, L×(M+1)×u32
//
// Decoding checks the blob's size against its header before allocating,
// and every neighbour id and count against the node count, so that a
// corrupt blob is an error, never a panic or a huge allocation.

const hnswMagic = "LLHN"

// ErrCorrupt is wrapped by every decoding error.
var ErrCorrupt = errors.New("corrupt index")

// MarshalBinary encodes the index.
func (h *HNSW) MarshalBinary() ([]byte, error) {
	n := len(h.labels)
	upper := 0
	for _, u := range h.upper {
		upper += len(u)
	}
	b := make([]byte, 0, 49+n*(8+1+4*h.dim+4*(2*h.cfg.M+1))+4*upper)
	b = append(b, hnswMagic...)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(h.dim))
	b = append(b, byte(h.metric))
	for _, v := range []int{h.cfg.M, h.cfg.EfConstruction, h.cfg.EfSearch} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	b = binary.LittleEndian.AppendUint64(b, h.cfg.Seed)
	b = binary.LittleEndian.AppendUint64(b, uint64(n))
	b = binary.LittleEndian.AppendUint32(b, uint32(int32(h.top)))
	b = binary.LittleEndian.AppendUint32(b, h.entry)
	for _, l := range h.labels {
		b = binary.LittleEndian.AppendUint64(b, l)
	}
	b = append(b, h.levels...)
	for _, v := range h.vecs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	for _, v := range h.links0 {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	for _, u := range h.upper {
		for _, v := range u {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
	}
	return b, nil
}

// UnmarshalHNSW decodes an index that MarshalBinary encoded. Vectors
// added to it afterwards draw their levels from a generator seeded by the
// configured seed and the count, so that the result is reproducible too.
func UnmarshalHNSW(b []byte) (*HNSW, error) {
	r := reader{b: b}
	if string(r.bytes(4)) != hnswMagic {
		return nil, fmt.Errorf("%w: not an HNSW index", ErrCorrupt)
	}
	if v := r.u32(); v != 1 {
		return nil, fmt.Errorf("%w: HNSW encoding version %d (this build reads 1)", ErrCorrupt, v)
	}
	dim := int(r.u32())
	metric := Metric(r.u8())
	cfg := HNSWConfig{M: int(r.u32()), EfConstruction: int(r.u32()), EfSearch: int(r.u32()), Seed: r.u64()}
	n64 := r.u64()
	top, entry := int(int32(r.u32())), r.u32()
	if r.err != nil {
		return nil, r.err
	}
	if dim < 1 || metric > InnerProduct || cfg.M < 2 || cfg.M > 1<<12 || cfg.EfConstruction < 1 || cfg.EfSearch < 1 {
		return nil, fmt.Errorf("%w: HNSW header (dim %d, metric %d, M %d)", ErrCorrupt, dim, metric, cfg.M)
	}
	per := uint64(8 + 1 + 4*dim + 4*(2*cfg.M+1))
	if n64 > uint64(len(b))/per {
		return nil, fmt.Errorf("%w: %d vectors cannot fit in %d bytes", ErrCorrupt, n64, len(b))
	}
	n := int(n64)
	h := NewHNSW(dim, metric, cfg)
	h.rng = rand.New(rand.NewPCG(cfg.Seed, uint64(n)))
	h.labels = make([]uint64, n)
	for i := range h.labels {
		h.labels[i] = r.u64()
	}
	h.levels = append([]uint8(nil), r.bytes(n)...)
	upper := 0
	for _, l := range h.levels {
		if l > 31 {
			return nil, fmt.Errorf("%w: a node of level %d", ErrCorrupt, l)
		}
		upper += int(l) * (cfg.M + 1)
	}
	if want := r.off + n*(4*dim+4*(2*cfg.M+1)) + 4*upper; want != len(b) {
		return nil, fmt.Errorf("%w: %d bytes, the header says %d", ErrCorrupt, len(b), want)
	}
	h.vecs = make([]float32, n*dim)
	for i := range h.vecs {
		h.vecs[i] = math.Float32frombits(r.u32())
	}
	h.links0 = make([]uint32, n*(2*cfg.M+1))
	for i := range h.links0 {
		h.links0[i] = r.u32()
	}
	h.upper = make([][]uint32, n)
	for id, l := range h.levels {
		if l == 0 {
			continue
		}
		u := make([]uint32, int(l)*(cfg.M+1))
		for i := range u {
			u[i] = r.u32()
		}
		h.upper[id] = u
	}
	if r.err != nil {
		return nil, r.err
	}
	if n == 0 {
		if top != -1 {
			return nil, fmt.Errorf("%w: an empty index with an entry point", ErrCorrupt)
		}
		return h, nil
	}
	if int(entry) >= n || top != int(h.levels[entry]) {
		return nil, fmt.Errorf("%w: entry point %d of level %d", ErrCorrupt, entry, top)
	}
	h.entry, h.top = entry, top
	for id := range n {
		for l := 0; l <= int(h.levels[id]); l++ {
			links := h.links(uint32(id), l)
			if int(links[0]) > h.maxLinks(l) {
				return nil, fmt.Errorf("%w: node %d has %d neighbours on level %d", ErrCorrupt, id, links[0], l)
			}
			for _, nb := range neighbours(links) {
				if int(nb) >= n || int(h.levels[nb]) < l {
					return nil, fmt.Errorf("%w: node %d links to %d on level %d", ErrCorrupt, id, nb, l)
				}
			}
		}
	}
	return h, nil
}

// reader takes little-endian values off a byte slice; past the end it
// records ErrCorrupt and returns zeros.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b)-r.off {
		if r.err == nil {
			r.err = fmt.Errorf("%w: truncated at byte %d", ErrCorrupt, r.off)
		}
		return make([]byte, max(n, 0))
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out
}

func (r *reader) u8() uint8   { return r.bytes(1)[0] }
func (r *reader) u32() uint32 { return binary.LittleEndian.Uint32(r.bytes(4)) }
func (r *reader) u64() uint64 { return binary.LittleEndian.Uint64(r.bytes(8)) }

//	IVF-PQ: "LLIV" version:u32 dim:u32 metric:u8 M:u32 nbits:u32 nlist:u32
//	        nprobe:u32 rerank:u32 iterations:u32 seed:u64 n:u64
//	        centroids:nlist×dim×f32 codebooks:M×2^nbits×(dim/M)×f32
//	        labels:n×u64 vectors:n×dim×f32
//	        then per list: count:u32 ids:count×u32 codes:count×M bytes

const ivfpqMagic = "LLIV"

// MarshalBinary encodes the index.
func (x *IVFPQ) MarshalBinary() ([]byte, error) {
	n := len(x.labels)
	b := make([]byte, 0, 64+4*len(x.centroids)+4*len(x.codebooks)+n*(8+4*x.dim+4+x.cfg.M)+4*x.cfg.NList)
	b = append(b, ivfpqMagic...)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(x.dim))
	b = append(b, byte(x.metric))
	for _, v := range []int{x.cfg.M, x.cfg.NBits, x.cfg.NList, x.cfg.NProbe, x.cfg.Rerank, x.cfg.Iterations} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	b = binary.LittleEndian.AppendUint64(b, x.cfg.Seed)
	b = binary.LittleEndian.AppendUint64(b, uint64(n))
	for _, arr := range [][]float32{x.centroids, x.codebooks} {
		for _, v := range arr {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	for _, l := range x.labels {
		b = binary.LittleEndian.AppendUint64(b, l)
	}
	for _, v := range x.vecs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	for c, ids := range x.lists {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(ids)))
		for _, id := range ids {
			b = binary.LittleEndian.AppendUint32(b, id)
		}
		b = append(b, x.codes[c]...)
	}
	return b, nil
}

// UnmarshalIVFPQ decodes an index that MarshalBinary encoded.
func UnmarshalIVFPQ(b []byte) (*IVFPQ, error) {
	r := reader{b: b}
	if string(r.bytes(4)) != ivfpqMagic {
		return nil, fmt.Errorf("%w: not an IVF-PQ index", ErrCorrupt)
	}
	if v := r.u32(); v != 1 {
		return nil, fmt.Errorf("%w: IVF-PQ encoding version %d (this build reads 1)", ErrCorrupt, v)
	}
	dim := int(r.u32())
	metric := Metric(r.u8())
	var cfg IVFPQConfig
	for _, p := range []*int{&cfg.M, &cfg.NBits, &cfg.NList, &cfg.NProbe, &cfg.Rerank, &cfg.Iterations} {
		*p = int(r.u32())
	}
	cfg.Seed = r.u64()
	n64 := r.u64()
	if r.err != nil {
		return nil, r.err
	}
	if dim < 1 || dim > 1<<16 || metric > InnerProduct || cfg.M < 1 || dim%cfg.M != 0 || cfg.NBits < 1 || cfg.NBits > 8 ||
		cfg.NList < 1 || cfg.NList > 1<<24 || cfg.NProbe < 1 || cfg.Rerank < 1 {
		return nil, fmt.Errorf("%w: IVF-PQ header (dim %d, m %d, nbits %d, nlist %d)", ErrCorrupt, dim, cfg.M, cfg.NBits, cfg.NList)
	}
	x := &IVFPQ{cfg: cfg, dim: dim, metric: metric, dsub: dim / cfg.M, ksub: 1 << cfg.NBits}
	fixed := uint64(cfg.NList*dim+cfg.M*x.ksub*x.dsub) * 4
	per := uint64(8 + 4*dim + 4 + cfg.M)
	if uint64(len(b)) < fixed || n64 > (uint64(len(b))-fixed)/per {
		return nil, fmt.Errorf("%w: %d vectors cannot fit in %d bytes", ErrCorrupt, n64, len(b))
	}
	n := int(n64)
	floats := func(k int) []float32 {
		out := make([]float32, k)
		for i := range out {
			out[i] = math.Float32frombits(r.u32())
		}
		return out
	}
	x.centroids = floats(cfg.NList * dim)
	x.codebooks = floats(cfg.M * x.ksub * x.dsub)
	x.labels = make([]uint64, n)
	for i := range x.labels {
		x.labels[i] = r.u64()
	}
	x.vecs = floats(n * dim)
	x.lists = make([][]uint32, cfg.NList)
	x.codes = make([][]byte, cfg.NList)
	total := 0
	for c := range cfg.NList {
		cnt := int(r.u32())
		if r.err != nil {
			return nil, r.err
		}
		if cnt > n-total {
			return nil, fmt.Errorf("%w: list %d holds %d of %d vectors", ErrCorrupt, c, cnt, n)
		}
		total += cnt
		ids := make([]uint32, cnt)
		for i := range ids {
			if ids[i] = r.u32(); int(ids[i]) >= n {
				return nil, fmt.Errorf("%w: list %d names vector %d of %d", ErrCorrupt, c, ids[i], n)
			}
		}
		x.lists[c] = ids
		x.codes[c] = append([]byte(nil), r.bytes(cnt*cfg.M)...)
		if x.ksub < 256 {
			for _, code := range x.codes[c] {
				if int(code) >= x.ksub {
					return nil, fmt.Errorf("%w: code %d with %d bits", ErrCorrupt, code, cfg.NBits)
				}
			}
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if total != n || r.off != len(b) {
		return nil, fmt.Errorf("%w: lists hold %d of %d vectors, %d bytes left over", ErrCorrupt, total, n, len(b)-r.off)
	}
	x.precompute()
	return x, nil
}

//	Flat: "LLFL" version:u32 dim:u32 metric:u8 n:u64
//	      labels:n×u64 vectors:n×dim×f32 (as the metric prepares them)

const flatMagic = "LLFL"

// MarshalBinary encodes the index.
func (f *Flat) MarshalBinary() ([]byte, error) {
	n := len(f.labels)
	b := make([]byte, 0, 21+n*(8+4*f.dim))
	b = append(b, flatMagic...)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(f.dim))
	b = append(b, byte(f.metric))
	b = binary.LittleEndian.AppendUint64(b, uint64(n))
	for _, l := range f.labels {
		b = binary.LittleEndian.AppendUint64(b, l)
	}
	for _, v := range f.vecs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b, nil
}

// UnmarshalFlat decodes an index that MarshalBinary encoded.
func UnmarshalFlat(b []byte) (*Flat, error) {
	r := reader{b: b}
	if string(r.bytes(4)) != flatMagic {
		return nil, fmt.Errorf("%w: not a flat index", ErrCorrupt)
	}
	if v := r.u32(); v != 1 {
		return nil, fmt.Errorf("%w: flat encoding version %d (this build reads 1)", ErrCorrupt, v)
	}
	dim := int(r.u32())
	metric := Metric(r.u8())
	n64 := r.u64()
	if r.err != nil {
		return nil, r.err
	}
	if dim < 1 || dim > 1<<16 || metric > InnerProduct {
		return nil, fmt.Errorf("%w: flat header (dim %d, metric %d)", ErrCorrupt, dim, metric)
	}
	per := uint64(8 + 4*dim)
	if rest := uint64(len(b) - r.off); n64 > rest/per || n64*per != rest {
		return nil, fmt.Errorf("%w: %d vectors of %d values in %d bytes", ErrCorrupt, n64, dim, rest)
	}
	n := int(n64)
	f := &Flat{dim: dim, metric: metric, labels: make([]uint64, n), vecs: make([]float32, n*dim)}
	for i := range f.labels {
		f.labels[i] = r.u64()
	}
	for i := range f.vecs {
		f.vecs[i] = math.Float32frombits(r.u32())
	}
	return f, r.err
}
