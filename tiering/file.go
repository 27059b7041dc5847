package tiering

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// Folder is where a move writes a table's files under a cold location:
// LOCATION/TABLE/mBASE-JOB/, BASE being the head the move read and JOB its
// job id. A folder that no kept commit lists a file of is what a move left
// when it failed or was killed before its commit (Sweep removes it).
func Folder(location, table string, base uint64, job string) string {
	return joinURL(location, MoveKey(table, base, job)+"/")
}

// MoveKey is a move's folder relative to the cold location: the start of
// the catalog paths (store.ColdFile.Path) of the files it writes.
func MoveKey(table string, base uint64, job string) string {
	return fmt.Sprintf("%s/m%d-%s", strings.ToLower(table), base, job)
}

// TablePrefix is the folder of a table's cold files under a location.
func TablePrefix(location, table string) string {
	return joinURL(location, strings.ToLower(table)+"/")
}

// Join appends a relative key to a folder or bucket URL, keeping the
// URL's query (a region or endpoint) at its end.
func Join(location, rel string) string { return joinURL(location, rel) }

func joinURL(location, rel string) string {
	base, query := location, ""
	if q := strings.Index(location, "?"); q >= 0 && strings.Contains(location, "://") {
		base, query = location[:q], location[q:]
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + rel + query
}

// objectID names an object the same way whichever folder of a local
// path is taken as its bucket.
func objectID(bucket, key string) string {
	if !strings.Contains(bucket, "://") {
		return filepath.Clean(filepath.Join(bucket, filepath.FromSlash(key)))
	}
	return bucket + "\x00" + key
}

// Object is the object a cold file is stored in.
func Object(f store.ColdFile) (objstore.Object, error) {
	bucket, key, err := objstore.Split(joinURL(f.Location, f.Path))
	if err != nil {
		return objstore.Object{}, err
	}
	name := key
	if strings.Contains(bucket, "://") {
		name = objstore.Redact(joinURL(f.Location, f.Path))
	} else {
		name = path.Join(bucket, key)
	}
	return objstore.Object{Bucket: bucket, Key: key, Size: f.Bytes, Name: name}, nil
}

// Describe reads a file a move wrote back, checks it against what the
// writer reported (rows, bytes and SHA-256, read again in full), and
// returns its catalog entry: its statistics from the footer and its AILK
// sections. location and rel say where it is; schema is the table's
// (whose column slots the entry records); key, when not nil, is the
// store's cold key the file was sealed with.
func Describe(ctx context.Context, location, rel string, want WrittenFile, schema lake.Schema, key []byte) (store.ColdFile, error) {
	f := store.ColdFile{Location: location, Path: rel, Rows: want.Rows, Bytes: want.Bytes, SHA256: want.SHA256, Partition: want.Partition, Sealed: key != nil}
	obj, err := Object(f)
	if err != nil {
		return f, err
	}
	obj.Size = 0
	r, err := objstore.Open(ctx, obj)
	if err != nil {
		return f, err
	}
	h := sha256.New()
	n, err := io.Copy(h, r)
	r.Close()
	if err != nil {
		return f, objstore.ObjectError(obj.Name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != want.Bytes || got != want.SHA256 {
		return f, fmt.Errorf("cold file %s: %d bytes with SHA-256 %s read back, %d bytes with %s written", obj.Name, n, got, want.Bytes, want.SHA256)
	}
	pf, err := (*Cache)(nil).Open(ctx, f, key)
	if err != nil {
		return f, err
	}
	defer pf.Close()
	if pf.NumRows() != want.Rows {
		return f, fmt.Errorf("cold file %s: %d rows read back, %d written", obj.Name, pf.NumRows(), want.Rows)
	}
	f.Stats = map[string]filter.Range{}
	for _, c := range schema.Columns {
		if r, ok := fileRange(pf, c.Name); ok {
			f.Stats[strings.ToLower(c.Name)] = r
		}
	}
	secs, err := ailk.Sections(pf, pf.Size())
	if err != nil {
		return f, fmt.Errorf("cold file %s: %w", obj.Name, err)
	}
	for _, s := range secs {
		f.Sections = append(f.Sections, store.ColdSection{Column: s.Column, Kind: s.Kind.String(), Metric: ailk.MetricName(s.Metric),
			Dim: s.Dim, Centroid: s.Centroid, Radius: s.Radius})
	}
	f.Slots = slotsOf(schema)
	return f, nil
}

// WrittenFile is what a writer reports of a file: its rows, bytes,
// SHA-256 and Hive folders.
type WrittenFile struct {
	Rows, Bytes int64
	SHA256      string
	Partition   string
}

// fileRange is the union of a column's row-group statistics: false when
// any row group has none.
func fileRange(pf *parquetio.File, column string) (filter.Range, bool) {
	var out filter.Range
	for rg := 0; rg < pf.NumRowGroups(); rg++ {
		r, ok := pf.RowGroupRange(rg, column)
		if !ok {
			return filter.Range{}, false
		}
		if r.AllNull {
			if rg == 0 {
				out = r
			}
			continue
		}
		if rg == 0 || out.AllNull {
			out = r
			continue
		}
		if filter.CompareValues(r.Min, out.Min) < 0 {
			out.Min = r.Min
		}
		if filter.CompareValues(r.Max, out.Max) > 0 {
			out.Max = r.Max
		}
	}
	return out, pf.NumRowGroups() > 0
}

// slotsOf is each column's stored position: the identity until a column
// was dropped (lake.Schema.Slots).
func slotsOf(s lake.Schema) []int {
	out := make([]int, len(s.Columns))
	for i := range s.Columns {
		out[i] = i
		if s.Slots != nil {
			out[i] = s.Slots[i]
		}
	}
	return out
}

// reader maps a cold file's columns to a schema's: by stored position,
// which renames keep, so a file written before a RENAME or an ADD COLUMN
// reads as the store's rows of then read now.
type reader struct {
	schema lake.Schema
	names  []string    // the file's column to read for each schema column ("" for none)
	fill   []any       // the value of a column the file lacks: its default, or NULL
	fileSc lake.Schema // the file's own lakelink schema
}

func newReader(pf *parquetio.File, f store.ColdFile, schema lake.Schema) (*reader, error) {
	r := &reader{schema: schema, names: make([]string, len(schema.Columns)), fill: make([]any, len(schema.Columns))}
	r.fileSc = pf.DeclaredSchema()
	bySlot := map[int]string{}
	for i, c := range r.fileSc.Columns {
		if i < len(f.Slots) {
			bySlot[f.Slots[i]] = c.Name
		}
	}
	slots := slotsOf(schema)
	for i, c := range schema.Columns {
		if name, ok := bySlot[slots[i]]; ok && len(f.Slots) > 0 {
			r.names[i] = name
			continue
		}
		if len(f.Slots) == 0 && r.fileSc.Index(c.Name) >= 0 {
			r.names[i] = c.Name
			continue
		}
		if c.Default != nil {
			v, err := lake.ParseDefault(c.Type, *c.Default)
			if err != nil {
				return nil, err
			}
			r.fill[i] = v
		}
	}
	return r, nil
}

// rows calls fn with the rows of the file (only those whose ordinals are
// in want, when want is not nil), as rows of the schema.
func (r *reader) rows(pf *parquetio.File, want map[int64]bool, fn func(ord int64, row store.Row) error) error {
	var names []string
	at := map[string]int{}
	for i, n := range r.names {
		if n != "" {
			at[strings.ToLower(n)] = i
			names = append(names, n)
		}
	}
	cols, err := pf.Select(names)
	if err != nil {
		return err
	}
	return pf.EachRow(cols, want, func(ord int64, b lake.Batch, i int) error {
		row := make(store.Row, len(r.schema.Columns))
		copy(row, r.fill)
		for k, c := range cols {
			p := at[strings.ToLower(c.Name)]
			row[p] = parquetio.LakeValue(lake.ValueAt(b.Record.Column(k), i), r.schema.Columns[p].Type)
		}
		return fn(ord, row)
	})
}
