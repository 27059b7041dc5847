package sinks

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/transforms"
)

// Segment describes one staged object.
type Segment struct {
	Name   string      `json:"name"` // object key in the staging bucket
	Origin lake.Origin `json:"origin"`
	Rows   int64       `json:"rows"`   // staged rows
	Errors int64       `json:"errors"` // staged row errors
	Bytes  int64       `json:"bytes"`
	// InMemory: the segment is held in the committing process's memory
	// (StageOptions.SpillThreshold), not in the staging bucket.
	InMemory bool `json:"in_memory,omitempty"`
	// An object's read statistics ride in the manifest as a segment with
	// no rows: one per object, so that a retried bundle counts once.
	Objects         int64  `json:"objects,omitempty"`
	Version         string `json:"version,omitempty"` // the object's ETag, MD5 or modification time
	RowGroups       int64  `json:"row_groups,omitempty"`
	RowGroupsPruned int64  `json:"row_groups_pruned,omitempty"`
	// A part of an index that a worker built (BuildIndexes): the index's
	// name and the vectors in the part.
	Index   string `json:"index,omitempty"`
	Vectors int64  `json:"vectors,omitempty"`
}

// Manifest is the list of a job's segments in input order.
type Manifest struct {
	Job      string    `json:"job"`
	Segments []Segment `json:"segments"`
}

// InMemory is the number of bytes of row segments staged in memory.
func (m Manifest) InMemory() (n int64) {
	for _, s := range m.Segments {
		if s.InMemory {
			n += s.Bytes
		}
	}
	return n
}

// Sources lists the objects the job read: name, size and version.
func (m Manifest) Sources() []store.SourceObject {
	var out []store.SourceObject
	for _, s := range m.Segments {
		if s.Objects > 0 {
			out = append(out, store.SourceObject{URL: s.Origin.Object, Size: s.Bytes, Version: s.Version})
		}
	}
	return out
}

// Totals sums the read statistics of the manifest's objects.
func (m Manifest) Totals() (objects, bytes, rowGroups, pruned int64) {
	for _, s := range m.Segments {
		if s.Objects > 0 {
			objects += s.Objects
			bytes += s.Bytes
			rowGroups += s.RowGroups
			pruned += s.RowGroupsPruned
		}
	}
	return
}

// Sort puts segments in input order (origin, then name) and drops repeated
// descriptors of one object: a bundle that ran twice staged the same object
// twice under the same name, and it must load once.
func (m *Manifest) Sort() {
	seen := map[string]bool{}
	kept := m.Segments[:0]
	for _, s := range m.Segments {
		if !seen[s.Name] {
			seen[s.Name] = true
			kept = append(kept, s)
		}
	}
	m.Segments = kept
	sort.Slice(m.Segments, func(i, j int) bool {
		a, b := m.Segments[i], m.Segments[j]
		if a.Origin != b.Origin {
			return a.Origin.Less(b.Origin)
		}
		return a.Name < b.Name
	})
}

const (
	segMagic = "LLSEG1\n"
	// segMagicRows marks a segment whose rows are not one per source row
	// (an expanded adjacency list): each row starts with its source row's
	// offset from the segment's origin (uvarint).
	segMagicRows = "LLSEG2\n"
)

// Staged row segment layout: the magic, then per row
// [uvarint len(key)][key][uvarint len(value)][value], key and value as
// store.AppendKey and store.AppendRow make them (an empty key for tables
// without a primary key); under segMagicRows each row is preceded by
// [uvarint source row offset].

func encodeRows(schema lake.Schema, b lake.Batch) ([]byte, error) {
	pk := schema.PKIndexes()
	var out []byte
	var key, val []byte
	var err error
	magic := segMagic
	var srcRows *array.Int64 // set for an expanded batch
	if b.Record != nil {
		if f := b.Record.Schema().FieldIndices(transforms.SourceRowColumn); len(f) == 1 {
			srcRows, _ = b.Record.Column(f[0]).(*array.Int64)
			magic = segMagicRows
		}
	}
	for i := 0; i < b.Rows(); i++ {
		if i == 1 {
			// Size the segment from the first row, so it is allocated once.
			grown := make([]byte, len(out), len(out)+(len(out)-len(magic))*(b.Rows()+b.Rows()/8))
			copy(grown, out)
			out = grown
		}
		if i == 0 {
			out = append(out, magic...)
		}
		row := int64(i)
		if srcRows != nil {
			row = srcRows.Value(i)
			out = binary.AppendUvarint(out, uint64(row))
		}
		key = key[:0]
		if len(pk) > 0 {
			if key, err = store.AppendKey(key, schema, pk, b.Record, i); err != nil {
				return nil, fmt.Errorf("%s row %d: %w", b.Origin.Object, b.Origin.FirstRow+row, err)
			}
		}
		if val, err = store.AppendRow(val[:0], schema, b.Record, i); err != nil {
			return nil, fmt.Errorf("%s row %d: %w", b.Origin.Object, b.Origin.FirstRow+row, err)
		}
		out = binary.AppendUvarint(out, uint64(len(key)))
		out = append(out, key...)
		out = binary.AppendUvarint(out, uint64(len(val)))
		out = append(out, val...)
	}
	return out, nil
}

// readRowsFrom calls fn for each row of a segment held in memory, with its
// source row's offset from the segment's origin; keys and values are
// sub-slices of data.
func readRowsFrom(data []byte, fn func(key, val []byte, row int64) error) error {
	if len(data) < len(segMagic) || string(data[:len(segMagic)]) != segMagic && string(data[:len(segMagic)]) != segMagicRows {
		return fmt.Errorf("not a staged segment")
	}
	rowed := string(data[:len(segMagic)]) == segMagicRows
	data = data[len(segMagic):]
	next := func() ([]byte, error) {
		n, k := binary.Uvarint(data)
		if k <= 0 || n > uint64(len(data)-k) {
			return nil, fmt.Errorf("corrupt segment")
		}
		v := data[k : k+int(n) : k+int(n)]
		data = data[k+int(n):]
		return v, nil
	}
	for ordinal := int64(0); len(data) > 0; ordinal++ {
		row := ordinal
		if rowed {
			r, k := binary.Uvarint(data)
			if k <= 0 || r > 1<<62 {
				return fmt.Errorf("corrupt segment")
			}
			row, data = int64(r), data[k:]
		}
		key, err := next()
		if err != nil {
			return err
		}
		val, err := next()
		if err != nil {
			return err
		}
		if err := fn(key, val, row); err != nil {
			return err
		}
	}
	return nil
}

// readRows calls fn for each staged row. The slices are never reused (the
// commit keeps them until it flushes); they are carved from large chunks so
// that a row costs no allocation of its own.
func readRows(r io.Reader, fn func(key, val []byte, row int64) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var arena []byte
	carve := func(n int) []byte {
		if n > len(arena) {
			arena = make([]byte, max(n, 4<<20))
		}
		b := arena[:n:n]
		arena = arena[n:]
		return b
	}
	magic := make([]byte, len(segMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != segMagic && string(magic) != segMagicRows {
		return fmt.Errorf("not a staged segment")
	}
	rowed := string(magic) == segMagicRows
	for ordinal := int64(0); ; ordinal++ {
		row := ordinal
		if rowed {
			r, err := binary.ReadUvarint(br)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil || r > 1<<62 {
				return fmt.Errorf("corrupt segment: bad row")
			}
			row = int64(r)
		}
		kl, err := binary.ReadUvarint(br)
		if errors.Is(err, io.EOF) && !rowed {
			return nil
		}
		if err != nil {
			return fmt.Errorf("corrupt segment: %w", err)
		}
		if kl > 1<<16 {
			return fmt.Errorf("corrupt segment: bad key length")
		}
		key := carve(int(kl))
		if _, err := io.ReadFull(br, key); err != nil {
			return fmt.Errorf("corrupt segment: %w", err)
		}
		vl, err := binary.ReadUvarint(br)
		if err != nil || vl > 1<<30 {
			return fmt.Errorf("corrupt segment: bad value length")
		}
		val := carve(int(vl))
		if _, err := io.ReadFull(br, val); err != nil {
			return fmt.Errorf("corrupt segment: %w", err)
		}
		if err := fn(key, val, row); err != nil {
			return err
		}
	}
}
