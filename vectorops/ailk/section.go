package ailk

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"runtime"

	"github.com/lakelink/lakelink/vectorops"
)

// Header layout (64 bytes, little-endian):
//
//	 0  "AILK"
//	 4  u16 version (1)
//	 6  u16 flags: bit 0 set = the index blob is lakelink's own encoding
//	 8  u8  kind (Flat, HNSW, IVFPQ)
//	 9  u8  metric (vectorops.Metric)
//	10  u16 reserved
//	12  u32 dimension
//	16  u64 records: vectors in the section (rows with a non-NULL vector)
//	24  u64 rows of the file
//	32  u64 centroid blob length
//	40  u64 index blob length
//	48  u64 section start (absolute file offset of this header)
//	56  u32 CRC-32C of bytes 0..55
//	60  u32 reserved
const (
	HeaderSize  = 64
	TrailerSize = 24
	Version     = 1

	magic        = "AILK"
	trailerMagic = "KLIA"
	flagOwnBlob  = 1
)

// Kind is the index structure a section's blob holds.
type Kind uint8

const (
	Flat  Kind = iota // no blob: search reads the vectors from the rows
	HNSW              // vectorops.HNSW.MarshalBinary
	IVFPQ             // vectorops.IVFPQ.MarshalBinary
)

func (k Kind) String() string {
	switch k {
	case Flat:
		return "flat"
	case HNSW:
		return "hnsw"
	case IVFPQ:
		return "ivfpq"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind reads "flat", "hnsw" or "ivfpq".
func ParseKind(s string) (Kind, error) {
	for _, k := range []Kind{Flat, HNSW, IVFPQ} {
		if s == k.String() {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown vector index %q (hnsw, ivfpq, flat)", s)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is wrapped by every error about a damaged section.
var ErrCorrupt = errors.New("corrupt AILK section")

func corrupt(f string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(f, a...))
}

// Section is one column's section before it is placed in a file.
type Section struct {
	Column   string
	Kind     Kind
	Metric   vectorops.Metric
	Dim      int
	Records  uint64 // vectors indexed
	Rows     uint64 // rows of the file
	Centroid []float32
	Radius   float32
	Index    []byte // the blob; nil for Flat
}

// Options configure Build.
type Options struct {
	Kind   Kind
	Metric vectorops.Metric
	HNSW   vectorops.HNSWConfig
	IVFPQ  vectorops.IVFPQConfig
	// Workers build an HNSW graph in parallel (default: all cores).
	Workers int
	// Ctx, when set, stops the build once it is done (vectorops.Build).
	Ctx context.Context
}

// Build indexes the vectors of one column of a file: labels[i] is the row
// ordinal of vecs[i] in the file, rows the file's row count. Build keeps
// vecs; Cosine sections normalise copies.
func Build(column string, rows uint64, labels []uint64, vecs [][]float32, o Options) (Section, error) {
	if len(vecs) != len(labels) {
		return Section{}, fmt.Errorf("ailk: %d labels for %d vectors", len(labels), len(vecs))
	}
	s := Section{Column: column, Kind: o.Kind, Metric: o.Metric, Records: uint64(len(vecs)), Rows: rows}
	if len(vecs) == 0 {
		return s, fmt.Errorf("column %q: no vectors to index", column)
	}
	s.Dim = len(vecs[0])
	s.Centroid, s.Radius = bound(vecs, o.Metric == vectorops.Cosine)
	switch o.Kind {
	case HNSW:
		h := vectorops.NewHNSW(s.Dim, o.Metric, o.HNSW)
		w := o.Workers
		if w <= 0 {
			w = runtime.NumCPU()
		}
		if err := h.AddBatchWith(vectorops.Build{Ctx: o.Ctx}, labels, vecs, w); err != nil {
			return s, fmt.Errorf("column %q: %w", column, err)
		}
		blob, err := h.MarshalBinary()
		if err != nil {
			return s, err
		}
		s.Index = blob
	case IVFPQ:
		x, err := vectorops.BuildIVFPQWith(vectorops.Build{Ctx: o.Ctx}, s.Dim, o.Metric, o.IVFPQ, labels, vecs)
		if err != nil {
			return s, fmt.Errorf("column %q: %w", column, err)
		}
		blob, err := x.MarshalBinary()
		if err != nil {
			return s, err
		}
		s.Index = blob
	case Flat:
	default:
		return s, fmt.Errorf("ailk: unknown kind %d", o.Kind)
	}
	return s, nil
}

// bound is the centroid of vecs and the largest Euclidean distance of a
// vector from it, over normalised vectors when norm is set. The radius is
// rounded up so that float32 rounding never makes it too small.
func bound(vecs [][]float32, norm bool) ([]float32, float32) {
	dim := len(vecs[0])
	sum := make([]float64, dim)
	scale := func(v []float32) float64 {
		if !norm {
			return 1
		}
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if n == 0 {
			return 0
		}
		return 1 / math.Sqrt(n)
	}
	for _, v := range vecs {
		f := scale(v)
		for i, x := range v {
			sum[i] += float64(x) * f
		}
	}
	c := make([]float32, dim)
	for i := range sum {
		c[i] = float32(sum[i] / float64(len(vecs)))
	}
	var r float64
	for _, v := range vecs {
		f := scale(v)
		var d float64
		for i, x := range v {
			e := float64(x)*f - float64(c[i])
			d += e * e
		}
		r = math.Max(r, d)
	}
	return c, float32(math.Sqrt(r)*(1+1e-6) + 1e-7)
}

// encode returns the section's bytes placed at file offset start.
func (s Section) encode(start int64) []byte {
	cent := make([]byte, 0, 4*s.Dim+8)
	for _, f := range s.Centroid {
		cent = binary.LittleEndian.AppendUint32(cent, math.Float32bits(f))
	}
	cent = binary.LittleEndian.AppendUint32(cent, math.Float32bits(s.Radius))
	cent = binary.LittleEndian.AppendUint32(cent, crc32.Checksum(cent, castagnoli))

	total := HeaderSize + len(cent) + len(s.Index) + TrailerSize
	b := make([]byte, HeaderSize, total)
	copy(b, magic)
	binary.LittleEndian.PutUint16(b[4:], Version)
	binary.LittleEndian.PutUint16(b[6:], flagOwnBlob)
	b[8] = byte(s.Kind)
	b[9] = byte(s.Metric)
	binary.LittleEndian.PutUint32(b[12:], uint32(s.Dim))
	binary.LittleEndian.PutUint64(b[16:], s.Records)
	binary.LittleEndian.PutUint64(b[24:], s.Rows)
	binary.LittleEndian.PutUint64(b[32:], uint64(len(cent)))
	binary.LittleEndian.PutUint64(b[40:], uint64(len(s.Index)))
	binary.LittleEndian.PutUint64(b[48:], uint64(start))
	binary.LittleEndian.PutUint32(b[56:], crc32.Checksum(b[:56], castagnoli))
	b = append(b, cent...)
	b = append(b, s.Index...)
	b = binary.LittleEndian.AppendUint64(b, uint64(start))
	b = binary.LittleEndian.AppendUint64(b, uint64(total))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(s.Index, castagnoli))
	return append(b, trailerMagic...)
}
