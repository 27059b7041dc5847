package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// ParquetScan is the table function that reads Parquet files in place:
//
//	SELECT ... FROM parquet_scan('s3://bucket/exports/docs/**/*.parquet')
//	    [WHERE ...] [ORDER BY cosine_similarity(embedding, $1) DESC LIMIT k]
//
// Its columns are those of the first file (the lakelink schema an export
// stored in it, or the Parquet schema with embeddings detected), then the
// Hive partition columns: folders name=value that every file's path has
// and no file column is named, typed like an import's (BIGINT, DATE or
// TEXT; Hive's default partition reads as NULL). A
// similarity search uses the files' AILK sections: files whose centroid
// and radius cannot hold a result better than the k found so far are
// skipped without reading their index, the others are searched through
// it, and files without a usable section are scanned.
const ParquetScan = "parquet_scan"

func init() {
	RegisterTableFunction(TableFunction{Name: ParquetScan, MinArgs: 1, MaxArgs: 1, Present: true, ObjectsOnly: true, Locations: []int{0},
		Signature: "parquet_scan('url or pattern')",
		Open: func(ctx context.Context, s *Session, args []any, _ uint64) (Relation, error) {
			files, err := s.openLake(ctx, TableFunc{Name: ParquetScan, Args: []FuncArg{{Value: args[0]}}})
			if err != nil {
				return Relation{}, err
			}
			return Relation{Schema: files.schema, Scan: files.scan, files: files}, nil
		}})
}

// lakeFiles is the set of objects a parquet_scan reads.
type lakeFiles struct {
	pattern string
	objs    []objstore.Object
	schema  lake.Schema
	// parts are the Hive partition columns, the last columns of schema.
	parts []lake.Column
}

func (s *Session) openLake(ctx context.Context, f TableFunc) (*lakeFiles, error) {
	if len(f.Args) != 1 {
		return nil, fmt.Errorf("parquet_scan takes one argument, the files' URL or pattern")
	}
	pattern, ok := f.Args[0].Value.(string)
	if a := f.Args[0]; a.Param > 0 {
		pattern, ok = s.Params[a.Param].(string)
	}
	if !ok || pattern == "" {
		return nil, fmt.Errorf("parquet_scan takes the files' URL or pattern as a string")
	}
	objs, err := objstore.Match(ctx, pattern)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("parquet_scan: %s matches no object", objstore.Redact(pattern))
	}
	l := &lakeFiles{pattern: pattern, objs: objs}
	first, err := parquetio.Open(ctx, objs[0])
	if err != nil {
		return nil, err
	}
	defer first.Close()
	if meta, ok := first.Lookup(parquetio.SchemaMetaKey); ok {
		if err := json.Unmarshal([]byte(meta), &l.schema); err != nil {
			return nil, fmt.Errorf("object %s: bad %s: %w", objs[0].Name, parquetio.SchemaMetaKey, err)
		}
		l.addPartitions()
		return l, nil
	}
	l.schema = parquetio.SourceSchema(first.Columns)
	var cand []parquetio.ColumnInfo
	for _, c := range first.Columns {
		if c.Unsupported == "" {
			cand = append(cand, c)
		}
	}
	dims, err := first.DetectVectors(cand)
	if err != nil {
		return nil, err
	}
	for i, c := range l.schema.Columns {
		if d, ok := dims[c.Name]; ok {
			l.schema.Columns[i].Type = lake.Vector(d)
		}
	}
	l.addPartitions()
	return l, nil
}

// addPartitions adds the Hive partition columns that every object's path
// names (in the first one's order) and the files do not hold.
func (l *lakeFiles) addPartitions() {
	segs := strings.Split(l.objs[0].Key, "/")
	for _, seg := range segs[:len(segs)-1] {
		name, _, ok := strings.Cut(seg, "=")
		if !ok || !lake.ValidName(name) || l.schema.Index(name) >= 0 {
			continue
		}
		values := make([]string, 0, len(l.objs))
		for _, o := range l.objs {
			v, err := objstore.PartitionValues(o, []string{name})
			if err != nil {
				values = nil
				break
			}
			values = append(values, v[name])
		}
		if values == nil {
			continue
		}
		c := lake.Column{Name: name, Type: objstore.PartitionType(values)}
		l.parts = append(l.parts, c)
		l.schema.Columns = append(l.schema.Columns, c)
	}
}

// partitionRow returns the partition columns' values of object i, in the
// order of l.parts.
func (l *lakeFiles) partitionRow(i int) ([]any, error) {
	if len(l.parts) == 0 {
		return nil, nil
	}
	names := make([]string, len(l.parts))
	for k, c := range l.parts {
		names[k] = c.Name
	}
	vals, err := objstore.PartitionValues(l.objs[i], names)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(l.parts))
	for k, c := range l.parts {
		if out[k], err = (objstore.PartitionValue{Name: c.Name, Type: c.Type, Value: vals[c.Name]}).Typed(); err != nil {
			return nil, fmt.Errorf("object %s: partition %s=%s: %w", l.objs[i].Name, c.Name, vals[c.Name], err)
		}
	}
	return out, nil
}

// scan calls fn with every row of every file, in the order of the match.
func (l *lakeFiles) scan(ctx context.Context, fn func(store.Row) error) error {
	for i := range l.objs {
		if err := l.scanFile(ctx, i, nil, fn); err != nil {
			return err
		}
	}
	return nil
}

// scanFile calls fn with the rows of file i, or only with those whose
// ordinals are in want (nil for all).
func (l *lakeFiles) scanFile(ctx context.Context, i int, want map[int64]bool, fn func(store.Row) error) error {
	f, err := parquetio.Open(ctx, l.objs[i])
	if err != nil {
		return err
	}
	defer f.Close()
	var names []string
	pos := map[string]int{}
	for c, col := range l.schema.Columns {
		for _, fc := range f.Columns {
			if strings.EqualFold(fc.Name, col.Name) && fc.Unsupported == "" {
				names = append(names, fc.Name)
				pos[strings.ToLower(fc.Name)] = c
			}
		}
	}
	cols, err := f.Select(names)
	if err != nil {
		return err
	}
	parts, err := l.partitionRow(i)
	if err != nil {
		return err
	}
	first := len(l.schema.Columns) - len(l.parts)
	return f.EachRow(cols, want, func(_ int64, b lake.Batch, r int) error {
		row := make(store.Row, len(l.schema.Columns))
		for k, c := range cols {
			at := pos[strings.ToLower(c.Name)]
			row[at] = parquetio.LakeValue(lake.ValueAt(b.Record.Column(k), r), l.schema.Columns[at].Type)
		}
		copy(row[first:], parts)
		return fn(row)
	})
}

// lakeStats say how a search over files found its rows.
type lakeStats struct {
	files, searched, scanned, pruned int
	notes                            []string
}

func (st lakeStats) plan() string {
	p := fmt.Sprintf("lake: %d file(s): %d searched through their AILK index, %d skipped by centroid and radius, %d scanned",
		st.files, st.searched, st.pruned, st.scanned)
	if len(st.notes) > 0 {
		p += "; " + strings.Join(st.notes, "; ")
	}
	return p
}

// candidate is a row of a file and its distance to the query.
type candidate struct {
	file int
	row  int64
	dist float32
}

// lakeFile is one file of a search and what its section offers.
type lakeFile struct {
	i     int
	f     *parquetio.File
	sec   *ailk.Info
	bound float32
}

// search finds the k rows nearest to the query by the metric (nearest
// first), through the files' sections where they can, and returns them.
func (l *lakeFiles) search(ctx context.Context, sc scorer, metric string, k int, p indexes.SearchParams) ([]store.Row, lakeStats, error) {
	m, err := vectorops.ParseMetric(metric)
	if err != nil {
		return nil, lakeStats{}, err
	}
	col := l.schema.Columns[sc.col].Name
	dim := l.schema.Columns[sc.col].Type.Dim
	st := lakeStats{files: len(l.objs)}
	var files []lakeFile
	defer func() {
		for _, f := range files {
			f.f.Close()
		}
	}()
	for i, obj := range l.objs {
		f, err := parquetio.Open(ctx, obj)
		if err != nil {
			return nil, st, err
		}
		lf := lakeFile{i: i, f: f, bound: float32(math.Inf(-1))}
		secs, err := ailk.Sections(f, f.Size())
		if err != nil {
			st.notes = append(st.notes, fmt.Sprintf("%s: %v (scanned)", obj.Name, err))
		}
		for k := range secs {
			if strings.EqualFold(secs[k].Column, col) {
				if secs[k].Metric != m || secs[k].Dim != dim {
					st.notes = append(st.notes, fmt.Sprintf("%s: its section is %s over %d dimensions, the query %s over %d (scanned)", obj.Name, secs[k].Metric, secs[k].Dim, m, dim))
					continue
				}
				lf.sec = &secs[k]
				lf.bound = secs[k].Bound(sc.query)
			}
		}
		files = append(files, lf)
	}
	// Scanned files first (they bound nothing), then by bound: the best
	// files first make the k-th distance small early, so more are pruned.
	sort.SliceStable(files, func(a, b int) bool { return files[a].bound < files[b].bound })
	var top []candidate
	kth := func() float32 {
		if len(top) < k {
			return float32(math.Inf(1))
		}
		return top[k-1].dist
	}
	add := func(file int, res []vectorops.Result) {
		for _, r := range res {
			top = append(top, candidate{file: file, row: int64(r.Label), dist: r.Distance})
		}
		sort.Slice(top, func(a, b int) bool {
			if top[a].dist != top[b].dist {
				return top[a].dist < top[b].dist
			}
			if top[a].file != top[b].file {
				return top[a].file < top[b].file
			}
			return top[a].row < top[b].row
		})
		if len(top) > k {
			top = top[:k]
		}
	}
	for _, lf := range files {
		if lf.sec != nil && lf.bound > kth() {
			st.pruned++
			continue
		}
		if lf.sec != nil && lf.sec.Kind != ailk.Flat {
			idx, err := ailk.Index(lf.f, *lf.sec)
			if err == nil {
				res, err := idx.Search(sc.query, k, p.For(lf.sec.Kind.String()), nil)
				if err != nil {
					return nil, st, fmt.Errorf("%s: %w", lf.f.Object.Name, err)
				}
				add(lf.i, res)
				st.searched++
				continue
			}
			st.notes = append(st.notes, fmt.Sprintf("%s: %v (scanned)", lf.f.Object.Name, err))
		}
		labels, vecs, err := parquetio.FileVectors(lf.f.Parquet(), col)
		if err != nil {
			return nil, st, fmt.Errorf("%s: %w", lf.f.Object.Name, err)
		}
		flat := vectorops.NewFlat(dim, m)
		for j, v := range vecs {
			if len(v) == dim {
				_ = flat.Add(labels[j], v)
			}
		}
		res, err := flat.Search(sc.query, k, nil)
		if err != nil {
			return nil, st, fmt.Errorf("%s: %w", lf.f.Object.Name, err)
		}
		add(lf.i, res)
		st.scanned++
	}
	want := map[int]map[int64]bool{}
	for _, c := range top {
		if want[c.file] == nil {
			want[c.file] = map[int64]bool{}
		}
		want[c.file][c.row] = true
	}
	var rows []store.Row
	for i := range l.objs {
		if want[i] == nil {
			continue
		}
		if err := l.scanFile(ctx, i, want[i], func(r store.Row) error { rows = append(rows, r); return nil }); err != nil {
			return nil, st, err
		}
	}
	return rows, st, nil
}
