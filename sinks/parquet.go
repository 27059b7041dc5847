package sinks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/vectorops"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// Partition is one level of an export's Hive-style folders: a column's
// value (name=value), or with Date the date of a timestamp column
// (name_date=2024-05-01), which stays in the files.
type Partition struct {
	Column string `json:"column"`
	Date   bool   `json:"date,omitempty"`
}

// Folder is the partition's folder name before the '='.
func (p Partition) Folder() string {
	if p.Date {
		return p.Column + "_date"
	}
	return p.Column
}

// HiveNull is the folder value of a NULL partition value.
const HiveNull = "__HIVE_DEFAULT_PARTITION__"

// IndexOptions ask WriteParquet for AILK sections (package ailk) over the
// vector columns.
type IndexOptions struct {
	Kind    string                `json:"kind"`              // hnsw, ivfpq or flat
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

// ParquetOptions configure WriteParquet. They travel to the workers as
// JSON.
type ParquetOptions struct {
	// Bucket is the destination bucket (a objstore.OpenBucket URL or a local
	// folder); files are written under Prefix in it.
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix"`
	// File, when set, is the key (under Prefix) of the one file that all
	// rows go to; the batches then come from one range.
	File string `json:"file,omitempty"`
	// Schema is the batches' columns; partition columns are left out of
	// the files, their values are in the folder names.
	Schema       lake.Schema `json:"schema"`
	Compression  string      `json:"compression,omitempty"`    // snappy (default), zstd, gzip, none
	RowGroupRows int64       `json:"row_group_rows,omitempty"` // default DefaultRowGroupRows
	// MaxFileBytes starts a new file once one has this many bytes; 0 for
	// no limit.
	MaxFileBytes int64         `json:"max_file_bytes,omitempty"`
	PartitionBy  []Partition   `json:"partition_by,omitempty"`
	VectorLayout string        `json:"vector_layout,omitempty"` // VectorList (default), ...
	Index        *IndexOptions `json:"index,omitempty"`
	// CreatedBy is the writer's name in the files' footers.
	CreatedBy string `json:"created_by,omitempty"`
	// Format is a registered format with a writer (format.Format.NewWriter)
	// to write instead of Parquet, with its options as given; "" is
	// Parquet. Compression, row groups, vector layouts and vector indexes
	// are Parquet's alone.
	Format string `json:"format,omitempty"`
	// FormatOptions are the format's options as JSON (an object of
	// option to value): Beam's schema coder takes no values of any type.
	FormatOptions string `json:"format_options,omitempty"`
}

// formatOptions decodes FormatOptions.
func (o ParquetOptions) formatOptions() (map[string]any, error) {
	if o.FormatOptions == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(o.FormatOptions), &m); err != nil {
		return nil, fmt.Errorf("sinks: bad format options: %w", err)
	}
	return m, nil
}

// parquet reports whether the files are Parquet.
func (o ParquetOptions) parquet() bool { return o.Format == "" || o.Format == "parquet" }

// Extension is the ending of the files' names: .parquet, .csv, ...
func (o ParquetOptions) Extension() string {
	if o.parquet() {
		return ".parquet"
	}
	return "." + o.Format
}

// DefaultRowGroupRows is the rows of a row group unless asked otherwise.
const DefaultRowGroupRows = 122_880

// WrittenFile describes one file WriteParquet wrote.
type WrittenFile struct {
	Key       string   `json:"key"`                 // under the options' Prefix
	Partition string   `json:"partition,omitempty"` // its folders, a/b=c
	Rows      int64    `json:"rows"`
	Bytes     int64    `json:"bytes"`
	SHA256    string   `json:"sha256"`
	Range     int      `json:"range"`
	Seq       int      `json:"seq"`
	Indexed   []string `json:"indexed,omitempty"` // the columns with AILK sections
}

// Validate checks the options against the schema.
func (o ParquetOptions) Validate() error {
	if _, err := codec(o.Compression); err != nil {
		return err
	}
	switch o.VectorLayout {
	case "", VectorList, VectorFixedSizeList, VectorFixedLenByteArray:
	default:
		return fmt.Errorf("unknown vector layout %q (%s)", o.VectorLayout, strings.Join(VectorLayouts, ", "))
	}
	if o.File != "" && len(o.PartitionBy) > 0 {
		return fmt.Errorf("partition_by writes folders: give a folder URL ending in /, not a file")
	}
	for _, p := range o.PartitionBy {
		i := o.Schema.Index(p.Column)
		if i < 0 {
			return fmt.Errorf("partition_by: no column %q", p.Column)
		}
		switch t := o.Schema.Columns[i].Type; {
		case p.Date && t.Kind != lake.KindTimestamp && t.Kind != lake.KindDate:
			return fmt.Errorf("partition_by DATE(%s): the column is %s, not a timestamp", p.Column, t)
		case t.Kind == lake.KindVector || t.Kind == lake.KindArray || t.Kind == lake.KindJSONB:
			return fmt.Errorf("partition_by %s: a %s column cannot name a folder", p.Column, t)
		}
	}
	if !o.parquet() {
		f, err := format.Lookup(o.Format)
		if err != nil {
			return err
		}
		if f.NewWriter == nil {
			return fmt.Errorf("format %s is read, not written", f.Name)
		}
		raw, err := o.formatOptions()
		if err != nil {
			return err
		}
		if _, err := f.Bind(raw); err != nil {
			return err
		}
		if o.Index != nil {
			return fmt.Errorf("vector_index: AILK sections live in Parquet files, not in %s", f.Name)
		}
		if o.Compression != "" || o.RowGroupRows != 0 || o.VectorLayout != "" {
			return fmt.Errorf("compression, row_group_size and vector_format apply to Parquet files, not to %s", f.Name)
		}
	}
	if o.Index != nil {
		if _, err := o.Index.build(); err != nil {
			return err
		}
		cols, err := o.indexColumns()
		if err != nil {
			return err
		}
		if len(cols) == 0 {
			return fmt.Errorf("vector_index: the export has no VECTOR column")
		}
	}
	if len(o.fileColumns()) == 0 {
		return fmt.Errorf("every column is a partition column: the files would have none")
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

// fileColumns are the columns the files hold: all but plain partitions.
func (o ParquetOptions) fileColumns() []int {
	var out []int
	for i, c := range o.Schema.Columns {
		part := false
		for _, p := range o.PartitionBy {
			part = part || !p.Date && strings.EqualFold(p.Column, c.Name)
		}
		if !part {
			out = append(out, i)
		}
	}
	return out
}

// indexColumns are the positions (in the schema) of the indexed columns.
func (o ParquetOptions) indexColumns() ([]int, error) {
	if o.Index == nil {
		return nil, nil
	}
	var out []int
	if len(o.Index.Columns) == 0 {
		for _, i := range o.fileColumns() {
			if o.Schema.Columns[i].Type.Kind == lake.KindVector {
				out = append(out, i)
			}
		}
		return out, nil
	}
	for _, name := range o.Index.Columns {
		i := o.Schema.Index(name)
		if i < 0 || o.Schema.Columns[i].Type.Kind != lake.KindVector {
			return nil, fmt.Errorf("vector_index: %q is not a VECTOR column of the export", name)
		}
		out = append(out, i)
	}
	return out, nil
}

// WriteParquet writes batches as Parquet files and returns what it wrote.
// A worker writes the rows of each range (a batch's Origin.ObjectIndex)
// and partition to files of their own, named part-RRRRR-SSSS.parquet by
// range and sequence, so that the rows of a range stay in their order.
// Files are complete objects once listed in the output; a failed bundle's
// files are never listed, and the caller publishes only what is.
func WriteParquet(s beam.Scope, opt ParquetOptions, batches beam.PCollection) beam.PCollection {
	s = s.Scope("sinks.WriteParquet")
	return beam.ParDo(s, &writeParquetFn{Opt: opt}, batches)
}

type writeParquetFn struct {
	Opt ParquetOptions `json:"opt"`

	bucket  *blob.Bucket
	done    func()
	series  map[string]*fileSeries // by range and partition, in a bundle
	seq     map[string]int
	columns []lake.Column
	cols    []int // the file columns' positions in the batches
	index   []int // the indexed columns' positions among the file columns
	build   ailk.Options
}

func (fn *writeParquetFn) Setup(ctx context.Context) error {
	var err error
	fn.bucket, fn.done, err = objstore.OpenBucket(ctx, fn.Opt.Bucket)
	if err != nil {
		return err
	}
	fn.cols = fn.Opt.fileColumns()
	fn.columns = nil
	for _, c := range fn.cols {
		fn.columns = append(fn.columns, fn.Opt.Schema.Columns[c])
	}
	idx, err := fn.Opt.indexColumns()
	if err != nil {
		return err
	}
	fn.index = nil
	for _, i := range idx {
		for k, c := range fn.cols {
			if c == i {
				fn.index = append(fn.index, k)
			}
		}
	}
	if fn.Opt.Index != nil {
		fn.build, _ = fn.Opt.Index.build()
	}
	return nil
}

func (fn *writeParquetFn) Teardown() {
	for _, sr := range fn.series {
		sr.finish()
	}
	if fn.done != nil {
		fn.done()
	}
}

func (fn *writeParquetFn) StartBundle(_ context.Context, _ func(WrittenFile)) {
	fn.series = map[string]*fileSeries{}
	if fn.seq == nil {
		fn.seq = map[string]int{}
	}
}

func (fn *writeParquetFn) ProcessElement(ctx context.Context, b lake.Batch, emit func(WrittenFile)) error {
	rec := b.Record
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	parts := make([]string, n)
	if len(fn.Opt.PartitionBy) > 0 {
		for i := range parts {
			p, err := fn.partition(rec, i)
			if err != nil {
				return fmt.Errorf("%s: %w", b.Origin, err)
			}
			parts[i] = p
		}
	}
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && parts[hi] == parts[lo] {
			hi++
		}
		id := strconv.Itoa(b.Origin.ObjectIndex) + "/" + parts[lo]
		sr := fn.series[id]
		if sr == nil {
			sr = fn.startSeries(ctx, b.Origin.ObjectIndex, parts[lo], fn.seq[id])
			fn.series[id] = sr
		}
		if sr.failed.Load() {
			_, err := sr.finish()
			return err
		}
		sr.in <- pendingRows{rec: rec, lo: lo, hi: hi}
		lo = hi
	}
	return nil
}

func (fn *writeParquetFn) FinishBundle(ctx context.Context, emit func(WrittenFile)) error {
	var first error
	for id, sr := range fn.series {
		files, err := sr.finish()
		fn.seq[id] = sr.seq
		for _, f := range files {
			emit(f)
		}
		if first == nil {
			first = err
		}
	}
	fn.series = nil
	return first
}

// fileSeries writes the rows of one range and partition in a bundle: a
// file at a time, the next one started when the last reaches MaxFileBytes.
// It runs on a goroutine of its own, so that encoding and compressing
// overlap reading (the direct runner runs a stage on one goroutine); the
// size check follows every batch, so the same input always gives the
// same files.
type fileSeries struct {
	fn     *writeParquetFn
	ctx    context.Context
	rng    int
	part   string
	seq    int // the next file's sequence number
	in     chan pendingRows
	done   chan struct{}
	failed atomic.Bool
	cur    *parquetFile
	files  []WrittenFile
	err    error
	ended  bool
}

// pendingRows are rows [lo, hi) of a batch, for a series to write.
type pendingRows struct {
	rec    arrow.RecordBatch
	lo, hi int
}

func (fn *writeParquetFn) startSeries(ctx context.Context, rng int, part string, seq int) *fileSeries {
	sr := &fileSeries{fn: fn, ctx: ctx, rng: rng, part: part, seq: seq, in: make(chan pendingRows, 2), done: make(chan struct{})}
	go sr.run()
	return sr
}

func (sr *fileSeries) run() {
	defer close(sr.done)
	for p := range sr.in {
		if sr.err == nil {
			sr.err = sr.write(p)
			if sr.err != nil {
				sr.failed.Store(true)
			}
		}
	}
	if sr.cur != nil {
		if sr.err == nil {
			sr.err = sr.closeFile()
		} else {
			sr.cur.abort()
		}
	}
}

func (sr *fileSeries) write(p pendingRows) error {
	fn := sr.fn
	if sr.cur == nil {
		key := fn.Opt.File
		if key == "" {
			key = path.Join(sr.part, fmt.Sprintf("part-%05d-%04d%s", sr.rng, sr.seq, fn.Opt.Extension()))
		}
		f, err := fn.open(sr.ctx, key, sr.part, sr.rng, sr.seq)
		if err != nil {
			return err
		}
		sr.cur = f
		sr.seq++
	}
	limit := fn.Opt.MaxFileBytes
	if limit <= 0 {
		return sr.cur.encode(p.rec, fn.cols, p.lo, p.hi)
	}
	// With a size limit, the rows go in steps that, at the file's bytes per
	// row so far, fill what is left of it: a file ends within a step of
	// the limit, not a whole batch past it. The steps depend only on the
	// input, so the same input still gives the same files.
	for lo := p.lo; lo < p.hi; {
		step := min(p.hi-lo, firstStep)
		if size := sr.cur.size(); sr.cur.rows > 0 && size > 0 {
			perRow := max(size/sr.cur.rows, 1)
			step = min(p.hi-lo, max(int((limit-size)/perRow), 1))
		}
		if err := sr.cur.encode(p.rec, fn.cols, lo, lo+step); err != nil {
			return err
		}
		lo += step
		if sr.cur.size() >= limit {
			if err := sr.closeFile(); err != nil {
				return err
			}
			if lo < p.hi {
				return sr.write(pendingRows{rec: p.rec, lo: lo, hi: p.hi})
			}
		}
	}
	return nil
}

// firstStep is how many rows a size-limited file takes before its bytes
// per row are known.
const firstStep = 64

func (sr *fileSeries) closeFile() error {
	wf, err := sr.cur.close(sr.ctx)
	sr.cur = nil
	if err == nil {
		sr.files = append(sr.files, wf)
	}
	return err
}

// finish waits for the series' writes and returns the files it completed.
func (sr *fileSeries) finish() ([]WrittenFile, error) {
	if !sr.ended {
		sr.ended = true
		close(sr.in)
	}
	<-sr.done
	return sr.files, sr.err
}

// partition is row i's folders, name=value/..., values escaped as in a
// URL path (objstore.PartitionValues reads them back).
func (fn *writeParquetFn) partition(rec arrow.RecordBatch, i int) (string, error) {
	segs := make([]string, len(fn.Opt.PartitionBy))
	for k, p := range fn.Opt.PartitionBy {
		a := rec.Column(fn.Opt.Schema.Index(p.Column))
		v := lake.ValueAt(a, i)
		var text string
		switch x := v.(type) {
		case nil:
			text = HiveNull
		case time.Time:
			if p.Date || fn.Opt.Schema.Columns[fn.Opt.Schema.Index(p.Column)].Type.Kind == lake.KindDate {
				text = x.UTC().Format("2006-01-02")
			} else {
				text = x.UTC().Format(time.RFC3339Nano)
			}
		default:
			text = lake.Render(v)
		}
		if text == "" || text == "." || text == ".." {
			return "", fmt.Errorf("partition column %q: value %q cannot name a folder", p.Column, text)
		}
		segs[k] = p.Folder() + "=" + url.PathEscape(text)
	}
	return strings.Join(segs, "/"), nil
}

// parquetFile is one file being written. Plain files stream to the
// bucket; files with AILK sections are written to a local temporary file
// first, since the sections go before the footer, which the Parquet
// writer writes last.
type parquetFile struct {
	key, part string
	rng, seq  int
	bucket    *blob.Bucket
	out       *blob.Writer
	tmp       *os.File
	hash      hashCount
	w         *parquet.Writer
	enc       rowEncoder
	rows      int64
	arena     []parquet.Value
	rowValues int // values per row in the last batch, to size the arena
	buf       []parquet.Row
	prefix    string
	// The indexed columns' vectors and their row ordinals.
	index   []int
	names   []string
	vecs    [][][]float32
	labels  [][]uint64
	build   ailk.Options
	aborted bool
	other   format.Writer // a format other than Parquet: its writer
}

type hashCount struct {
	w io.Writer
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
	n int64
}

func (h *hashCount) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

func (fn *writeParquetFn) open(ctx context.Context, key, part string, rng, seq int) (*parquetFile, error) {
	if !fn.Opt.parquet() {
		return fn.openOther(ctx, key, part, rng, seq)
	}
	schema, err := parquetSchema(fn.columns, fn.Opt.VectorLayout)
	if err != nil {
		return nil, err
	}
	c, err := codec(fn.Opt.Compression)
	if err != nil {
		return nil, err
	}
	f := &parquetFile{key: key, part: part, rng: rng, seq: seq, bucket: fn.bucket, prefix: fn.Opt.Prefix,
		enc: rowEncoder{columns: fn.columns, layout: fn.Opt.VectorLayout}, index: fn.index, build: fn.build}
	for _, i := range fn.index {
		f.names = append(f.names, fn.columns[i].Name)
	}
	f.vecs = make([][][]float32, len(fn.index))
	f.labels = make([][]uint64, len(fn.index))
	full := path.Join(fn.Opt.Prefix, key)
	var sink io.Writer
	if len(fn.index) > 0 {
		if f.tmp, err = os.CreateTemp("", "lakelink-export-*.parquet"); err != nil {
			return nil, err
		}
		sink = f.tmp
	} else {
		if f.out, err = fn.bucket.NewWriter(ctx, full, &blob.WriterOptions{ContentType: "application/vnd.apache.parquet"}); err != nil {
			return nil, fmt.Errorf("export %s: %w", full, err)
		}
		f.hash = hashCount{w: f.out, h: sha256.New()}
		sink = &f.hash
	}
	rg := fn.Opt.RowGroupRows
	if rg <= 0 {
		rg = DefaultRowGroupRows
	}
	createdBy := fn.Opt.CreatedBy
	if createdBy == "" {
		createdBy = "lakelink"
	}
	opts := []parquet.WriterOption{schema, parquet.Compression(c), parquet.MaxRowsPerRowGroup(rg),
		parquet.CreatedBy(createdBy, "", ""), parquet.PageBufferSize(1 << 20)}
	meta, err := json.Marshal(lake.Schema{Columns: fn.columns})
	if err != nil {
		return nil, err
	}
	opts = append(opts, parquet.KeyValueMetadata(SchemaMetaKey, string(meta)))
	if fn.Opt.VectorLayout == VectorFixedSizeList {
		as, err := arrowSchemaMeta(fn.columns)
		if err != nil {
			return nil, err
		}
		opts = append(opts, parquet.KeyValueMetadata("ARROW:schema", as))
	}
	f.w = parquet.NewWriter(sink, opts...)
	return f, nil
}

// SchemaMetaKey is the footer entry holding an exported file's lakelink
// schema (JSON), which a later import may consult.
const SchemaMetaKey = "lakelink.schema"

// openOther starts a file of another format than Parquet: its writer
// streams into the bucket.
func (fn *writeParquetFn) openOther(ctx context.Context, key, part string, rng, seq int) (*parquetFile, error) {
	fm, err := format.Lookup(fn.Opt.Format)
	if err != nil {
		return nil, err
	}
	raw, err := fn.Opt.formatOptions()
	if err != nil {
		return nil, err
	}
	settings, err := fm.Bind(raw)
	if err != nil {
		return nil, err
	}
	f := &parquetFile{key: key, part: part, rng: rng, seq: seq, bucket: fn.bucket, prefix: fn.Opt.Prefix}
	full := path.Join(fn.Opt.Prefix, key)
	if f.out, err = fn.bucket.NewWriter(ctx, full, nil); err != nil {
		return nil, fmt.Errorf("export %s: %w", full, err)
	}
	f.hash = hashCount{w: f.out, h: sha256.New()}
	if f.other, err = fm.NewWriter(&f.hash, lake.Schema{Columns: fn.columns}, settings); err != nil {
		f.out.Close()
		return nil, fmt.Errorf("export %s: %w", full, err)
	}
	return f, nil
}

// size is the bytes written to the file so far.
func (f *parquetFile) size() int64 {
	if f.other != nil {
		return f.hash.n
	}
	return f.w.Size()
}

// encode appends rows to the Parquet writer. Rows share one backing array
// per batch, which the writer copies from.
func (f *parquetFile) encode(rec arrow.RecordBatch, cols []int, lo, hi int) error {
	if f.other != nil {
		arrs := make([]arrow.Array, len(cols))
		fields := make([]arrow.Field, len(cols))
		for k, c := range cols {
			arrs[k] = rec.Column(c)
			fields[k] = rec.Schema().Field(c)
		}
		proj := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, rec.NumRows())
		defer proj.Release()
		part := proj.NewSlice(int64(lo), int64(hi))
		defer part.Release()
		if err := f.other.Write(lake.Batch{Record: part}); err != nil {
			return fmt.Errorf("export %s: %w", f.key, err)
		}
		f.rows += int64(hi - lo)
		return nil
	}
	f.buf = f.buf[:0]
	f.arena = f.arena[:0]
	if f.rowValues > 0 {
		f.arena = slices.Grow(f.arena, f.rowValues*(hi-lo))
	}
	var err error
	for i := lo; i < hi; i++ {
		start := len(f.arena)
		f.arena, err = f.enc.appendRow(f.arena, rec, cols, i)
		if err != nil {
			return fmt.Errorf("export %s: %w", f.key, err)
		}
		f.buf = append(f.buf, parquet.Row(f.arena[start:len(f.arena):len(f.arena)]))
		for k, c := range f.index {
			a := rec.Column(cols[c]).(*array.FixedSizeList)
			if a.IsNull(i) {
				continue
			}
			n := int(a.DataType().(*arrow.FixedSizeListType).Len())
			vals := a.ListValues().(*array.Float32).Float32Values()
			v := make([]float32, n)
			copy(v, vals[(a.Offset()+i)*n:])
			f.vecs[k] = append(f.vecs[k], v)
			f.labels[k] = append(f.labels[k], uint64(f.rows+int64(i-lo)))
		}
	}
	if hi > lo {
		f.rowValues = len(f.arena) / (hi - lo)
	}
	// The rows' slices point into the arena, which append may have moved:
	// rebuild them over its final array.
	off := 0
	for k, r := range f.buf {
		f.buf[k] = parquet.Row(f.arena[off : off+len(r) : off+len(r)])
		off += len(r)
	}
	if _, err := f.w.WriteRows(f.buf); err != nil {
		return fmt.Errorf("export %s: %w", f.key, err)
	}
	f.rows += int64(hi - lo)
	return nil
}

func (f *parquetFile) close(ctx context.Context) (WrittenFile, error) {
	full := path.Join(f.prefix, f.key)
	wf := WrittenFile{Key: f.key, Partition: f.part, Rows: f.rows, Range: f.rng, Seq: f.seq}
	if f.other != nil {
		if err := f.other.Close(); err != nil {
			f.out.Close()
			return wf, fmt.Errorf("export %s: %w", full, err)
		}
		if err := f.out.Close(); err != nil {
			return wf, fmt.Errorf("export %s: %w", full, err)
		}
		wf.Bytes, wf.SHA256 = f.hash.n, hex.EncodeToString(f.hash.h.Sum(nil))
		return wf, nil
	}
	if err := f.w.Close(); err != nil {
		f.abort()
		return wf, fmt.Errorf("export %s: %w", full, err)
	}
	if f.tmp != nil {
		if err := f.splice(ctx, full, &wf); err != nil {
			f.abort()
			return wf, err
		}
	} else if err := f.out.Close(); err != nil {
		return wf, fmt.Errorf("export %s: %w", full, err)
	}
	wf.Bytes, wf.SHA256 = f.hash.n, hex.EncodeToString(f.hash.h.Sum(nil))
	return wf, nil
}

// splice builds the sections over the collected vectors and writes the
// temporary file to the bucket with them.
func (f *parquetFile) splice(ctx context.Context, full string, wf *WrittenFile) error {
	defer func() { f.tmp.Close(); os.Remove(f.tmp.Name()); f.tmp = nil }()
	st, err := f.tmp.Stat()
	if err != nil {
		return err
	}
	var secs []ailk.Section
	for k, name := range f.names {
		if len(f.vecs[k]) == 0 {
			continue // every vector NULL: nothing to index
		}
		build := f.build
		build.Ctx = ctx
		s, err := ailk.Build(name, uint64(f.rows), f.labels[k], f.vecs[k], build)
		if err != nil {
			return fmt.Errorf("export %s: %w", full, err)
		}
		secs = append(secs, s)
		wf.Indexed = append(wf.Indexed, name)
		f.vecs[k], f.labels[k] = nil, nil
	}
	out, err := f.bucket.NewWriter(ctx, full, &blob.WriterOptions{ContentType: "application/vnd.apache.parquet"})
	if err != nil {
		return fmt.Errorf("export %s: %w", full, err)
	}
	f.out = out
	f.hash = hashCount{w: out, h: sha256.New()}
	if _, err := ailk.Splice(&f.hash, f.tmp, st.Size(), secs); err != nil {
		return fmt.Errorf("export %s: %w", full, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("export %s: %w", full, err)
	}
	return nil
}

// abort gives up a file that will not be completed: its local temporary
// file goes; what it streamed to the bucket stays under the export's
// temporary prefix, which the launcher removes when the export fails.
func (f *parquetFile) abort() {
	if f.aborted {
		return
	}
	f.aborted = true
	if f.tmp != nil {
		f.tmp.Close()
		os.Remove(f.tmp.Name())
	}
}
