package ailk

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/lakelink/lakelink/vectorops"
)

// The layout lakelink wrote before it followed the AI-Lake format v1
// (files exported up to 2026-12-07), still read. Its marks: the footer key
// "ailake.version", "ailake.footer_offset" equal to where the footer
// starts (the sections' end), per column "ailake.<c>.footer_offset" at the
// section's trailer, and the trailer magic "KLIA". Its header:
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
//
// then the centroid (of the vectors normalised for cosine), the radius (a
// Euclidean distance) and a CRC-32C of both, the index blob, and the
// trailer: section start (u64), length (u64), CRC-32C of the blob (u32),
// "KLIA".
const (
	legacyKeyVersion   = "ailake.version"
	legacyTrailerMagic = "KLIA"
	legacyFlagOwnBlob  = 1
)

// isLegacy reports whether a footer's key-value metadata is the old layout's.
func isLegacy(kv map[string]string, footerStart int64) bool {
	_, v := kv[legacyKeyVersion]
	return v && kv[KeyFooterOffset] == strconv.FormatInt(footerStart, 10)
}

func legacySections(r io.ReaderAt, kv map[string]string, end int64, rows uint64) ([]Info, error) {
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
		in, err := legacySection(r, c, kv["ailake."+c+".footer_offset"], end, rows)
		if err != nil {
			errs = append(errs, columnError(c, err))
			continue
		}
		out = append(out, in)
	}
	return out, joinErrors(errs)
}

func legacySection(r io.ReaderAt, column, offText string, end int64, rows uint64) (Info, error) {
	in := Info{Column: column, legacy: true, Precision: PrecisionF32}
	toff, err := strconv.ParseInt(offText, 10, 64)
	if err != nil || toff < 4+HeaderSize || toff+TrailerSize > end {
		return in, corrupt("trailer offset %q outside the sections", offText)
	}
	var tr [TrailerSize]byte
	if _, err := r.ReadAt(tr[:], toff); err != nil {
		return in, err
	}
	if string(tr[20:]) != legacyTrailerMagic {
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
	if string(h[:4]) != Magic {
		return in, corrupt("bad magic %q", h[:4])
	}
	if crc32.Checksum(h[:56], castagnoli) != binary.LittleEndian.Uint32(h[56:]) {
		return in, corrupt("header checksum mismatch")
	}
	if v := binary.LittleEndian.Uint16(h[4:]); v != FormatVersion {
		return in, corrupt("version %d (this build reads %d)", v, FormatVersion)
	}
	if binary.LittleEndian.Uint16(h[6:])&legacyFlagOwnBlob == 0 {
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
