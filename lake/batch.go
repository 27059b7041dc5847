package lake

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// Origin is where a batch's rows came from. (Object, RowGroup, FirstRow)
// totally orders the rows of one job: the object's rank in the sorted match
// list comes first (ObjectIndex), then the row group, then the row.
type Origin struct {
	Object      string // the source object's URL or path, as matched
	ObjectIndex int    // rank of Object among the job's sorted inputs
	// RowGroup is the Parquet row group; -1 for a text object, whose rows
	// are numbered by line: FirstRow is then the first row's line number,
	// and the batch's rows sit on consecutive lines.
	RowGroup int
	FirstRow int64 // ordinal of the first row within the object
}

// Less orders origins as the rows they start appear in the job's input.
func (o Origin) Less(p Origin) bool {
	if o.ObjectIndex != p.ObjectIndex {
		return o.ObjectIndex < p.ObjectIndex
	}
	if o.RowGroup != p.RowGroup {
		return o.RowGroup < p.RowGroup
	}
	return o.FirstRow < p.FirstRow
}

func (o Origin) String() string {
	if o.RowGroup < 0 {
		return fmt.Sprintf("%s (line %d)", o.Object, o.FirstRow)
	}
	return fmt.Sprintf("%s (row group %d, first row %d)", o.Object, o.RowGroup, o.FirstRow)
}

// Batch is the unit that flows between pipeline stages: an Arrow record and
// where its rows came from. Batches are immutable once emitted.
type Batch struct {
	Origin Origin
	Record arrow.RecordBatch
}

// Rows is the number of rows in the batch.
func (b Batch) Rows() int {
	if b.Record == nil {
		return 0
	}
	return int(b.Record.NumRows())
}

// EncodeBatch is the Beam coder of Batch: the origin, then the record as one
// Arrow IPC stream.
func EncodeBatch(b Batch) ([]byte, error) {
	var buf bytes.Buffer
	var hdr [binary.MaxVarintLen64]byte
	putString(&buf, b.Origin.Object)
	buf.Write(hdr[:binary.PutVarint(hdr[:], int64(b.Origin.ObjectIndex))])
	buf.Write(hdr[:binary.PutVarint(hdr[:], int64(b.Origin.RowGroup))])
	buf.Write(hdr[:binary.PutVarint(hdr[:], b.Origin.FirstRow)])
	if b.Record == nil {
		buf.WriteByte(0)
		return buf.Bytes(), nil
	}
	buf.WriteByte(1)
	w := ipc.NewWriter(&buf, ipc.WithSchema(b.Record.Schema()))
	if err := w.Write(b.Record); err != nil {
		return nil, fmt.Errorf("encode batch: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encode batch: %w", err)
	}
	return buf.Bytes(), nil
}

// DecodeBatch reverses EncodeBatch.
func DecodeBatch(data []byte) (Batch, error) {
	r := bytes.NewReader(data)
	var b Batch
	var err error
	if b.Origin.Object, err = getString(r); err != nil {
		return b, fmt.Errorf("decode batch: %w", err)
	}
	var v [3]int64
	for i := range v {
		if v[i], err = binary.ReadVarint(r); err != nil {
			return b, fmt.Errorf("decode batch: %w", err)
		}
	}
	b.Origin.ObjectIndex, b.Origin.RowGroup, b.Origin.FirstRow = int(v[0]), int(v[1]), v[2]
	has, err := r.ReadByte()
	if err != nil {
		return b, fmt.Errorf("decode batch: %w", err)
	}
	if has == 0 {
		return b, nil
	}
	ir, err := ipc.NewReader(r)
	if err != nil {
		return b, fmt.Errorf("decode batch: %w", err)
	}
	defer ir.Release()
	if !ir.Next() {
		if ir.Err() != nil {
			return b, fmt.Errorf("decode batch: %w", ir.Err())
		}
		return b, fmt.Errorf("decode batch: no record in stream")
	}
	rec := ir.RecordBatch()
	rec.Retain()
	b.Record = rec
	return b, nil
}

func putString(buf *bytes.Buffer, s string) {
	var hdr [binary.MaxVarintLen64]byte
	buf.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(s)))])
	buf.WriteString(s)
}

func getString(r *bytes.Reader) (string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return "", err
	}
	if n > uint64(r.Len()) {
		return "", fmt.Errorf("string length %d exceeds input", n)
	}
	b := make([]byte, n)
	_, err = r.Read(b)
	return string(b), err
}
