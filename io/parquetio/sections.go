package parquetio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/vectorops"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// IndexOptions ask a Writer for AILK sections (package ailk) over
// vector columns.
type IndexOptions struct {
	Kind    string                `json:"kind"`              // hnsw, ivfpq, flat or auto
	Metric  string                `json:"metric"`            // l2, cosine or ip
	Columns []string              `json:"columns,omitempty"` // default: every vector column
	HNSW    vectorops.HNSWConfig  `json:"hnsw"`
	IVFPQ   vectorops.IVFPQConfig `json:"ivfpq"`
	// Workers build an HNSW graph (0: all cores; 1 makes it reproducible).
	Workers int `json:"workers,omitempty"`
}

func (o IndexOptions) build() (ailk.Options, error) {
	k, err := ailk.ParseKind(o.Kind)
	if err != nil {
		return ailk.Options{}, err
	}
	m, err := vectorops.ParseMetric(o.Metric)
	if err != nil {
		return ailk.Options{}, err
	}
	return ailk.Options{Kind: k, Metric: m, HNSW: o.HNSW, IVFPQ: o.IVFPQ, Workers: o.Workers}, nil
}

// Names names the columns among columns that the sections index: those
// Columns names, else every VECTOR column (what Writer indexes, and what
// AddSectionsToFile is given for a file of those columns).
func (o IndexOptions) Names(columns []lake.Column) ([]string, error) {
	pos, err := o.positions(columns)
	names := make([]string, len(pos))
	for k, i := range pos {
		names[k] = columns[i].Name
	}
	return names, err
}

// positions are the indexed columns' positions among columns: those
// Columns names, else every VECTOR column.
func (o IndexOptions) positions(columns []lake.Column) ([]int, error) {
	var out []int
	if len(o.Columns) == 0 {
		for i, c := range columns {
			if c.Type.Kind == lake.KindVector {
				out = append(out, i)
			}
		}
		return out, nil
	}
	for _, name := range o.Columns {
		i := slices.IndexFunc(columns, func(c lake.Column) bool { return strings.EqualFold(c.Name, name) })
		if i < 0 || columns[i].Type.Kind != lake.KindVector {
			return nil, fmt.Errorf("vector_index: %q is not a VECTOR column of the export", name)
		}
		out = append(out, i)
	}
	return out, nil
}

// AddSectionsToFile rewrites the Parquet object key of b with AILK
// sections over the named vector columns (LIST<FLOAT> or
// FIXED_LEN_BYTE_ARRAY), and returns its new size, SHA-256 and the
// columns indexed. The object is replaced in one write, so readers see the
// old file or the new one. A file that has sections already is left
// alone: the error wraps ailk.ErrHasSections, with its size and SHA-256.
func AddSectionsToFile(ctx context.Context, b *blob.Bucket, key string, columns []string, o IndexOptions) (int64, string, []string, error) {
	build, err := o.build()
	if err != nil {
		return 0, "", nil, err
	}
	tmp, err := os.CreateTemp("", "lakelink-index-*.parquet")
	if err != nil {
		return 0, "", nil, err
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
	}
	hw := objstore.NewHashWriter(tmp)
	size, err := io.Copy(hw, r)
	r.Close()
	if err != nil {
		return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
	}
	pf, err := parquet.OpenFile(tmp, size)
	if err != nil {
		return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
	}
	// A file with sections is left as it is (a resumed step meets the
	// files it did before): its size and SHA-256 come with the error.
	for _, kv := range pf.Metadata().KeyValueMetadata {
		if kv.Key == ailk.KeyFooterOffset {
			return size, hw.SHA256(), nil, fmt.Errorf("object %s: %w", key, ailk.ErrHasSections)
		}
	}
	var secs []ailk.Section
	var indexed []string
	for _, name := range columns {
		labels, vecs, err := FileVectors(pf, name)
		if err != nil {
			return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
		}
		if len(vecs) == 0 {
			continue
		}
		build.Ctx = ctx
		s, err := ailk.Build(name, uint64(pf.NumRows()), labels, vecs, build)
		if err != nil {
			return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
		}
		secs = append(secs, s)
		indexed = append(indexed, name)
	}
	w, err := b.NewWriter(ctx, key, &blob.WriterOptions{ContentType: ContentType})
	if err != nil {
		return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
	}
	h := objstore.NewHashWriter(w)
	if _, err := ailk.Splice(h, tmp, size, secs); err != nil {
		w.Close()
		return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
	}
	return h.Size(), h.SHA256(), indexed, nil
}

// FileVectors reads a vector column of a Parquet file: the row ordinal and
// the vector of every row whose vector is not NULL. The column is a
// LIST<FLOAT> (every list of one length) or a FIXED_LEN_BYTE_ARRAY of
// little-endian float32s.
func FileVectors(pf *parquet.File, column string) ([]uint64, [][]float32, error) {
	leaf, ok := pf.Schema().Lookup(column)
	if !ok {
		leaf, ok = pf.Schema().Lookup(column, "list", "element")
	}
	if !ok {
		return nil, nil, fmt.Errorf("no column %q", column)
	}
	fixed := leaf.Node.Type().Kind() == parquet.FixedLenByteArray
	if !fixed && leaf.Node.Type().Kind() != parquet.Float {
		return nil, nil, fmt.Errorf("column %q is not a vector (LIST<FLOAT> or FIXED_LEN_BYTE_ARRAY)", column)
	}
	half, i8 := false, false // an AI-Lake F16 or I8 column
	if _, prec, ok := AILakeVector(pf, leaf.ColumnIndex); fixed && ok {
		switch prec {
		case PrecisionF16:
			half = true
		case PrecisionI8:
			i8 = true
		case PrecisionF32:
		default:
			return nil, nil, fmt.Errorf("column %q: AI-Lake precision %q is not f32, f16 or i8", column, prec)
		}
	}
	var labels []uint64
	var vecs [][]float32
	var cur []float32
	var row int64 = -1
	end := func() {
		if cur != nil {
			labels = append(labels, uint64(row))
			vecs = append(vecs, cur)
			cur = nil
		}
	}
	for _, rg := range pf.RowGroups() {
		pages := rg.ColumnChunks()[leaf.ColumnIndex].Pages()
		buf := make([]parquet.Value, 4096)
		for {
			p, err := pages.ReadPage()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				pages.Close()
				return nil, nil, err
			}
			vr := p.Values()
			for {
				n, err := vr.ReadValues(buf)
				for _, v := range buf[:n] {
					if v.RepetitionLevel() == 0 {
						end()
						row++
					}
					if v.IsNull() {
						continue
					}
					if fixed && i8 {
						b := v.ByteArray()
						cur = make([]float32, len(b))
						for i := range cur {
							cur[i] = float32(int8(b[i])) / 127
						}
						continue
					}
					if fixed && half {
						b := v.ByteArray()
						cur = make([]float32, len(b)/2)
						for i := range cur {
							cur[i] = float16.FromBits(binary.LittleEndian.Uint16(b[2*i:])).Float32()
						}
						continue
					}
					if fixed {
						b := v.ByteArray()
						cur = make([]float32, len(b)/4)
						for i := range cur {
							cur[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
						}
						continue
					}
					if cur == nil {
						cur = make([]float32, 0, 16)
					}
					cur = append(cur, v.Float())
				}
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					parquet.Release(p)
					pages.Close()
					return nil, nil, err
				}
			}
			parquet.Release(p)
		}
		pages.Close()
	}
	end()
	for i, v := range vecs {
		if len(v) != len(vecs[0]) {
			return nil, nil, fmt.Errorf("column %q: row %d has %d values, row %d has %d: not a vector column", column, labels[i], len(v), labels[0], len(vecs[0]))
		}
	}
	return labels, vecs, nil
}
