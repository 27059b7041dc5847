package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
)

// DatasetExport is a whole-dataset export: several tables of one commit
// as one dated version, URL/YYYY_MM_DD/HH_mm_SS_sss/FOLDER/ per table,
// listed once in URL/manifest.json. A graph's tables go in folders named
// as in the graph (nodes/, edges/ ...); other tables under their names.
type DatasetExport struct {
	Tables  []DatasetTable
	URL     string
	Options ExportOptions // Dated is implied; at_tag does not apply
	// Statement is recorded in the manifest.
	Statement string
}

// DatasetTable is one table of a whole-dataset export and its folder.
type DatasetTable struct {
	Table  string
	Folder string
}

// GraphTables lists a graph's node and edge tables, folders named as in
// the graph.
func GraphTables(st *store.Store, graph string, at uint64) ([]DatasetTable, error) {
	g, err := st.Graph(graph, at)
	if err != nil {
		return nil, err
	}
	var out []DatasetTable
	for _, n := range g.Nodes {
		out = append(out, DatasetTable{Table: g.TableName(n), Folder: n})
	}
	for _, e := range g.Edges {
		out = append(out, DatasetTable{Table: g.TableName(e.Table), Folder: e.Table})
	}
	return out, nil
}

// NamedTables is a DatasetTable per table name (every table when names
// is empty), in folders named after the tables.
func NamedTables(st *store.Store, names []string, at uint64) ([]DatasetTable, error) {
	if len(names) == 0 {
		all, err := st.Tables(at)
		if err != nil {
			return nil, err
		}
		for _, t := range all {
			names = append(names, t.Name)
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("the store has no tables to export")
		}
	}
	out := make([]DatasetTable, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		t, err := st.Table(n, at)
		if err != nil {
			return nil, err
		}
		if seen[strings.ToLower(t.Name)] {
			return nil, fmt.Errorf("table %s is named twice", t.Name)
		}
		seen[strings.ToLower(t.Name)] = true
		out = append(out, DatasetTable{Table: t.Name, Folder: t.Name})
	}
	return out, nil
}

// DatasetResult is what a whole-dataset export wrote. With
// deferred_index, each table's ExportResult carries its background step;
// they update one manifest, so run them one after another.
type DatasetResult struct {
	URL     string
	Version string
	Commit  uint64
	Tables  []ExportResult // keys relative to the dataset
	Rows    int64
	Bytes   int64
}

// RunDatasetExport exports the tables at commit at, one after another,
// into one new version, and lists it in the manifest after the last
// succeeded. A failure removes the whole version folder: readers by the
// manifest never see a part of it.
func RunDatasetExport(ctx context.Context, st *store.Store, dx DatasetExport, ro runners.Options, at uint64) (res DatasetResult, err error) {
	res = DatasetResult{URL: objstore.Redact(dx.URL), Commit: at}
	if len(dx.Tables) == 0 {
		return res, fmt.Errorf("export dataset %s: no tables", res.URL)
	}
	if dx.Options.AtTag != "" {
		return res, fmt.Errorf("at_tag writes one reproducible export, not a dated version")
	}
	o := dx.Options
	o.Dated = true
	now := time.Now().UTC()
	res.Version = now.Format("2006_01_02/15_04_05_") + fmt.Sprintf("%03d", now.Nanosecond()/1e6)
	var plans []*exportPlan
	for _, t := range dx.Tables {
		if t.Folder == "" || strings.ContainsAny(t.Folder, "/\\") || t.Folder == "." || t.Folder == ".." {
			return res, fmt.Errorf("export dataset: bad folder %q for table %s", t.Folder, t.Table)
		}
		ex := Export{Query: sql.Select{Table: t.Table, Star: true, Limit: -1}, URL: dx.URL, Options: o, Statement: dx.Statement}
		p, err := planExport(ctx, st, ex, ro, at)
		if err != nil {
			return res, fmt.Errorf("export dataset %s: table %s: %w", res.URL, t.Table, err)
		}
		p.version = res.Version
		p.final = p.key + res.Version + "/" + t.Folder + "/"
		p.out.Prefix = strings.TrimSuffix(p.final, "/")
		p.unlisted = true
		plans = append(plans, p)
	}
	first := plans[0]
	b, done, err := objstore.OpenBucket(ctx, first.bucket)
	if err != nil {
		return res, err
	}
	defer done()
	if _, err := b.List(&blob.ListOptions{Prefix: first.key + res.Version + "/"}).Next(ctx); err == nil {
		return res, fmt.Errorf("export dataset %s: version %s exists (an export in the same millisecond); try again", res.URL, res.Version)
	}
	defer func() {
		if err != nil {
			_ = objstore.RemovePrefix(context.Background(), b, first.bucket, first.key+res.Version+"/")
		}
	}()
	v := datasets.Version{Version: res.Version, Commit: at, Statement: dx.Statement}
	for i, p := range plans {
		r, err := p.run(ctx, st, ro)
		if err != nil {
			return res, fmt.Errorf("export dataset %s: table %s: %w", res.URL, dx.Tables[i].Table, err)
		}
		res.Tables = append(res.Tables, r)
		res.Rows += r.Rows
		res.Bytes += r.Bytes
		v.Tables = append(v.Tables, p.table.Name)
		for _, f := range r.Files {
			v.Files = append(v.Files, datasets.File{Path: f.Key, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256})
		}
	}
	v.Rows, v.Bytes = res.Rows, res.Bytes
	v.Created = time.Now().UTC().Format(time.RFC3339Nano)
	if err := datasets.RecordVersion(ctx, b, first.key, v); err != nil {
		return res, fmt.Errorf("export dataset %s: %w", res.URL, err)
	}
	return res, nil
}

// DatasetMessage is the result line of a whole-dataset export.
func DatasetMessage(r DatasetResult) string {
	var parts []string
	files := 0
	for _, t := range r.Tables {
		parts = append(parts, fmt.Sprintf("%s %d", t.Table, t.Rows))
		files += len(t.Files)
	}
	msg := fmt.Sprintf("exported %d table(s) (%s rows; commit %d) to %s: %d file(s), %s; version %s in manifest.json",
		len(r.Tables), strings.Join(parts, ", "), r.Commit, r.URL, files, HumanBytes(r.Bytes), r.Version)
	var jobs []string
	for _, t := range r.Tables {
		if t.Deferred != nil {
			jobs = append(jobs, t.Deferred.Job)
		}
	}
	if len(jobs) > 0 {
		msg += fmt.Sprintf("; AILK sections are being added in the background (jobs %s: lakelink status)", strings.Join(jobs, ", "))
	}
	return msg
}
