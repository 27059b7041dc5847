package parquetio

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
)

// File is an open Parquet object: its footer has been read and its columns
// described; row data is read row group by row group, page by page.
type File struct {
	Object objstore.Object
	// Version tells this content of the object from another: the
	// bucket's ETag, else its MD5, else (as for a local file) its
	// modification time.
	Version string
	Columns []ColumnInfo
	pf      *parquet.File
	ra      io.ReaderAt
	close   func() error
}

// ReadAt reads the object's bytes at off: how readers of sections that
// Parquet readers skip (AILK) get at them.
func (f *File) ReadAt(p []byte, off int64) (int, error) { return f.ra.ReadAt(p, off) }

// Size is the object's size in bytes.
func (f *File) Size() int64 { return f.Object.Size }

// Parquet is the parquet-go view of the file.
func (f *File) Parquet() *parquet.File { return f.pf }

// Lookup returns a footer key-value metadata entry.
func (f *File) Lookup(key string) (string, bool) { return f.pf.Lookup(key) }

// Open opens an object and reads its footer. A missing object, a
// file that is not Parquet or whose footer is damaged is an error naming it.
func Open(ctx context.Context, obj objstore.Object) (f *File, err error) {
	objstore.NoteOpened()
	var ra io.ReaderAt
	var closeFn func() error
	var version string
	size := obj.Size
	if obj.Local() {
		fh, err := os.Open(obj.Bucket + "/" + obj.Key)
		if err != nil {
			return nil, objstore.ObjectError(obj.Name, err)
		}
		st, err := fh.Stat()
		if err != nil {
			fh.Close()
			return nil, objstore.ObjectError(obj.Name, err)
		}
		ra, closeFn, size = fh, fh.Close, st.Size()
		version = "mtime " + st.ModTime().UTC().Format(time.RFC3339Nano)
	} else {
		b, done, err := objstore.OpenBucket(ctx, obj.Bucket)
		if err != nil {
			return nil, err
		}
		attrs, err := b.Attributes(ctx, obj.Key)
		if err != nil {
			done()
			return nil, objstore.ObjectError(obj.Name, err)
		}
		ra, closeFn, size = &blobReaderAt{ctx: ctx, b: b, key: obj.Key}, func() error { done(); return nil }, attrs.Size
		switch {
		case attrs.ETag != "":
			version = "etag " + attrs.ETag
		case len(attrs.MD5) > 0:
			version = "md5 " + hex.EncodeToString(attrs.MD5)
		case !attrs.ModTime.IsZero():
			version = "mtime " + attrs.ModTime.UTC().Format(time.RFC3339Nano)
		}
	}
	return OpenAt(obj, ra, size, version, closeFn)
}

// OpenAt opens a Parquet file read through ra, of size bytes: what Open
// does once it has the object's reader (a sealed cold file is read
// through its decryption). version names the object's version, for
// provenance; closeFn, when not nil, runs at Close or when OpenAt fails.
func OpenAt(obj objstore.Object, ra io.ReaderAt, size int64, version string, closeFn func() error) (f *File, err error) {
	if closeFn == nil {
		closeFn = func() error { return nil }
	}
	defer func() {
		if err != nil {
			closeFn()
		}
	}()
	if size < 12 {
		return nil, fmt.Errorf("object %s: not a Parquet file (%d bytes)", obj.Name, size)
	}
	var head, tail [4]byte
	_, herr := ra.ReadAt(head[:], 0)
	_, terr := ra.ReadAt(tail[:], size-4)
	switch {
	case herr == nil && string(head[:]) == "PARE":
		// Parquet modular encryption, encrypted footer: the magic is PARE.
		return nil, fmt.Errorf("object %s: unsupported: encrypted Parquet (encrypted footer)", obj.Name)
	case herr != nil || string(head[:]) != "PAR1":
		return nil, fmt.Errorf("object %s: not a Parquet file (no PAR1 magic at the start)", obj.Name)
	case terr != nil || string(tail[:]) != "PAR1":
		return nil, fmt.Errorf("object %s: truncated or not a Parquet file (no PAR1 magic at the end)", obj.Name)
	}
	var pf *parquet.File
	err = guard(func() error {
		var err error
		pf, err = parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(readBuffer(obj)),
			// Pages of each column are read and decompressed ahead, on another
			// goroutine, while the current ones are decoded.
			parquet.FileReadMode(parquet.ReadModeAsync))
		return err
	})
	if err != nil {
		if strings.Contains(err.Error(), "DecryptionConfig") {
			// Encrypted columns under a plaintext (signed) footer.
			return nil, fmt.Errorf("object %s: unsupported: encrypted Parquet (encrypted columns)", obj.Name)
		}
		return nil, fmt.Errorf("object %s: damaged Parquet footer: %w", obj.Name, err)
	}
	obj.Size = size
	f = &File{Object: obj, Version: version, Columns: Columns(pf.Schema()), pf: pf, ra: ra, close: closeFn}
	f.exportedVectors()
	f.aiLakeVectors()
	return f, nil
}

// readBuffer is how much of a column chunk one read fetches: a remote
// read is an HTTP request, so remote objects are read in larger pieces.
func readBuffer(obj objstore.Object) int {
	if obj.Local() {
		return 256 << 10
	}
	return remoteReadBuffer
}

var remoteReadBuffer = 16 << 20

// Close releases the file.
func (f *File) Close() error { return f.close() }

// NumRowGroups is the number of row groups.
func (f *File) NumRowGroups() int { return len(f.pf.RowGroups()) }

// NumRows is the number of rows in the file, from its footer.
func (f *File) NumRows() int64 { return f.pf.NumRows() }

// RowBytes is the average uncompressed size of a row, from the footer
// (0 for an empty file).
func (f *File) RowBytes() int64 {
	var bytes, rows int64
	for _, rg := range f.pf.Metadata().RowGroups {
		bytes += rg.TotalByteSize
		rows += rg.NumRows
	}
	if rows == 0 {
		return 0
	}
	return bytes / rows
}

// RowGroupBytes is the compressed size of row group rg, from the footer.
func (f *File) RowGroupBytes(rg int) int64 {
	g := f.pf.Metadata().RowGroups[rg]
	if g.TotalCompressedSize > 0 {
		return g.TotalCompressedSize
	}
	var n int64
	for _, c := range g.Columns {
		n += c.MetaData.TotalCompressedSize
	}
	return n
}

// RowGroupRows is the number of rows in row group rg.
func (f *File) RowGroupRows(rg int) int64 { return f.pf.RowGroups()[rg].NumRows() }

// Select returns the descriptions of the named columns, in that order; all
// readable columns when names is empty.
func (f *File) Select(names []string) ([]ColumnInfo, error) {
	if len(names) == 0 {
		var out []ColumnInfo
		for _, c := range f.Columns {
			if c.Unsupported == "" {
				out = append(out, c)
			}
		}
		return out, nil
	}
	out := make([]ColumnInfo, 0, len(names))
	for _, n := range names {
		c, ok := findColumn(f.Columns, n)
		if !ok {
			return nil, fmt.Errorf("object %s has no column %q", f.Object.Name, n)
		}
		if c.Unsupported != "" {
			return nil, fmt.Errorf("object %s, column %q: %s", f.Object.Name, n, c.Unsupported)
		}
		out = append(out, c)
	}
	return out, nil
}

// ReadRowGroup reads row group rg of the given columns in batches of at
// most batchRows rows. Only the pages of those columns are read, and only
// one page per column is held at a time.
func (f *File) ReadRowGroup(rg int, cols []ColumnInfo, batchRows int, objectIndex int, emit func(lake.Batch) error) error {
	if rg < 0 || rg >= f.NumRowGroups() {
		return fmt.Errorf("object %s: no row group %d", f.Object.Name, rg)
	}
	if batchRows <= 0 {
		batchRows = format.DefaultBatchRows
	}
	var base int64
	for _, g := range f.pf.RowGroups()[:rg] {
		base += g.NumRows()
	}
	err := guard(func() error {
		return readRowGroup(f.pf.RowGroups()[rg], cols, batchRows, func(first int64, rec arrow.RecordBatch) error {
			return emit(lake.Batch{Origin: lake.Origin{Object: f.Object.Name, ObjectIndex: objectIndex, RowGroup: rg, FirstRow: base + first}, Record: rec})
		})
	})
	if err != nil {
		return fmt.Errorf("object %s, row group %d: %w", f.Object.Name, rg, err)
	}
	return nil
}

// DetectVectors finds the list-of-float columns among cols whose non-null
// values, in the first row group's first rows, have one length n of at
// least 2 (at least 95% of them): those are embeddings, VECTOR(n). It
// returns column name to dimension.
func (f *File) DetectVectors(cols []ColumnInfo) (map[string]int, error) {
	var cand []ColumnInfo
	for _, c := range cols {
		if c.Type.Kind == lake.KindArray && (c.Type.Elem == lake.KindReal || c.Type.Elem == lake.KindDouble) {
			cand = append(cand, c)
		}
	}
	out := map[string]int{}
	if len(cand) == 0 || f.NumRowGroups() == 0 {
		return out, nil
	}
	const sample = 1024
	var rec arrow.RecordBatch
	err := guard(func() error {
		rg := f.pf.RowGroups()[0]
		return readRowGroup(rg, cand, sample, func(_ int64, r arrow.RecordBatch) error {
			rec = r
			return errStop
		})
	})
	if err != nil && err != errStop {
		return nil, fmt.Errorf("object %s: %w", f.Object.Name, err)
	}
	if rec == nil {
		return out, nil
	}
	for i, c := range cand {
		l := rec.Column(i).(*array.List)
		counts := map[int]int{}
		total := 0
		for r := 0; r < l.Len(); r++ {
			if !l.IsNull(r) {
				lo, hi := l.ValueOffsets(r)
				counts[int(hi-lo)]++
				total++
			}
		}
		best, bestN := 0, 0
		for d, n := range counts {
			if n > bestN || n == bestN && d < best {
				best, bestN = d, n
			}
		}
		// A few rows of another length are bad rows, not a sign that the
		// column is not an embedding: they become row errors at import.
		if best >= 2 && bestN*100 >= total*95 {
			out[c.Name] = best
		}
	}
	return out, nil
}

// errStop ends a walk (a listing, a scan) early without an error.
var errStop = errors.New("stop")

// guard turns a panic inside the Parquet library (seen on malformed input)
// into an error, so that bad files never crash an import.
func guard(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed data (%v)", r)
			if os.Getenv("LAKELINK_DEBUG") != "" {
				err = fmt.Errorf("%w\n%s", err, debug.Stack())
			}
		}
	}()
	return fn()
}

type blobReaderAt struct {
	ctx context.Context
	b   *blob.Bucket
	key string
}

func (r *blobReaderAt) ReadAt(p []byte, off int64) (int, error) {
	rr, err := r.b.NewRangeReader(r.ctx, r.key, off, int64(len(p)), nil)
	if err != nil {
		return 0, err
	}
	defer rr.Close()
	n, err := io.ReadFull(rr, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// DeclaredSchema is the schema that lakelink wrote into the footer of a
// file it exported (key lakelink.schema): the table's column types; empty
// for other files.
func (f *File) DeclaredSchema() lake.Schema {
	var schema lake.Schema
	meta, ok := f.pf.Lookup("lakelink.schema")
	if !ok || json.Unmarshal([]byte(meta), &schema) != nil {
		return lake.Schema{}
	}
	return schema
}

// aiLakeVectors reads the FIXED_LEN_BYTE_ARRAY vector columns of AI-Lake
// files: a column whose chunk metadata says ailake.dim and
// ailake.precision (f32, f16 or i8) is VECTOR(dim). An I8 element q
// reads as q/127: symmetric scalar quantisation of values in [-1, 1],
// as lakelink writes it (vector_precision = 'i8').
func (f *File) aiLakeVectors() {
	for i, c := range f.Columns {
		if c.phys != parquet.FixedLenByteArray || c.Type.Kind != lake.KindText || !c.binary {
			continue
		}
		leaf, ok := f.pf.Schema().Lookup(c.Name)
		if !ok {
			continue
		}
		dim, prec, ok := AILakeVector(f.pf, leaf.ColumnIndex)
		if !ok {
			continue
		}
		width := leaf.Node.Type().Length()
		switch {
		case prec == "f32" && width == 4*dim:
			f.Columns[i].Type, f.Columns[i].binary, f.Columns[i].conv = lake.Vector(dim), false, convFloatLE
		case prec == "f16" && width == 2*dim:
			f.Columns[i].Type, f.Columns[i].binary, f.Columns[i].conv = lake.Vector(dim), false, convHalfLE
		case prec == "i8" && width == dim:
			f.Columns[i].Type, f.Columns[i].binary, f.Columns[i].conv = lake.Vector(dim), false, convI8
		default:
			f.Columns[i].Unsupported = fmt.Sprintf("AI-Lake vector of %d bytes for ailake.dim %d and precision %q", width, dim, prec)
		}
	}
}

// AILakeVector reads the AI-Lake field metadata of column chunk col
// (ailake.dim, ailake.precision: f32, f16 or i8) from the file's first row
// group; ok is false when the column has none.
func AILakeVector(pf *parquet.File, col int) (dim int, precision string, ok bool) {
	md := pf.Metadata()
	if len(md.RowGroups) == 0 || col >= len(md.RowGroups[0].Columns) {
		return 0, "", false
	}
	kv := map[string]string{}
	for _, e := range md.RowGroups[0].Columns[col].MetaData.KeyValueMetadata {
		kv[e.Key] = e.Value
	}
	d, err := strconv.Atoi(kv["ailake.dim"])
	if err != nil || d < 1 || d > 1<<16 {
		return 0, "", false
	}
	return d, strings.ToLower(kv["ailake.precision"]), kv["ailake.precision"] != ""
}

// exportedVectors reads back the vectors of files lakelink exported as
// FIXED_LEN_BYTE_ARRAY (vector_format = 'fixed_len_byte_array'): the
// footer's lakelink.schema names them VECTOR(n), and each value is n
// little-endian float32s. Other files' byte arrays stay binary text.
func (f *File) exportedVectors() {
	schema := f.DeclaredSchema()
	for i, c := range f.Columns {
		j := schema.Index(c.Name)
		if j < 0 || c.phys != parquet.FixedLenByteArray || c.Type.Kind != lake.KindText || !c.binary {
			continue
		}
		t := schema.Columns[j].Type
		if leaf, ok := f.pf.Schema().Lookup(c.Name); ok && t.Kind == lake.KindVector && leaf.Node.Type().Length() == 4*t.Dim {
			f.Columns[i].Type, f.Columns[i].binary, f.Columns[i].conv = t, false, convFloatLE
		}
	}
}

// LakeValue converts a value read from a file (lake.ValueAt) to a
// column's type where the file's own type differs: a vector read as a
// list of numbers becomes []float32.
func LakeValue(v any, t lake.Type) any {
	if t.Kind != lake.KindVector {
		return v
	}
	if x, ok := v.([]any); ok {
		out := make([]float32, len(x))
		for i, e := range x {
			switch f := e.(type) {
			case float32:
				out[i] = f
			case float64:
				out[i] = float32(f)
			}
		}
		return out
	}
	return v
}

// EachRow calls fn with every row of the file, or only with those whose
// ordinals (from 0, across row groups) are in want when want is not nil:
// the batch it is in (cols, in order) and its index there. Row groups
// holding no wanted row are not read.
func (f *File) EachRow(cols []ColumnInfo, want map[int64]bool, fn func(ord int64, b lake.Batch, i int) error) error {
	var base int64
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		n := f.RowGroupRows(rg)
		needed := want == nil
		for o := base; !needed && o < base+n; o++ {
			needed = want[o]
		}
		if needed {
			err := f.ReadRowGroup(rg, cols, 0, 0, func(b lake.Batch) error {
				for i := 0; i < b.Rows(); i++ {
					ord := b.Origin.FirstRow + int64(i)
					if want != nil && !want[ord] {
						continue
					}
					if err := fn(ord, b, i); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		base += n
	}
	return nil
}
