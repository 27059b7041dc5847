package ailk

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/lakelink/lakelink/vectorops"
)

// Footer keys.
const (
	KeyFooterOffset = "ailake.footer_offset"
	KeyVersion      = "ailake.version"
)

// ColumnKey is the footer key holding the offset of column's trailer.
func ColumnKey(column string) string { return "ailake." + column + ".footer_offset" }

// footer reads a Parquet file's footer: its start offset and metadata.
func footer(r io.ReaderAt, size int64) (int64, format.FileMetaData, error) {
	var md format.FileMetaData
	if size < 12 {
		return 0, md, fmt.Errorf("not a Parquet file: %d bytes", size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return 0, md, err
	}
	if string(tail[4:]) != "PAR1" {
		return 0, md, fmt.Errorf("not a Parquet file: no PAR1 at its end")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	start := size - 8 - n
	if start < 4 {
		return 0, md, fmt.Errorf("not a Parquet file: footer length %d past its start", n)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, start); err != nil {
		return 0, md, err
	}
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), buf, &md); err != nil {
		return 0, md, fmt.Errorf("Parquet footer: %w", err)
	}
	return start, md, nil
}

// Splice writes to w the Parquet file src (size bytes) with secs placed
// between its last data and its footer, and the footer's key-value
// metadata pointing at them. Every offset the footer already held stays
// valid, since nothing before the footer moves. A file that already has
// sections is refused. Splice returns the bytes written.
func Splice(w io.Writer, src io.ReaderAt, size int64, secs []Section) (int64, error) {
	start, md, err := footer(src, size)
	if err != nil {
		return 0, err
	}
	for _, kv := range md.KeyValueMetadata {
		if kv.Key == KeyFooterOffset {
			return 0, fmt.Errorf("the file already has AILK sections")
		}
	}
	n, err := io.Copy(w, io.NewSectionReader(src, 0, start))
	if err != nil {
		return n, err
	}
	off := start
	for _, s := range secs {
		if s.Rows != uint64(md.NumRows) {
			return n, fmt.Errorf("section of column %q is for %d rows, the file has %d", s.Column, s.Rows, md.NumRows)
		}
		b := s.encode(off)
		m, err := w.Write(b)
		n += int64(m)
		if err != nil {
			return n, err
		}
		md.KeyValueMetadata = append(md.KeyValueMetadata, format.KeyValue{Key: ColumnKey(s.Column), Value: strconv.FormatInt(off+int64(len(b))-TrailerSize, 10)})
		off += int64(len(b))
	}
	md.KeyValueMetadata = append(md.KeyValueMetadata,
		format.KeyValue{Key: KeyVersion, Value: strconv.Itoa(Version)},
		format.KeyValue{Key: KeyFooterOffset, Value: strconv.FormatInt(off, 10)})
	foot, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		return n, err
	}
	foot = binary.LittleEndian.AppendUint32(foot, uint32(len(foot)))
	foot = append(foot, "PAR1"...)
	m, err := w.Write(foot)
	return n + int64(m), err
}

// Info describes one section found in a file.
type Info struct {
	Column   string
	Kind     Kind
	Metric   vectorops.Metric
	Dim      int
	Records  uint64
	Rows     uint64
	Centroid []float32
	Radius   float32
	Start    int64 // offset of the header
	indexOff int64
	indexLen int64
	indexCRC uint32
}

// Sections reads the sections a Parquet file's footer points at, checking
// each one's header, centroid and trailer (not yet its index blob, which
// Index reads). A file without sections gives none and no error. A damaged
// section is an error wrapping ErrCorrupt that names its column; the
// sections that read well are returned with it.
func Sections(r io.ReaderAt, size int64) ([]Info, error) {
	start, md, err := footer(r, size)
	if err != nil {
		return nil, err
	}
	kv := map[string]string{}
	for _, e := range md.KeyValueMetadata {
		kv[e.Key] = e.Value
	}
	endText, ok := kv[KeyFooterOffset]
	if !ok {
		return nil, nil
	}
	end, err := strconv.ParseInt(endText, 10, 64)
	if err != nil || end != start {
		return nil, corrupt("%s is %q but the footer starts at %d", KeyFooterOffset, endText, start)
	}
	var cols []string
	for k := range kv {
		if c, ok := strings.CutPrefix(k, "ailake."); ok && k != KeyFooterOffset {
			if c, ok = strings.CutSuffix(c, ".footer_offset"); ok {
				cols = append(cols, c)
			}
		}
	}
	sort.Strings(cols)
	var out []Info
	var errs []error
	for _, c := range cols {
		in, err := section(r, c, kv[ColumnKey(c)], end, uint64(md.NumRows))
		if err != nil {
			errs = append(errs, fmt.Errorf("column %q: %w", c, err))
			continue
		}
		out = append(out, in)
	}
	if len(errs) > 0 {
		return out, joinErrors(errs)
	}
	return out, nil
}

func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%w; %s", errs[0], strings.Join(msgs[1:], "; "))
}

func section(r io.ReaderAt, column, offText string, end int64, rows uint64) (Info, error) {
	in := Info{Column: column}
	toff, err := strconv.ParseInt(offText, 10, 64)
	if err != nil || toff < 4+HeaderSize || toff+TrailerSize > end {
		return in, corrupt("trailer offset %q outside the sections", offText)
	}
	var tr [TrailerSize]byte
	if _, err := r.ReadAt(tr[:], toff); err != nil {
		return in, err
	}
	if string(tr[20:]) != trailerMagic {
		return in, corrupt("bad trailer magic %q", tr[20:])
	}
	in.Start = int64(binary.LittleEndian.Uint64(tr[0:]))
	total := int64(binary.LittleEndian.Uint64(tr[8:]))
	in.indexCRC = binary.LittleEndian.Uint32(tr[16:])
	if in.Start < 4 || total < HeaderSize+TrailerSize || in.Start+total != toff+TrailerSize {
		return in, corrupt("trailer says %d bytes from %d, which does not end at the trailer (%d)", total, in.Start, toff+TrailerSize)
	}
	var h [HeaderSize]byte
	if _, err := r.ReadAt(h[:], in.Start); err != nil {
		return in, err
	}
	if string(h[:4]) != magic {
		return in, corrupt("bad magic %q", h[:4])
	}
	if crc32.Checksum(h[:56], castagnoli) != binary.LittleEndian.Uint32(h[56:]) {
		return in, corrupt("header checksum mismatch")
	}
	if v := binary.LittleEndian.Uint16(h[4:]); v != Version {
		return in, corrupt("version %d (this build reads %d)", v, Version)
	}
	if binary.LittleEndian.Uint16(h[6:])&flagOwnBlob == 0 {
		return in, corrupt("the index blob is not lakelink's encoding")
	}
	in.Kind, in.Metric = Kind(h[8]), vectorops.Metric(h[9])
	if in.Kind > IVFPQ {
		return in, corrupt("unknown index kind %d", h[8])
	}
	in.Dim = int(binary.LittleEndian.Uint32(h[12:]))
	in.Records = binary.LittleEndian.Uint64(h[16:])
	in.Rows = binary.LittleEndian.Uint64(h[24:])
	centLen := int64(binary.LittleEndian.Uint64(h[32:]))
	in.indexLen = int64(binary.LittleEndian.Uint64(h[40:]))
	if int64(binary.LittleEndian.Uint64(h[48:])) != in.Start {
		return in, corrupt("header placed at %d says %d", in.Start, binary.LittleEndian.Uint64(h[48:]))
	}
	if in.Rows != rows || in.Records > rows {
		return in, corrupt("record count %d for %d rows; the file has %d rows", in.Records, in.Rows, rows)
	}
	if in.Dim <= 0 || centLen != int64(4*in.Dim+8) {
		return in, corrupt("centroid of %d bytes for dimension %d", centLen, in.Dim)
	}
	if HeaderSize+centLen+in.indexLen+TrailerSize != total {
		return in, corrupt("index blob of %d bytes does not fit the section's %d (truncated?)", in.indexLen, total)
	}
	cent := make([]byte, centLen)
	if _, err := r.ReadAt(cent, in.Start+HeaderSize); err != nil {
		return in, err
	}
	if crc32.Checksum(cent[:centLen-4], castagnoli) != binary.LittleEndian.Uint32(cent[centLen-4:]) {
		return in, corrupt("centroid checksum mismatch")
	}
	in.Centroid = make([]float32, in.Dim)
	for i := range in.Centroid {
		in.Centroid[i] = math.Float32frombits(binary.LittleEndian.Uint32(cent[4*i:]))
	}
	in.Radius = math.Float32frombits(binary.LittleEndian.Uint32(cent[4*in.Dim:]))
	in.indexOff = in.Start + HeaderSize + centLen
	return in, nil
}

// Searcher is a section's decoded index. Labels are row ordinals.
type Searcher interface {
	Search(q []float32, k, param int, keep func(label uint64) bool) ([]vectorops.Result, error)
	Len() int
}

// indexesRead counts the index blobs Index has read in this process.
var indexesRead atomic.Int64

// IndexesRead is how many index blobs this process has read from files
// (Index): how a search shows that files it skipped by their bound were
// never read past their header.
func IndexesRead() int64 { return indexesRead.Load() }

// Index reads, checks and decodes a section's index blob; a Flat section
// has none (nil, nil).
func Index(r io.ReaderAt, in Info) (Searcher, error) {
	if in.Kind == Flat {
		return nil, nil
	}
	indexesRead.Add(1)
	blob := make([]byte, in.indexLen)
	if _, err := r.ReadAt(blob, in.indexOff); err != nil {
		return nil, fmt.Errorf("column %q: %w", in.Column, err)
	}
	if crc32.Checksum(blob, castagnoli) != in.indexCRC {
		return nil, fmt.Errorf("column %q: %w", in.Column, corrupt("index blob checksum mismatch"))
	}
	var s Searcher
	var err error
	switch in.Kind {
	case HNSW:
		s, err = vectorops.UnmarshalHNSW(blob)
	case IVFPQ:
		s, err = vectorops.UnmarshalIVFPQ(blob)
	}
	if err != nil {
		return nil, fmt.Errorf("column %q: %w", in.Column, corrupt("%v", err))
	}
	if uint64(s.Len()) != in.Records {
		return nil, fmt.Errorf("column %q: %w", in.Column, corrupt("the index holds %d vectors, the header says %d", s.Len(), in.Records))
	}
	return s, nil
}

// Bound is the best distance (by the section's metric, smaller nearer) that
// any vector of the section can have to q: files whose bound is worse than
// a search's current k-th result cannot improve it.
func (in Info) Bound(q []float32) float32 {
	if len(q) != in.Dim {
		return float32(math.Inf(-1))
	}
	var qc, qq, cc float64
	for i, x := range q {
		qc += float64(x) * float64(in.Centroid[i])
		qq += float64(x) * float64(x)
		cc += float64(in.Centroid[i]) * float64(in.Centroid[i])
	}
	r := float64(in.Radius)
	switch in.Metric {
	case vectorops.L2: // |q-x| >= |q-c| - r
		d := math.Sqrt(math.Max(qq-2*qc+cc, 0)) - r
		if d <= 0 {
			return 0
		}
		return float32(d * d)
	case vectorops.Cosine: // x unit: q̂·x <= q̂·c + r
		if qq == 0 {
			return 0
		}
		return float32(1 - math.Min(1, qc/math.Sqrt(qq)+r))
	default: // -(q·x) >= -(q·c + |q| r)
		return float32(-(qc + math.Sqrt(qq)*r))
	}
}
