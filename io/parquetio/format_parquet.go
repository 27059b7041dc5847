package parquetio

import (
	"context"
	"fmt"
	"strings"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/objstore"
)

// Parquet, registered as a format: footers describe objects, row groups
// are the splits (those whose statistics rule the filter out are never
// read), and the page reader reads them; Writer writes files, with the
// compression, row groups and vector layout of its write options.
func init() {
	format.Register(format.Format{
		Name:         "parquet",
		Extensions:   []string{".parquet", ".parq", ".pq"},
		Inspect:      inspectParquet,
		Plan:         planParquet,
		Read:         readParquet,
		WriteOptions: writeOptions,
		NewWriter:    newFormatWriter,
		ContentType:  ContentType,
	})
}

func inspectParquet(ctx context.Context, obj objstore.Object, _ format.Settings) (format.Description, error) {
	f, err := Open(ctx, obj)
	if err != nil {
		return format.Description{}, err
	}
	defer f.Close()
	readable, _ := f.Select(nil)
	d := format.Description{Schema: SourceSchema(readable), RowBytes: f.RowBytes()}
	// A file lakelink wrote names its columns' types in the footer: a
	// table created from it takes them (REAL[] stays REAL[], however alike
	// its lists' lengths), and only the other list columns are looked at
	// as vectors.
	declared := f.DeclaredSchema()
	if len(declared.Columns) > 0 {
		for _, c := range d.Schema.Columns {
			t := c.Type
			if j := declared.Index(c.Name); j >= 0 {
				t = declared.Columns[j].Type
			}
			d.Suggested = append(d.Suggested, t)
		}
	}
	d.Vectors = func(ctx context.Context) (map[string]int, error) {
		f, err := Open(ctx, obj)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		var cols []ColumnInfo
		all, _ := f.Select(nil)
		for _, c := range all {
			if declared.Index(c.Name) < 0 {
				cols = append(cols, c)
			}
		}
		return f.DetectVectors(cols)
	}
	if len(readable) == 0 {
		var why []string
		for _, c := range f.Columns {
			why = append(why, fmt.Sprintf("%s: %s", c.Name, c.Unsupported))
		}
		d.Unreadable = strings.Join(why, "; ")
	}
	return d, nil
}

func planParquet(ctx context.Context, obj objstore.Object, req format.PlanRequest) ([]format.Split, objstore.ReadStats, error) {
	f, err := Open(ctx, obj)
	if err != nil {
		return nil, objstore.ReadStats{}, err
	}
	defer f.Close()
	if _, err := f.Select(req.Columns); err != nil {
		return nil, objstore.ReadStats{}, err
	}
	st := objstore.ReadStats{Index: req.ObjectIndex, Object: f.Object.Name, Version: f.Version, Objects: 1, Bytes: f.Object.Size}
	var out []format.Split
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		if req.Filter != nil && !req.Filter.MayMatch(func(col string) (filter.Range, bool) {
			for _, p := range req.Partitions {
				if p.Name == col {
					v, err := p.Typed()
					fv, ok := filter.PartitionValue(v)
					if err != nil || !ok {
						return filter.Range{AllNull: err == nil}, err == nil
					}
					return filter.Range{Min: fv, Max: fv}, true
				}
			}
			return f.RowGroupRange(rg, col)
		}) {
			st.RowGroupsPruned++
			continue
		}
		out = append(out, format.Split{Object: f.Object, ObjectIndex: req.ObjectIndex, RowGroup: rg, Columns: req.Columns,
			BatchRows: req.BatchRows, Bytes: f.RowGroupBytes(rg), Rows: f.RowGroupRows(rg), Partitions: req.Partitions})
	}
	st.RowGroups = int64(len(out))
	return out, st, nil
}

func readParquet(ctx context.Context, sp format.Split, _ format.Settings, emit func(lake.Batch) error, _ func(lake.RowError) error) error {
	f, err := Open(ctx, sp.Object)
	if err != nil {
		return err
	}
	defer f.Close()
	cols, err := f.Select(sp.Columns)
	if err != nil {
		return err
	}
	return f.ReadRowGroup(sp.RowGroup, cols, sp.BatchRows, sp.ObjectIndex, emit)
}
