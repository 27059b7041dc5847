package indexes

import (
	"encoding/binary"
	"fmt"
)

// Staged is a part that a worker built over staged row segments, before
// the commit decides which of their rows it writes (a row may lose to a
// later one with its key, or be a duplicate): entry i is row Origins[i]
// of staged segment Segments[Origins[i].Segment], and every version in
// Part is 0 until Resolve sets them.
type Staged struct {
	Segments []string
	Origins  []Origin
	Part     []byte
}

// Origin is where an entry of a staged part came from.
type Origin struct {
	Segment int   // index into Staged.Segments
	Row     int64 // row position within that segment
}

// Staged encoding: "LLSX", u32 1, u32 segment count, the segment names
// (uvarint length, bytes), u32 entry count, per entry uvarint segment and
// uvarint row, then the part.
const stagedMagic = "LLSX"

// MarshalBinary encodes s.
func (s Staged) MarshalBinary() ([]byte, error) {
	out := append([]byte(stagedMagic), 1, 0, 0, 0)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(s.Segments)))
	for _, name := range s.Segments {
		out = binary.AppendUvarint(out, uint64(len(name)))
		out = append(out, name...)
	}
	out = binary.LittleEndian.AppendUint32(out, uint32(len(s.Origins)))
	for _, o := range s.Origins {
		out = binary.AppendUvarint(out, uint64(o.Segment))
		out = binary.AppendUvarint(out, uint64(o.Row))
	}
	return append(out, s.Part...), nil
}

// UnmarshalStaged decodes a staged part; Part is a sub-slice of b.
func UnmarshalStaged(b []byte) (Staged, error) {
	var s Staged
	bad := func(what string) (Staged, error) { return Staged{}, fmt.Errorf("staged index part: %s", what) }
	if len(b) < 12 || string(b[:4]) != stagedMagic || binary.LittleEndian.Uint32(b[4:]) != 1 {
		return bad("not a staged part of this version")
	}
	off := 8
	u32 := func() (int, bool) {
		if off+4 > len(b) {
			return 0, false
		}
		v := binary.LittleEndian.Uint32(b[off:])
		off += 4
		return int(v), int(v) <= len(b)
	}
	uv := func() (uint64, bool) {
		v, k := binary.Uvarint(b[off:])
		if k <= 0 {
			return 0, false
		}
		off += k
		return v, true
	}
	nseg, ok := u32()
	if !ok {
		return bad("truncated")
	}
	for range nseg {
		l, ok := uv()
		if !ok || l > uint64(len(b)-off) {
			return bad("truncated segment name")
		}
		s.Segments = append(s.Segments, string(b[off:off+int(l)]))
		off += int(l)
	}
	n, ok := u32()
	if !ok {
		return bad("truncated")
	}
	s.Origins = make([]Origin, n)
	for i := range s.Origins {
		seg, ok1 := uv()
		row, ok2 := uv()
		if !ok1 || !ok2 || seg >= uint64(nseg) || row > 1<<62 {
			return bad("bad entry origin")
		}
		s.Origins[i] = Origin{Segment: int(seg), Row: int64(row)}
	}
	s.Part = b[off:]
	return s, nil
}

// Resolve sets each entry's version to version when written says that
// the commit wrote its row, and to 0 (never current) otherwise, and
// returns the part and how many entries are live. written also returns
// the key the commit stored the row under when it is not the staged one
// (a table without a primary key gives each row a hidden row id only at
// commit), or nil. The part is updated in place when no key changes.
func (s Staged) Resolve(version uint64, written func(segment string, row int64) (key []byte, ok bool)) (part []byte, live int, err error) {
	count := 0
	part, err = SetEntries(s.Part, func(i int, _ []byte) (uint64, []byte) {
		count = i + 1
		if i >= len(s.Origins) {
			return 0, nil
		}
		key, ok := written(s.Segments[s.Origins[i].Segment], s.Origins[i].Row)
		if !ok {
			return 0, nil
		}
		live++
		return version, key
	})
	if err == nil && count != len(s.Origins) {
		err = fmt.Errorf("staged index part: %d origins for %d entries", len(s.Origins), count)
	}
	return part, live, err
}
