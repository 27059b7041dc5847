package sinks

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"sort"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// FileListKey is the staging key of an export job's list of written files.
func FileListKey(job string) string { return job + "/files.json" }

// ListFiles gathers the files of an export into one list, written to
// staging under FileListKey once every file is written. The list exists
// only if the pipeline succeeds; a sentinel makes it appear for an export
// of no rows.
func ListFiles(s beam.Scope, staging, job string, files beam.PCollection) {
	s = s.Scope("sinks.ListFiles")
	sentinel := beam.CreateList(s, []WrittenFile{{}})
	all := beam.Flatten(s, files, sentinel)
	beam.ParDo0(s, &fileListFn{Staging: staging, Job: job}, beam.GroupByKey(s, beam.AddFixedKey(s, all)))
}

type fileListFn struct {
	Staging string `json:"staging"`
	Job     string `json:"job"`
}

func (fn *fileListFn) ProcessElement(ctx context.Context, _ int, files func(*WrittenFile) bool) error {
	var list []WrittenFile
	var f WrittenFile
	for files(&f) {
		if f.Key != "" {
			list = append(list, f)
		}
	}
	SortFiles(list)
	data, err := json.Marshal(list)
	if err != nil {
		return err
	}
	b, done, err := objstore.OpenBucket(ctx, fn.Staging)
	if err != nil {
		return err
	}
	defer done()
	return b.WriteAll(ctx, FileListKey(fn.Job), data, nil)
}

// SortFiles orders files as their rows follow the source: by range, then
// sequence, then partition.
func SortFiles(files []WrittenFile) {
	sort.Slice(files, func(i, j int) bool {
		a, b := files[i], files[j]
		if a.Range != b.Range {
			return a.Range < b.Range
		}
		if a.Partition != b.Partition {
			return a.Partition < b.Partition
		}
		return a.Seq < b.Seq
	})
}

// ReadFileList reads the list ListFiles wrote; a missing list means the
// pipeline did not finish.
func ReadFileList(ctx context.Context, staging, job string) ([]WrittenFile, error) {
	b, done, err := objstore.OpenBucket(ctx, staging)
	if err != nil {
		return nil, err
	}
	defer done()
	data, err := b.ReadAll(ctx, FileListKey(job))
	if err != nil {
		return nil, fmt.Errorf("export job %s left no file list: %w", job, err)
	}
	var list []WrittenFile
	return list, json.Unmarshal(data, &list)
}

// AddSections rewrites each written file with AILK sections over its
// vector columns (deferred indexing: the plain file is written first). It
// is what `vector_index` with `deferred_index = true` runs after
// WriteParquet, and what AddSectionsToFile does for one file.
func AddSections(s beam.Scope, opt ParquetOptions, files beam.PCollection) beam.PCollection {
	s = s.Scope("sinks.AddSections")
	return beam.ParDo(s, &addSectionsFn{Opt: opt}, files)
}

type addSectionsFn struct {
	Opt ParquetOptions `json:"opt"`
}

func (fn *addSectionsFn) ProcessElement(ctx context.Context, f WrittenFile, emit func(WrittenFile)) error {
	b, done, err := objstore.OpenBucket(ctx, fn.Opt.Bucket)
	if err != nil {
		return err
	}
	defer done()
	key := path.Join(fn.Opt.Prefix, f.Key)
	cols, err := fn.Opt.indexColumns()
	if err != nil {
		return err
	}
	var names []string
	for _, c := range cols {
		names = append(names, fn.Opt.Schema.Columns[c].Name)
	}
	size, sum, indexed, err := AddSectionsToFile(ctx, b, key, names, *fn.Opt.Index)
	if err != nil {
		return err
	}
	f.Bytes, f.SHA256, f.Indexed = size, sum, indexed
	emit(f)
	return nil
}

// AddSectionsToFile rewrites the Parquet object key of b with AILK
// sections over the named vector columns (LIST<FLOAT> or
// FIXED_LEN_BYTE_ARRAY), and returns its new size, SHA-256 and the
// columns indexed. The object is replaced in one write, so readers see the
// old file or the new one.
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
	size, err := io.Copy(tmp, r)
	r.Close()
	if err != nil {
		return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
	}
	pf, err := parquet.OpenFile(tmp, size)
	if err != nil {
		return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
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
	w, err := b.NewWriter(ctx, key, &blob.WriterOptions{ContentType: "application/vnd.apache.parquet"})
	if err != nil {
		return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
	}
	h := hashCount{w: w, h: sha256.New()}
	if _, err := ailk.Splice(&h, tmp, size, secs); err != nil {
		w.Close()
		return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return 0, "", nil, fmt.Errorf("object %s: %w", key, err)
	}
	return h.n, hex.EncodeToString(h.h.Sum(nil)), indexed, nil
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
