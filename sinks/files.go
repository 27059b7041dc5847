package sinks

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
)

// Partition is one level of an export's Hive-style folders: a column's
// value (name=value), or with Date the date of a timestamp column
// (name_date=2024-05-01), or with Month its month (name_month=2024-05),
// which stay in the files.
type Partition struct {
	Column string `json:"column"`
	Date   bool   `json:"date,omitempty"`
	Month  bool   `json:"month,omitempty"`
}

// Folder is the partition's folder name before the '='.
func (p Partition) Folder() string {
	switch {
	case p.Date:
		return p.Column + "_date"
	case p.Month:
		return p.Column + "_month"
	}
	return p.Column
}

// HiveNull is the folder value of a NULL partition value.
const HiveNull = "__HIVE_DEFAULT_PARTITION__"

// FileOptions configure WriteFiles. They travel to the workers as JSON.
type FileOptions struct {
	// Bucket is the destination bucket (a objstore.OpenBucket URL or a local
	// folder); files are written under Prefix in it.
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix"`
	// File, when set, is the key (under Prefix) of the one file that all
	// rows go to; the batches then come from one range.
	File string `json:"file,omitempty"`
	// Schema is the batches' columns; partition columns are left out of
	// the files, their values are in the folder names.
	Schema lake.Schema `json:"schema"`
	// MaxFileBytes starts a new file once one has this many bytes; 0 for
	// no limit.
	MaxFileBytes int64       `json:"max_file_bytes,omitempty"`
	PartitionBy  []Partition `json:"partition_by,omitempty"`
	// Format is the registered format written (format.Format.NewWriter),
	// "" for Parquet.
	Format string `json:"format,omitempty"`
	// FormatOptions are the format's options as JSON (an object of option
	// to value), bound by format.Format.BindWrite: Parquet's compression,
	// CSV's delimiter. Beam's schema coder takes no values of any type.
	FormatOptions string `json:"format_options,omitempty"`
	// Index asks for AILK sections in every file (Parquet's alone).
	Index *parquetio.IndexOptions `json:"index,omitempty"`
	// Seal, when set, seals every file with this key (objstore.SealWriter:
	// DARE, AES-256-GCM), as an encrypted store's cold files are; Bytes
	// and SHA256 are then the sealed object's.
	Seal []byte `json:"seal,omitempty"`
}

// format is the registered format written.
func (o FileOptions) format() (format.Format, error) {
	name := o.Format
	if name == "" {
		name = "parquet"
	}
	return format.Lookup(name)
}

// settings binds the format's options for writing.
func (o FileOptions) settings(f format.Format) (format.Settings, error) {
	var raw map[string]any
	if o.FormatOptions != "" {
		if err := json.Unmarshal([]byte(o.FormatOptions), &raw); err != nil {
			return nil, fmt.Errorf("sinks: bad format options: %w", err)
		}
	}
	return f.BindWrite(raw)
}

// Extension is the ending of the files' names: .parquet, .csv, ...
func (o FileOptions) Extension() string {
	if o.Format == "" {
		return ".parquet"
	}
	return "." + o.Format
}

// WrittenFile describes one file WriteFiles wrote.
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
func (o FileOptions) Validate() error {
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
		case p.Month && t.Kind != lake.KindTimestamp && t.Kind != lake.KindDate:
			return fmt.Errorf("partition_by MONTH(%s): the column is %s, not a timestamp or date", p.Column, t)
		case t.Kind == lake.KindVector || t.Kind == lake.KindArray || t.Kind == lake.KindJSONB:
			return fmt.Errorf("partition_by %s: a %s column cannot name a folder", p.Column, t)
		}
	}
	f, err := o.format()
	if err != nil {
		return err
	}
	if f.NewWriter == nil {
		return fmt.Errorf("format %s is read, not written", f.Name)
	}
	settings, err := o.settings(f)
	if err != nil {
		return err
	}
	cols := o.fileColumns()
	if len(cols) == 0 {
		return fmt.Errorf("every column is a partition column: the files would have none")
	}
	if f.Name == "parquet" {
		wo := parquetio.OptionsOf(settings)
		wo.Index = o.Index
		return wo.Validate(o.columns(cols))
	}
	if o.Index != nil {
		return fmt.Errorf("vector_index: AILK sections live in Parquet files, not in %s", f.Name)
	}
	return nil
}

// fileColumns are the columns the files hold: all but plain partitions.
func (o FileOptions) fileColumns() []int {
	var out []int
	for i, c := range o.Schema.Columns {
		part := false
		for _, p := range o.PartitionBy {
			part = part || !p.Date && !p.Month && strings.EqualFold(p.Column, c.Name)
		}
		if !part {
			out = append(out, i)
		}
	}
	return out
}

// columns are the schema's columns at positions.
func (o FileOptions) columns(positions []int) []lake.Column {
	out := make([]lake.Column, len(positions))
	for k, i := range positions {
		out[k] = o.Schema.Columns[i]
	}
	return out
}

// WriteFiles writes batches as files of the options' format and returns
// what it wrote. A worker writes the rows of each range (a batch's
// Origin.ObjectIndex) and partition to files of their own, named
// part-RRRRR-SSSS.EXT by range and sequence, so that the rows of a range
// stay in their order. Files are complete objects once listed in the
// output; a failed bundle's files are never listed, and the caller
// publishes only what is.
func WriteFiles(s beam.Scope, opt FileOptions, batches beam.PCollection) beam.PCollection {
	s = s.Scope("sinks.WriteFiles")
	return beam.ParDo(s, &writeFilesFn{Opt: opt}, batches)
}

type writeFilesFn struct {
	Opt FileOptions `json:"opt"`

	bucket   *blob.Bucket
	done     func()
	format   format.Format
	settings format.Settings
	series   map[string]*fileSeries // by range and partition, in a bundle
	seq      map[string]int
	columns  []lake.Column // the files' columns
	cols     []int         // their positions in the batches
}

func (fn *writeFilesFn) Setup(ctx context.Context) error {
	var err error
	if fn.format, err = fn.Opt.format(); err != nil {
		return err
	}
	if fn.settings, err = fn.Opt.settings(fn.format); err != nil {
		return err
	}
	fn.bucket, fn.done, err = objstore.OpenBucket(ctx, fn.Opt.Bucket)
	if err != nil {
		return err
	}
	fn.cols = fn.Opt.fileColumns()
	fn.columns = fn.Opt.columns(fn.cols)
	return nil
}

func (fn *writeFilesFn) Teardown() {
	for _, sr := range fn.series {
		sr.finish()
	}
	if fn.done != nil {
		fn.done()
	}
}

func (fn *writeFilesFn) StartBundle(_ context.Context, _ func(WrittenFile)) {
	fn.series = map[string]*fileSeries{}
	if fn.seq == nil {
		fn.seq = map[string]int{}
	}
}

func (fn *writeFilesFn) ProcessElement(ctx context.Context, b lake.Batch, emit func(WrittenFile)) error {
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

func (fn *writeFilesFn) FinishBundle(ctx context.Context, emit func(WrittenFile)) error {
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
	fn     *writeFilesFn
	ctx    context.Context
	rng    int
	part   string
	seq    int // the next file's sequence number
	in     chan pendingRows
	done   chan struct{}
	failed atomic.Bool
	cur    *file
	files  []WrittenFile
	err    error
	ended  bool
}

// pendingRows are rows [lo, hi) of a batch, for a series to write.
type pendingRows struct {
	rec    arrow.RecordBatch
	lo, hi int
}

func (fn *writeFilesFn) startSeries(ctx context.Context, rng int, part string, seq int) *fileSeries {
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
		return sr.cur.encode(p.rec, p.lo, p.hi)
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
		if err := sr.cur.encode(p.rec, lo, lo+step); err != nil {
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
func (fn *writeFilesFn) partition(rec arrow.RecordBatch, i int) (string, error) {
	segs := make([]string, len(fn.Opt.PartitionBy))
	for k, p := range fn.Opt.PartitionBy {
		a := rec.Column(fn.Opt.Schema.Index(p.Column))
		v := lake.ValueAt(a, i)
		var text string
		switch x := v.(type) {
		case nil:
			text = HiveNull
		case time.Time:
			if p.Month {
				text = x.UTC().Format("2006-01")
			} else if p.Date || fn.Opt.Schema.Columns[fn.Opt.Schema.Index(p.Column)].Type.Kind == lake.KindDate {
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

// file is one file being written: the format's writer, streaming into
// the bucket through a hash.
type file struct {
	key, part string
	rng, seq  int
	out       *blob.Writer
	hash      *objstore.HashWriter
	seal      io.WriteCloser // with FileOptions.Seal
	w         format.Writer
	cols      []int // the file's columns' positions in the batches
	rows      int64
}

// open starts the file key of a series.
func (fn *writeFilesFn) open(ctx context.Context, key, part string, rng, seq int) (*file, error) {
	f := &file{key: key, part: part, rng: rng, seq: seq, cols: fn.cols}
	full := path.Join(fn.Opt.Prefix, key)
	var wo *blob.WriterOptions
	if ct := fn.format.ContentType; ct != "" {
		wo = &blob.WriterOptions{ContentType: ct}
	}
	var err error
	if f.out, err = fn.bucket.NewWriter(ctx, full, wo); err != nil {
		return nil, fmt.Errorf("export %s: %w", full, err)
	}
	f.hash = objstore.NewHashWriter(f.out)
	var sink io.Writer = f.hash
	if fn.Opt.Seal != nil {
		if f.seal, err = objstore.SealWriter(f.hash, fn.Opt.Seal); err != nil {
			f.out.Close()
			return nil, fmt.Errorf("export %s: %w", full, err)
		}
		sink = f.seal
	}
	schema := lake.Schema{Columns: fn.columns}
	if fn.Opt.Index != nil {
		// AILK sections: Parquet's own writer, which builds them (Validate
		// refuses them for other formats).
		o := parquetio.OptionsOf(fn.settings)
		o.Index = fn.Opt.Index
		f.w, err = parquetio.NewWriter(ctx, sink, fn.columns, o)
	} else {
		f.w, err = fn.format.NewWriter(sink, schema, fn.settings)
	}
	if err != nil {
		f.out.Close()
		return nil, fmt.Errorf("export %s: %w", full, err)
	}
	return f, nil
}

// size is the file's bytes so far, as its writer knows them.
func (f *file) size() int64 {
	if s, ok := f.w.(format.Sizer); ok {
		return s.Size()
	}
	return f.hash.Size()
}

// encode writes rows [lo, hi) of rec's file columns.
func (f *file) encode(rec arrow.RecordBatch, lo, hi int) error {
	var err error
	if pw, ok := f.w.(*parquetio.Writer); ok && len(f.cols) == int(rec.NumCols()) {
		err = pw.WriteRows(rec, lo, hi) // every column: no projection or slice to make
	} else {
		arrs := make([]arrow.Array, len(f.cols))
		fields := make([]arrow.Field, len(f.cols))
		for k, c := range f.cols {
			arrs[k] = rec.Column(c)
			fields[k] = rec.Schema().Field(c)
		}
		proj := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, rec.NumRows())
		part := proj.NewSlice(int64(lo), int64(hi))
		err = f.w.Write(lake.Batch{Record: part})
		part.Release()
		proj.Release()
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", f.key, err)
	}
	f.rows += int64(hi - lo)
	return nil
}

func (f *file) close(ctx context.Context) (WrittenFile, error) {
	wf := WrittenFile{Key: f.key, Partition: f.part, Rows: f.rows, Range: f.rng, Seq: f.seq}
	if err := f.w.Close(); err != nil {
		f.abort()
		return wf, fmt.Errorf("export %s: %w", f.key, err)
	}
	if f.seal != nil {
		if err := f.seal.Close(); err != nil {
			return wf, fmt.Errorf("export %s: %w", f.key, err)
		}
	}
	if err := f.out.Close(); err != nil {
		return wf, fmt.Errorf("export %s: %w", f.key, err)
	}
	if pw, ok := f.w.(*parquetio.Writer); ok {
		wf.Indexed = pw.Indexed()
	}
	wf.Bytes, wf.SHA256 = f.hash.Size(), f.hash.SHA256()
	return wf, nil
}

// abort gives up a file that will not be completed: its writer's own
// resources go; what it streamed to the bucket stays under the export's
// temporary prefix, which the launcher removes when the export fails.
func (f *file) abort() {
	if a, ok := f.w.(format.Aborter); ok {
		a.Abort()
	}
}

// IndexColumns names the vector columns the files' AILK sections cover
// (Index's columns, or every vector column), as WriteFiles indexes them.
func (o FileOptions) IndexColumns() ([]string, error) {
	if o.Index == nil {
		return nil, nil
	}
	return o.Index.Names(o.columns(o.fileColumns()))
}
