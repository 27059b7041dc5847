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

// The AI-Lake file format v1: a section's header (64 bytes, little-endian):
//
//	 0  "AILK"
//	 4  u16 format_version (1)
//	 6  u16 flags: bit 0 IVF-PQ index, bit 1 RaBitQ; neither: HNSW (or,
//	        with an empty index blob, no index: lakelink's flat)
//	 8  u32 dim
//	12  u8  precision of the Parquet vector column: F32 0, F16 1, I8 2
//	13  u8  metric: Cosine 0, Euclidean 1, DotProduct 2, NormalizedCosine 3
//	14  2 reserved zero bytes
//	16  u64 record_count: the file's rows
//	24  u64 centroid_offset, from the section's start (64)
//	32  u64 centroid_len (dim × 4 + 4)
//	40  u64 index_offset, from the section's start (64 + centroid_len)
//	48  u64 index_len
//	56  8 reserved zero bytes
//
// then the centroid blob (dim float32s, the arithmetic mean of the
// column's vectors, then the float32 radius), the index blob, and the
// trailer (24 bytes): u64 absolute offset of the header, u64 total length
// of the section, u16 format_version, u16 flags, "AILK".
const (
	HeaderSize    = 64
	TrailerSize   = 24
	FormatVersion = 1
	// Magic opens a section's header and ends its trailer.
	Magic = "AILK"

	flagIVFPQ = 1 << 0 // bit 1, RaBitQ, lakelink never writes: such a section is Foreign
)

// Precision is how the Parquet vector column stores its elements.
type Precision uint8

const (
	PrecisionF32 Precision = 0
	PrecisionF16 Precision = 1
	PrecisionI8  Precision = 2
)

// The format's metric codes.
const (
	metricCosine           = 0
	metricEuclidean        = 1
	metricDotProduct       = 2
	metricNormalizedCosine = 3
)

func metricCode(m vectorops.Metric) byte {
	switch m {
	case vectorops.L2:
		return metricEuclidean
	case vectorops.InnerProduct:
		return metricDotProduct
	}
	return metricCosine
}

// MetricName is a metric as the AI-Lake field metadata names it
// (ailake.metric): cosine, euclidean or dot_product.
func MetricName(m vectorops.Metric) string {
	switch m {
	case vectorops.L2:
		return "euclidean"
	case vectorops.InnerProduct:
		return "dot_product"
	}
	return "cosine"
}

// ParsePrecision reads ailake.precision's f32, f16 or i8 (anything else,
// "" included, is F32).
func ParsePrecision(s string) Precision {
	switch s {
	case "f16":
		return PrecisionF16
	case "i8":
		return PrecisionI8
	}
	return PrecisionF32
}

func metricOf(code byte) (vectorops.Metric, bool) {
	switch code {
	case metricCosine, metricNormalizedCosine:
		return vectorops.Cosine, true
	case metricEuclidean:
		return vectorops.L2, true
	case metricDotProduct:
		return vectorops.InnerProduct, true
	}
	return 0, false
}

// Kind is the index structure a section's blob holds.
type Kind uint8

const (
	Flat  Kind = iota // no blob: search reads the vectors from the rows
	HNSW              // vectorops.HNSW.MarshalBinary
	IVFPQ             // vectorops.IVFPQ.MarshalBinary
	// Auto is a request, never a section's kind: Build picks Flat, HNSW
	// or IVF-PQ by the number of vectors (vectorops.AutoStructure).
	Auto Kind = 254
	// Foreign is a section another writer made: its index blob is in an
	// encoding lakelink does not read (the reference's HNSW, RaBitQ), so
	// a search scans the file's vectors exactly; its header, centroid and
	// radius still prune.
	Foreign Kind = 255
)

func (k Kind) String() string {
	switch k {
	case Flat:
		return "flat"
	case HNSW:
		return "hnsw"
	case IVFPQ:
		return "ivfpq"
	case Foreign:
		return "foreign"
	case Auto:
		return "auto"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// ParseKind reads "flat", "hnsw", "ivfpq" or "auto".
func ParseKind(s string) (Kind, error) {
	for _, k := range []Kind{Flat, HNSW, IVFPQ, Auto} {
		if s == k.String() {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown vector index %q (hnsw, ivfpq, flat, auto)", s)
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
	// Precision is the Parquet column's element type, for the header;
	// the writer of the file sets it (Build leaves F32).
	Precision Precision
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
	if o.Kind == Auto {
		s.Kind, _ = ParseKind(vectorops.AutoStructure(len(vecs)))
		o.Kind = s.Kind
	}
	s.Centroid, s.Radius = bound(vecs, o.Metric)
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

// bound is the centroid of vecs (their arithmetic mean, as stored) and
// the radius: the largest distance from the centroid to any vector under
// the metric. Cosine: the cosine distance 1 - cos(c, x). Euclidean: |x - c|.
// DotProduct defines no distance between two points; lakelink writes the
// Euclidean |x - c| there (docs/exports.md). The radius is rounded up so
// that float32 rounding never makes it too small.
func bound(vecs [][]float32, m vectorops.Metric) ([]float32, float32) {
	dim := len(vecs[0])
	sum := make([]float64, dim)
	for _, v := range vecs {
		for i, x := range v {
			sum[i] += float64(x)
		}
	}
	c := make([]float32, dim)
	var cc float64
	for i := range sum {
		c[i] = float32(sum[i] / float64(len(vecs)))
		cc += float64(c[i]) * float64(c[i])
	}
	var r float64
	for _, v := range vecs {
		var d, dot, xx float64
		for i, x := range v {
			e := float64(x) - float64(c[i])
			d += e * e
			dot += float64(x) * float64(c[i])
			xx += float64(x) * float64(x)
		}
		if m == vectorops.Cosine {
			if cc == 0 || xx == 0 {
				r = math.Max(r, 1) // a zero vector: cosine distance 1 by convention
				continue
			}
			r = math.Max(r, 1-dot/math.Sqrt(cc*xx))
		} else {
			r = math.Max(r, math.Sqrt(d))
		}
	}
	return c, float32(r*(1+1e-6) + 1e-7)
}

// flags is the header's flags for the section's kind.
func (s Section) flags() uint16 {
	if s.Kind == IVFPQ {
		return flagIVFPQ
	}
	return 0
}

// encode returns the section's bytes placed at file offset start.
func (s Section) encode(start int64) []byte {
	centLen := 4*s.Dim + 4
	total := HeaderSize + centLen + len(s.Index) + TrailerSize
	b := make([]byte, HeaderSize, total)
	copy(b, Magic)
	binary.LittleEndian.PutUint16(b[4:], FormatVersion)
	binary.LittleEndian.PutUint16(b[6:], s.flags())
	binary.LittleEndian.PutUint32(b[8:], uint32(s.Dim))
	b[12] = byte(s.Precision)
	b[13] = metricCode(s.Metric)
	binary.LittleEndian.PutUint64(b[16:], s.Rows)
	binary.LittleEndian.PutUint64(b[24:], HeaderSize)
	binary.LittleEndian.PutUint64(b[32:], uint64(centLen))
	binary.LittleEndian.PutUint64(b[40:], uint64(HeaderSize+centLen))
	binary.LittleEndian.PutUint64(b[48:], uint64(len(s.Index)))
	for _, f := range s.Centroid {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(s.Radius))
	b = append(b, s.Index...)
	b = binary.LittleEndian.AppendUint64(b, uint64(start))
	b = binary.LittleEndian.AppendUint64(b, uint64(total))
	b = binary.LittleEndian.AppendUint16(b, FormatVersion)
	b = binary.LittleEndian.AppendUint16(b, s.flags())
	return append(b, Magic...)
}
