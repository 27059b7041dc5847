package parquetio

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	pqformat "github.com/parquet-go/parquet-go/format"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/vectorops"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// WriterOptions configure a Writer.
type WriterOptions struct {
	Compression  string `json:"compression,omitempty"`    // snappy (default), zstd, gzip, none
	RowGroupRows int64  `json:"row_group_rows,omitempty"` // default DefaultRowGroupRows
	VectorLayout string `json:"vector_layout,omitempty"`  // VectorList (default), ...
	// VectorPrecision is the FIXED_LEN_BYTE_ARRAY layout's element type:
	// PrecisionF32 (default), PrecisionF16 or PrecisionI8.
	VectorPrecision string `json:"vector_precision,omitempty"`
	// CreatedBy is the writer's name in the footer ("": lakelink).
	CreatedBy string `json:"created_by,omitempty"`
	// Index, when set, embeds AILK sections over the vector columns it
	// names (all of them when it names none).
	Index *IndexOptions `json:"index,omitempty"`
}

// DefaultRowGroupRows is the rows of a row group unless asked otherwise.
const DefaultRowGroupRows = 122_880

// SchemaMetaKey is the footer entry holding an exported file's lakelink
// schema (JSON), which a later import may consult.
const SchemaMetaKey = "lakelink.schema"

// ContentType is the media type of Parquet objects.
const ContentType = "application/vnd.apache.parquet"

// Validate checks the options against the columns a file will hold.
func (o WriterOptions) Validate(columns []lake.Column) error {
	if _, err := codec(o.Compression); err != nil {
		return err
	}
	switch o.VectorLayout {
	case "", VectorList, VectorFixedSizeList, VectorFixedLenByteArray:
	default:
		return fmt.Errorf("unknown vector layout %q (%s)", o.VectorLayout, strings.Join(VectorLayouts, ", "))
	}
	switch o.VectorPrecision {
	case "", PrecisionF32:
	case PrecisionF16, PrecisionI8:
		if o.VectorLayout != VectorFixedLenByteArray {
			return fmt.Errorf("vector_precision '%s' applies to vector_format = '%s'", o.VectorPrecision, VectorFixedLenByteArray)
		}
	default:
		return fmt.Errorf("unknown vector precision %q (%s)", o.VectorPrecision, strings.Join(VectorPrecisions, ", "))
	}
	if o.Index != nil {
		if _, err := o.Index.build(); err != nil {
			return err
		}
		cols, err := o.Index.positions(columns)
		if err != nil {
			return err
		}
		if len(cols) == 0 {
			return fmt.Errorf("vector_index: the export has no VECTOR column")
		}
	}
	return nil
}

func codec(name string) (compress.Codec, error) {
	switch strings.ToLower(name) {
	case "", "snappy":
		return &parquet.Snappy, nil
	case "zstd":
		return &parquet.Zstd, nil
	case "gzip":
		return &parquet.Gzip, nil
	case "none", "uncompressed":
		return &parquet.Uncompressed, nil
	}
	return nil, fmt.Errorf("unknown compression %q (snappy, zstd, gzip, none)", name)
}

// Writer writes batches of a schema as one Parquet file, in row groups of
// RowGroupRows rows, with the lakelink schema in the footer
// (SchemaMetaKey). A file with AILK sections is written to a local
// temporary file first, since the sections go before the footer, which
// the Parquet writer writes last; Close then builds them over the vectors
// the writer kept and copies the file out with them. Otherwise the file
// streams to its io.Writer.
type Writer struct {
	ctx       context.Context
	out       io.Writer
	tmp       *os.File // with sections: the file before them
	w         *parquet.Writer
	enc       rowEncoder
	all       []int // every column's position: a batch holds just the file's columns
	rows      int64
	arena     []parquet.Value
	rowValues int // values per row in the last batch, to size the arena
	buf       []parquet.Row
	// The indexed columns' positions, names, vectors and row ordinals.
	index   []int
	names   []string
	vecs    [][][]float32
	labels  [][]uint64
	build   ailk.Options
	indexed []string
	done    bool
	// AI-Lake FIXED_LEN_BYTE_ARRAY vector columns, and the metric named
	// in their field metadata.
	fields []lake.Column
	metric string
}

// NewWriter starts a Parquet file of columns, written to w. ctx bounds the
// building of AILK sections at Close.
func NewWriter(ctx context.Context, w io.Writer, columns []lake.Column, o WriterOptions) (*Writer, error) {
	if err := o.Validate(columns); err != nil {
		return nil, err
	}
	schema, err := parquetSchema(columns, o.VectorLayout, o.VectorPrecision)
	if err != nil {
		return nil, err
	}
	c, _ := codec(o.Compression)
	pw := &Writer{ctx: ctx, out: w, enc: rowEncoder{columns: columns, layout: o.VectorLayout, precision: o.VectorPrecision}}
	for i := range columns {
		pw.all = append(pw.all, i)
	}
	sink := w
	if o.Index != nil {
		pw.build, _ = o.Index.build()
		pw.index, _ = o.Index.positions(columns)
		pw.names, _ = o.Index.Names(columns)
		pw.vecs = make([][][]float32, len(pw.index))
		pw.labels = make([][]uint64, len(pw.index))
		pw.metric = o.Index.Metric
	}
	if o.VectorLayout == VectorFixedLenByteArray {
		// The AI-Lake field metadata of the vector columns goes in the
		// column chunks' key-value metadata, which the footer rewrite
		// (ailk.Splice) adds.
		for _, c := range columns {
			if c.Type.Kind == lake.KindVector {
				pw.fields = append(pw.fields, c)
			}
		}
	}
	if o.Index != nil || len(pw.fields) > 0 {
		if pw.tmp, err = os.CreateTemp("", "lakelink-export-*.parquet"); err != nil {
			return nil, err
		}
		sink = pw.tmp
	}
	rg := o.RowGroupRows
	if rg <= 0 {
		rg = DefaultRowGroupRows
	}
	createdBy := o.CreatedBy
	if createdBy == "" {
		createdBy = "lakelink"
	}
	opts := []parquet.WriterOption{schema, parquet.Compression(c), parquet.MaxRowsPerRowGroup(rg),
		parquet.CreatedBy(createdBy, "", ""), parquet.PageBufferSize(1 << 20)}
	meta, err := json.Marshal(lake.Schema{Columns: columns})
	if err != nil {
		pw.Abort()
		return nil, err
	}
	opts = append(opts, parquet.KeyValueMetadata(SchemaMetaKey, string(meta)))
	if o.VectorLayout == VectorFixedSizeList {
		as, err := arrowSchemaMeta(columns)
		if err != nil {
			pw.Abort()
			return nil, err
		}
		opts = append(opts, parquet.KeyValueMetadata("ARROW:schema", as))
	}
	pw.w = parquet.NewWriter(sink, opts...)
	return pw, nil
}

// Write appends a batch's rows; its columns are the file's, in order.
func (w *Writer) Write(b lake.Batch) error {
	return w.WriteRows(b.Record, 0, int(b.Record.NumRows()))
}

// WriteRows appends rows [lo, hi) of rec. Rows share one backing array per
// call, which the Parquet writer copies from.
func (w *Writer) WriteRows(rec arrow.RecordBatch, lo, hi int) error {
	if int(rec.NumCols()) != len(w.all) {
		return fmt.Errorf("a batch of %d columns for a file of %d", rec.NumCols(), len(w.all))
	}
	w.buf = w.buf[:0]
	w.arena = w.arena[:0]
	if w.rowValues > 0 {
		w.arena = slices.Grow(w.arena, w.rowValues*(hi-lo))
	}
	var err error
	for i := lo; i < hi; i++ {
		start := len(w.arena)
		w.enc.rows = w.rows + int64(i-lo)
		if w.arena, err = w.enc.appendRow(w.arena, rec, w.all, i); err != nil {
			return err
		}
		w.buf = append(w.buf, parquet.Row(w.arena[start:len(w.arena):len(w.arena)]))
		for k, c := range w.index {
			a := rec.Column(c).(*array.FixedSizeList)
			if a.IsNull(i) {
				continue
			}
			n := int(a.DataType().(*arrow.FixedSizeListType).Len())
			vals := a.ListValues().(*array.Float32).Float32Values()
			v := make([]float32, n)
			copy(v, vals[(a.Offset()+i)*n:])
			// The index is over the values as the file stores them.
			w.enc.roundTrip(v)
			w.vecs[k] = append(w.vecs[k], v)
			w.labels[k] = append(w.labels[k], uint64(w.rows+int64(i-lo)))
		}
	}
	if hi > lo {
		w.rowValues = len(w.arena) / (hi - lo)
	}
	// The rows' slices point into the arena, which append may have moved:
	// rebuild them over its final array.
	off := 0
	for k, r := range w.buf {
		w.buf[k] = parquet.Row(w.arena[off : off+len(r) : off+len(r)])
		off += len(r)
	}
	if _, err := w.w.WriteRows(w.buf); err != nil {
		return err
	}
	w.rows += int64(hi - lo)
	return nil
}

// Size is the bytes of the file so far, the pages still buffered
// included; the footer and any sections come on top.
func (w *Writer) Size() int64 { return w.w.Size() }

// Rows is the rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Indexed names the columns that got AILK sections, after Close: a column
// whose every vector is NULL gets none.
func (w *Writer) Indexed() []string { return w.indexed }

// Close writes the footer and, with sections, builds them and copies the
// file out with them. It does not close the io.Writer.
func (w *Writer) Close() error {
	if w.done {
		return nil
	}
	if err := w.w.Close(); err != nil {
		w.Abort()
		return err
	}
	if w.tmp == nil {
		w.done = true
		return nil
	}
	defer w.Abort()
	st, err := w.tmp.Stat()
	if err != nil {
		return err
	}
	var secs []ailk.Section
	for k, name := range w.names {
		if len(w.vecs[k]) == 0 {
			continue // every vector NULL: nothing to index
		}
		build := w.build
		build.Ctx = w.ctx
		s, err := ailk.Build(name, uint64(w.rows), w.labels[k], w.vecs[k], build)
		if err != nil {
			return err
		}
		secs = append(secs, s)
		w.indexed = append(w.indexed, name)
		w.vecs[k], w.labels[k] = nil, nil
	}
	for i := range secs {
		secs[i].Precision = ailk.ParsePrecision(w.enc.precision)
	}
	_, err = ailk.SpliceWith(w.out, w.tmp, st.Size(), secs, w.fieldMetadata)
	return err
}

// fieldMetadata writes the AI-Lake field metadata of the
// FIXED_LEN_BYTE_ARRAY vector columns into every row group's column
// chunks: ailake.dim, precision, metric, vector_column, record_count (the
// file's rows) and format_version.
func (w *Writer) fieldMetadata(md *pqformat.FileMetaData) {
	metric := w.metric
	if metric == "" {
		metric = "cosine"
	}
	if m, err := vectorops.ParseMetric(metric); err == nil {
		metric = ailk.MetricName(m)
	}
	precision := w.enc.precision
	if precision == "" {
		precision = PrecisionF32
	}
	for _, c := range w.fields {
		idx := -1
		for k, col := range w.enc.columns {
			if col.Name == c.Name {
				idx = k
			}
		}
		kv := []pqformat.KeyValue{{Key: "ailake.dim", Value: strconv.Itoa(c.Type.Dim)}, {Key: "ailake.precision", Value: precision},
			{Key: "ailake.metric", Value: metric}, {Key: "ailake.vector_column", Value: c.Name},
			{Key: "ailake.record_count", Value: strconv.FormatInt(md.NumRows, 10)}, {Key: "ailake.format_version", Value: "1"}}
		for g := range md.RowGroups {
			if idx >= 0 && idx < len(md.RowGroups[g].Columns) {
				md.RowGroups[g].Columns[idx].MetaData.KeyValueMetadata = append(md.RowGroups[g].Columns[idx].MetaData.KeyValueMetadata, kv...)
			}
		}
	}
}

// Abort gives up the file: its temporary file, if any, goes. What it
// streamed to its io.Writer stays; the caller discards that.
func (w *Writer) Abort() {
	w.done = true
	if w.tmp != nil {
		w.tmp.Close()
		os.Remove(w.tmp.Name())
		w.tmp = nil
	}
}

// The write options Parquet declares (format.Format.WriteOptions).
var writeOptions = []format.Option{
	{Name: "compression", Kind: format.String, OneOf: []string{"snappy", "zstd", "gzip", "none", "uncompressed"}, Default: "snappy",
		Help: "the pages' compression"},
	{Name: "row_group_size", Kind: format.Int, Min: 1, Default: int64(DefaultRowGroupRows), Help: "rows per row group"},
	{Name: "vector_format", Kind: format.String, OneOf: VectorLayouts, Default: VectorList,
		Help: "'list' is LIST<FLOAT>; 'fixed_size_list' the same plus the ARROW:schema entry, so that Arrow reads fixed_size_list<float>[n]; 'fixed_len_byte_array' n little-endian elements per value, with the AI-Lake field metadata"},
	{Name: "vector_precision", Kind: format.String, OneOf: VectorPrecisions, Default: PrecisionF32,
		Help: "with vector_format = 'fixed_len_byte_array': 'f32', 'f16' (half precision) or 'i8' (q/127, for values in [-1, 1])"},
}

// OptionsOf are the writer options that settings bound by
// format.BindWrite give: compression, row_group_size and vector_format.
func OptionsOf(s format.Settings) WriterOptions {
	return WriterOptions{Compression: s.String("compression"), RowGroupRows: s.Int("row_group_size"), VectorLayout: s.String("vector_format"), VectorPrecision: s.String("vector_precision")}
}

// newFormatWriter is the registered format's writer: a file without
// sections (exports ask for those through sinks.FileOptions.Index).
func newFormatWriter(w io.Writer, schema lake.Schema, s format.Settings) (format.Writer, error) {
	return NewWriter(context.Background(), w, schema.Columns, OptionsOf(s))
}
