package indexes

import (
	"encoding/binary"
	"fmt"
)

// A segment's encoding: "LLVS", u32 2, u32 part count, then per part its
// length (u64) and encoding. A segment of version 1 is a single part
// (stores written before segments had parts).
const segmentVersion = 2

// EncodeSegment joins encoded parts into a segment.
func EncodeSegment(parts [][]byte) []byte {
	size := partHead
	for _, p := range parts {
		size += 8 + len(p)
	}
	out := make([]byte, 0, size)
	out = append(out, partMagic...)
	out = binary.LittleEndian.AppendUint32(out, segmentVersion)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(parts)))
	for _, p := range parts {
		out = binary.LittleEndian.AppendUint64(out, uint64(len(p)))
		out = append(out, p...)
	}
	return out
}

// SplitSegment returns the encoded parts of a segment, as sub-slices of b.
func SplitSegment(b []byte) ([][]byte, error) {
	if len(b) < partHead || string(b[:4]) != partMagic {
		return nil, fmt.Errorf("not an index segment")
	}
	switch binary.LittleEndian.Uint32(b[4:]) {
	case partVersion:
		return [][]byte{b}, nil
	case segmentVersion:
	default:
		return nil, fmt.Errorf("index segment of unknown version %d", binary.LittleEndian.Uint32(b[4:]))
	}
	n := int(binary.LittleEndian.Uint32(b[8:]))
	if n > len(b)/8 {
		return nil, fmt.Errorf("part count past its size")
	}
	parts := make([][]byte, 0, n)
	off := partHead
	for range n {
		if off+8 > len(b) {
			return nil, fmt.Errorf("truncated segment")
		}
		l := binary.LittleEndian.Uint64(b[off:])
		off += 8
		if l > uint64(len(b)-off) {
			return nil, fmt.Errorf("truncated part")
		}
		parts = append(parts, b[off:off+int(l)])
		off += int(l)
	}
	if off != len(b) {
		return nil, fmt.Errorf("%d bytes after the last part", len(b)-off)
	}
	return parts, nil
}

// DecodeSegment decodes every part of a segment.
func DecodeSegment(b []byte) ([]*Part, error) {
	raw, err := SplitSegment(b)
	if err != nil {
		return nil, err
	}
	parts := make([]*Part, len(raw))
	for i, r := range raw {
		if parts[i], err = DecodePart(r); err != nil {
			return nil, fmt.Errorf("part %d: %w", i, err)
		}
	}
	return parts, nil
}
