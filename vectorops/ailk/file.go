package ailk

import (
	"encoding/binary"
	"encoding/json"
	"errors"
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

// Footer keys. The format's own, whose values are decimal UTF-8 strings:
// KeyFooterOffset is the absolute offset of the primary (first) vector
// column's section header, ColumnKey(c) the same for each further column.
// lakelink adds KeyColumn, the primary column's name, and per column
// LakelinkKey(c), which names its index blob's encoding (so that a reader
// expecting the reference's HNSW blob fails to decode it instead of
// misreading it) with the vectors indexed and a CRC-32C of the blob.
const (
	KeyFooterOffset = "ailake.footer_offset"
	KeyColumn       = "ailake.vector_column"
)

// ColumnKey is the footer key that holds the offset of a further
// column's section header.
func ColumnKey(column string) string { return "ailake." + column + ".footer_offset" }

// LakelinkKey is the footer key that describes lakelink's index blob of
// column's section (a JSON Encoding).
func LakelinkKey(column string) string { return "lakelink.ailk." + column }

// Encoding is the value of LakelinkKey: the section's header offset (as
// the format's keys give it), the index blob's encoding ("LLHN" HNSW,
// "LLIV" IVF-PQ, "" none: flat), the vectors it indexes (rows with a
// non-NULL vector) and the CRC-32C of the blob and of the header with the
// centroid.
type Encoding struct {
	Header   int64  `json:"header"`
	Encoding string `json:"encoding"`
	Vectors  uint64 `json:"vectors"`
	CRC32C   uint32 `json:"crc32c"`
	// HeadCRC32C is the CRC-32C of the header and the centroid blob: the
	// format has no checksums of its own.
	HeadCRC32C uint32 `json:"head_crc32c"`
}

var blobEncodings = map[Kind]string{Flat: "", HNSW: "LLHN", IVFPQ: "LLIV"}

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
// between its last data and its footer, the first being the primary
// column's, and the footer's key-value metadata pointing at them. Every
// offset the footer already held stays valid, since nothing before the
// footer moves. A file that already has sections is refused. Splice
// returns the bytes written.
func Splice(w io.Writer, src io.ReaderAt, size int64, secs []Section) (int64, error) {
	return SpliceWith(w, src, size, secs, nil)
}

// SpliceWith is Splice with a change of its own to the footer (edit,
// when not nil), such as the AI-Lake field metadata of the column chunks.
func SpliceWith(w io.Writer, src io.ReaderAt, size int64, secs []Section, edit func(*format.FileMetaData)) (int64, error) {
	start, md, err := footer(src, size)
	if err != nil {
		return 0, err
	}
	if edit != nil {
		edit(&md)
	}
	for _, kv := range md.KeyValueMetadata {
		if kv.Key == KeyFooterOffset {
			return 0, ErrHasSections
		}
	}
	n, err := io.Copy(w, io.NewSectionReader(src, 0, start))
	if err != nil {
		return n, err
	}
	off := start
	for i, s := range secs {
		if s.Rows != uint64(md.NumRows) {
			return n, fmt.Errorf("section of column %q is for %d rows, the file has %d", s.Column, s.Rows, md.NumRows)
		}
		b := s.encode(off)
		m, err := w.Write(b)
		n += int64(m)
		if err != nil {
			return n, err
		}
		at := strconv.FormatInt(off, 10)
		if i == 0 {
			md.KeyValueMetadata = append(md.KeyValueMetadata, format.KeyValue{Key: KeyFooterOffset, Value: at}, format.KeyValue{Key: KeyColumn, Value: s.Column})
		} else {
			md.KeyValueMetadata = append(md.KeyValueMetadata, format.KeyValue{Key: ColumnKey(s.Column), Value: at})
		}
		head := b[:HeaderSize+4*s.Dim+4]
		enc, _ := json.Marshal(Encoding{Header: off, Encoding: blobEncodings[s.Kind], Vectors: s.Records,
			CRC32C: crc32.Checksum(s.Index, castagnoli), HeadCRC32C: crc32.Checksum(head, castagnoli)})
		md.KeyValueMetadata = append(md.KeyValueMetadata, format.KeyValue{Key: LakelinkKey(s.Column), Value: string(enc)})
		off += int64(len(b))
	}
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
	Column    string
	Kind      Kind
	Metric    vectorops.Metric
	Precision Precision
	Dim       int
	Records   uint64 // vectors the index holds (rows with a non-NULL vector)
	Rows      uint64 // the file's rows (the header's record_count)
	Centroid  []float32
	Radius    float32
	Start     int64 // offset of the header
	indexOff  int64
	indexLen  int64
	indexCRC  uint32
	legacy    bool // the layout lakelink wrote before v1 (legacy.go)
}

// Sections reads the sections a Parquet file's footer points at, checking
// each one's header, centroid and trailer (not yet its index blob, which
// Index reads). It reads the AI-Lake v1 layout, by lakelink or another
// writer, and lakelink's earlier layout. A file without sections gives
// none and no error. A damaged section is an error wrapping ErrCorrupt
// that names its column; the sections that read well are returned with it.
func Sections(r io.ReaderAt, size int64) ([]Info, error) {
	start, md, err := footer(r, size)
	if err != nil {
		return nil, err
	}
	kv := map[string]string{}
	for _, e := range md.KeyValueMetadata {
		kv[e.Key] = e.Value
	}
	if _, ok := kv[KeyFooterOffset]; !ok {
		return nil, nil
	}
	if isLegacy(kv, start) {
		return legacySections(r, kv, start, uint64(md.NumRows))
	}
	// The columns and their header offsets: the primary's from
	// KeyFooterOffset (named by KeyColumn, else by the only vector
	// column a further key does not name), the others' from ColumnKey.
	offsets := map[string]string{}
	for k, v := range kv {
		if c, ok := strings.CutPrefix(k, "ailake."); ok {
			if c, ok = strings.CutSuffix(c, ".footer_offset"); ok {
				offsets[c] = v
			}
		}
	}
	primary := kv[KeyColumn]
	if primary == "" {
		primary = fieldKV(md, "ailake.vector_column")
	}
	if primary == "" {
		return nil, corrupt("%s is set but no column is named (%s)", KeyFooterOffset, KeyColumn)
	}
	offsets[primary] = kv[KeyFooterOffset]
	cols := make([]string, 0, len(offsets))
	for c := range offsets {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	var out []Info
	var errs []error
	for _, c := range cols {
		in, err := section(r, c, offsets[c], kv[LakelinkKey(c)], start, uint64(md.NumRows))
		if err != nil {
			errs = append(errs, columnError(c, err))
			continue
		}
		out = append(out, in)
	}
	return out, joinErrors(errs)
}

// fieldKV is the value of a key in a column's key-value metadata, "" when
// no column has it.
func fieldKV(md format.FileMetaData, key string) string {
	for _, rg := range md.RowGroups {
		for _, c := range rg.Columns {
			for _, e := range c.MetaData.KeyValueMetadata {
				if e.Key == key {
					return e.Value
				}
			}
		}
	}
	return ""
}

func columnError(column string, err error) error { return fmt.Errorf("column %q: %w", column, err) }

func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%w; %s", errs[0], strings.Join(msgs[1:], "; "))
}

// section reads and checks one v1 section whose header is at offText.
func section(r io.ReaderAt, column, offText, lakelinkText string, end int64, rows uint64) (Info, error) {
	in := Info{Column: column, Kind: Foreign}
	start, err := strconv.ParseInt(offText, 10, 64)
	if err != nil || start < 4 || start+HeaderSize+TrailerSize > end {
		return in, corrupt("header offset %q outside the file's sections", offText)
	}
	in.Start = start
	var h [HeaderSize]byte
	if _, err := r.ReadAt(h[:], start); err != nil {
		return in, err
	}
	if string(h[:4]) != Magic {
		return in, corrupt("bad magic %q", h[:4])
	}
	if v := binary.LittleEndian.Uint16(h[4:]); v != FormatVersion {
		return in, corrupt("format version %d (this build reads %d)", v, FormatVersion)
	}
	flags := binary.LittleEndian.Uint16(h[6:])
	in.Dim = int(binary.LittleEndian.Uint32(h[8:]))
	in.Precision = Precision(h[12])
	m, ok := metricOf(h[13])
	if !ok {
		return in, corrupt("unknown metric %d", h[13])
	}
	in.Metric = m
	if in.Precision > PrecisionI8 {
		return in, corrupt("unknown precision %d", h[12])
	}
	in.Rows = binary.LittleEndian.Uint64(h[16:])
	centOff := binary.LittleEndian.Uint64(h[24:])
	centLen := binary.LittleEndian.Uint64(h[32:])
	indexOff := binary.LittleEndian.Uint64(h[40:])
	in.indexLen = int64(binary.LittleEndian.Uint64(h[48:]))
	if in.Rows != rows {
		return in, corrupt("record count %d; the file has %d rows", in.Rows, rows)
	}
	if in.Dim <= 0 || in.Dim > 1<<16 || centOff != HeaderSize || centLen != uint64(4*in.Dim+4) || indexOff != HeaderSize+centLen {
		return in, corrupt("centroid at %d, %d bytes, index at %d, for dimension %d", centOff, centLen, indexOff, in.Dim)
	}
	total := int64(HeaderSize+centLen) + in.indexLen + TrailerSize
	if in.indexLen < 0 || start+total > end {
		return in, corrupt("index blob of %d bytes does not fit before the footer (truncated?)", in.indexLen)
	}
	var tr [TrailerSize]byte
	if _, err := r.ReadAt(tr[:], start+total-TrailerSize); err != nil {
		return in, err
	}
	if string(tr[20:]) != Magic {
		return in, corrupt("bad trailer magic %q", tr[20:])
	}
	if at, n := int64(binary.LittleEndian.Uint64(tr[0:])), int64(binary.LittleEndian.Uint64(tr[8:])); at != start || n != total {
		return in, corrupt("trailer says %d bytes from %d; the header, %d from %d", n, at, total, start)
	}
	if v, f := binary.LittleEndian.Uint16(tr[16:]), binary.LittleEndian.Uint16(tr[18:]); v != FormatVersion || f != flags {
		return in, corrupt("trailer version %d, flags %d; header %d, %d", v, f, FormatVersion, flags)
	}
	cent := make([]byte, centLen)
	if _, err := r.ReadAt(cent, start+HeaderSize); err != nil {
		return in, err
	}
	in.Centroid = make([]float32, in.Dim)
	for i := range in.Centroid {
		in.Centroid[i] = math.Float32frombits(binary.LittleEndian.Uint32(cent[4*i:]))
	}
	in.Radius = math.Float32frombits(binary.LittleEndian.Uint32(cent[4*in.Dim:]))
	if math.IsNaN(float64(in.Radius)) || in.Radius < 0 {
		return in, corrupt("radius %g", in.Radius)
	}
	in.indexOff = start + int64(indexOff)
	in.Records = in.Rows
	// lakelink's own blob: named in its key, which must agree.
	if lakelinkText != "" {
		var e Encoding
		if err := json.Unmarshal([]byte(lakelinkText), &e); err != nil || e.Header != start {
			return in, corrupt("%s is %q", LakelinkKey(column), lakelinkText)
		}
		kind := Foreign
		for k, enc := range blobEncodings {
			if enc == e.Encoding {
				kind = k
			}
		}
		switch {
		case kind == Foreign:
			return in, nil // an encoding of a later lakelink: scanned
		case kind == Flat && in.indexLen != 0, kind == IVFPQ && flags&flagIVFPQ == 0, kind == HNSW && flags != 0:
			return in, corrupt("flags %d and an index of %d bytes for encoding %q", flags, in.indexLen, e.Encoding)
		case e.Vectors > rows:
			return in, corrupt("%d vectors for %d rows", e.Vectors, rows)
		case crc32.Checksum(append(h[:], cent...), castagnoli) != e.HeadCRC32C:
			return in, corrupt("header or centroid checksum mismatch")
		}
		in.Kind, in.Records, in.indexCRC = kind, e.Vectors, e.CRC32C
	}
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

// ErrForeignIndex is returned by Index for a section whose index blob is
// not lakelink's encoding: its file is searched by an exact scan.
var ErrForeignIndex = fmt.Errorf("the index blob is not lakelink's encoding")

// ErrHasSections is Splice's refusal of a file that has sections already.
var ErrHasSections = errors.New("the file already has AILK sections")

// Index reads, checks and decodes a section's index blob; a Flat section
// has none (nil, nil).
func Index(r io.ReaderAt, in Info) (Searcher, error) {
	switch in.Kind {
	case Flat:
		return nil, nil
	case Foreign:
		return nil, columnError(in.Column, ErrForeignIndex)
	}
	indexesRead.Add(1)
	blob := make([]byte, in.indexLen)
	if _, err := r.ReadAt(blob, in.indexOff); err != nil {
		return nil, columnError(in.Column, err)
	}
	// Only lakelink's own sections (v1 with its key, or legacy) get here,
	// and both carry the blob's checksum.
	if crc32.Checksum(blob, castagnoli) != in.indexCRC {
		return nil, columnError(in.Column, corrupt("index blob checksum mismatch"))
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
		return nil, columnError(in.Column, corrupt("%v", err))
	}
	if uint64(s.Len()) != in.Records {
		return nil, columnError(in.Column, corrupt("the index holds %d vectors, the header says %d", s.Len(), in.Records))
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
	switch {
	case in.Metric == vectorops.L2: // |q-x| >= |q-c| - r
		d := math.Sqrt(math.Max(qq-2*qc+cc, 0)) - r
		if d <= 0 {
			return 0
		}
		return float32(d * d)
	case in.Metric == vectorops.Cosine && in.legacy: // x unit: q̂·x <= q̂·c + r
		if qq == 0 {
			return 0
		}
		return float32(1 - math.Min(1, qc/math.Sqrt(qq)+r))
	case in.Metric == vectorops.Cosine:
		// Every x is within angle t = acos(1 - r) of c, so the angle
		// from q to x is at least angle(q, c) - t.
		if qq == 0 || cc == 0 || r >= 2 {
			return 0
		}
		a := math.Acos(math.Max(-1, math.Min(1, qc/math.Sqrt(qq*cc)))) - math.Acos(1-r)
		if a <= 0 {
			return 0
		}
		return float32(math.Max(0, (1-math.Cos(a))*(1-1e-6)-1e-7))
	default: // -(q·x) >= -(q·c + |q| r)
		return float32(-(qc + math.Sqrt(qq)*r))
	}
}
