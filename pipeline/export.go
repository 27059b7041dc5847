package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/history"
	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// Export is COPY (SELECT cols FROM t [AT (...)] [WHERE ...]) TO 'url'
// [WITH (...)], or COPY t [(cols)] TO 'url' [WITH (...)], bound: its
// options typed. A URL ending in .parquet is one file; any other is a
// folder of part files.
type Export struct {
	Query     sql.Select
	URL       string
	Options   ExportOptions
	Statement string
	// Job is the export's job id ("": a new one). A caller that tracks
	// the job (a tiering move) gives its own, whose counters (progress.For)
	// then count the rows read.
	Job string
}

// ExportOptions are an export's WITH (...) options.
type ExportOptions struct {
	MaxFileSize int64             // bytes per file before the next starts; default DefaultMaxFileSize
	PartitionBy []sinks.Partition // Hive-style folders
	// Dated writes the export as a new version, URL/YYYY_MM_DD/HH_mm_SS_sss/,
	// listed in URL/manifest.json.
	Dated bool
	// Overwrite replaces what a (not dated) destination already holds.
	Overwrite bool
	// VectorIndex embeds AILK sections (hnsw, ivfpq, flat or auto) over the
	// vector columns; "" or none for plain Parquet.
	VectorIndex  string
	IndexMetric  string         // default: the column's index metric, else cosine
	IndexOptions map[string]int // hnsw_m, ivf_nlist, ... as for imports
	IndexColumns []string       // default: every vector column
	// Deferred writes plain Parquet first, then adds the sections.
	Deferred bool
	// Parallel is how many ranges the snapshot is read in (default: cores).
	Parallel int
	Source   objstore.Options // region, endpoint, credentials
	Staging  string
	// Format is the format written: "" decides by the URL's ending (.csv,
	// .ndjson), else parquet; FormatOptions are its options as given,
	// which it declares (Parquet's compression, row_group_size and
	// vector_format; CSV's delimiter).
	Format        string
	FormatOptions map[string]any
	// AtTag exports the table as the tag pins it, reproducibly (audit.go):
	// the same tag gives byte-identical files, listed with their SHA-256 in
	// the destination's audit.json, which `lakelink audit verify` checks.
	AtTag string
	// Unpublished writes the files straight into the destination folder,
	// which nothing lists yet, and leaves publishing them to the caller
	// (a tiering move lists them in the store's catalog); a failed export
	// removes them. Not a statement's option.
	Unpublished bool
	// HotOnly exports the rows in the store and not those in the table's
	// cold files (a tiering move's own export). Not a statement's option.
	HotOnly bool
	// Seal seals the files with this key (sinks.FileOptions.Seal): an
	// encrypted store's cold files. Not a statement's option.
	Seal []byte
}

// DefaultMaxFileSize bounds a part file unless max_file_size says otherwise.
const DefaultMaxFileSize = 256 << 20

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// ExportResult is what an export wrote.
type ExportResult struct {
	Job     string
	Table   string
	Commit  uint64 // the commit exported
	URL     string // the destination, without credentials
	Version string // for a dated export, the version folder
	Rows    int64
	Bytes   int64
	Files   []sinks.WrittenFile // keys relative to the destination
	Indexed int                 // files with AILK sections
	// Deferred is the background step of an export with deferred_index:
	// its files are published plain, and RunDeferredSections adds their
	// sections (the caller starts it; engine.Session does).
	Deferred *DeferredSections
}

// exportPlan is an export, resolved against the store.
type exportPlan struct {
	ex       Export
	job      string
	at       uint64
	table    store.TableInfo
	snap     storeio.ReadOptions
	out      sinks.FileOptions
	bucket   string // the destination bucket
	key      string // the destination key: a folder (ending in /) or a file
	final    string // where published files go: key's folder, or the version folder
	version  string
	unlisted bool // one table of a whole-dataset export: RunDatasetExport lists the version
	staging  string
	stageOut bool // workers run elsewhere: stage the snapshot
}

// RunExport exports rows of a store snapshot to Parquet. Nothing of a
// failed export is visible: files are written under a temporary prefix (or
// an unlisted version folder) and published after the pipeline succeeded.
func RunExport(ctx context.Context, st *store.Store, ex Export, ro runners.Options, at uint64) (ExportResult, error) {
	p, err := planExport(ctx, st, ex, ro, at)
	if err != nil {
		return ExportResult{}, fmt.Errorf("COPY TO %s: %w", objstore.Redact(ex.URL), err)
	}
	res, err := p.run(ctx, st, ro)
	if err != nil {
		return res, fmt.Errorf("COPY TO %s: %w", objstore.Redact(ex.URL), err)
	}
	return res, nil
}

func planExport(ctx context.Context, st *store.Store, ex Export, ro runners.Options, at uint64) (*exportPlan, error) {
	q, o := ex.Query, ex.Options
	p := &exportPlan{ex: ex, job: ex.Job, at: at}
	if p.job == "" {
		p.job = storeio.NewJobID()
	}
	if q.At != nil && o.AtTag != "" {
		return nil, fmt.Errorf("give at_tag or AT (...), not both")
	}
	if q.At != nil {
		var err error
		if p.at, err = history.ResolveAt(st, *q.At); err != nil {
			return nil, err
		}
	}
	if o.AtTag != "" && o.Deferred {
		return nil, fmt.Errorf("deferred_index: an audited export (at_tag) lists its files' SHA-256 as they are written; build the sections in the export")
	}
	if o.AtTag != "" {
		if o.Dated {
			return nil, fmt.Errorf("at_tag writes one reproducible export, not a dated version")
		}
		tag, err := st.Tag(o.AtTag)
		if err != nil {
			return nil, err
		}
		p.at = tag.Commit
	}
	var err error
	if p.table, err = st.Table(q.Table, p.at); err != nil {
		return nil, err
	}
	p.snap = storeio.ReadOptions{Job: p.job, Store: st.Dir(), Table: p.table.Name, At: p.at, Schema: p.table.Schema}
	if !q.Star || len(q.Items) > 0 {
		if q.Star {
			for _, c := range p.table.Schema.Columns {
				p.snap.Columns = append(p.snap.Columns, c.Name)
			}
		}
		for _, it := range q.Items {
			p.snap.Columns = append(p.snap.Columns, it.Column)
		}
	}
	if q.Where != nil {
		e, err := WhereFilter(q.Where, p.table.Schema)
		if err != nil {
			return nil, err
		}
		p.snap.Filter = &e
	}
	schema, _, err := p.snap.OutputSchema()
	if err != nil {
		return nil, err
	}
	if p.bucket, p.key, err = objstore.Destination(o.Source, ex.URL); err != nil {
		return nil, err
	}
	fm := o.Format
	if fm == "" {
		fm = format.ForName(ex.URL)
	}
	p.out = sinks.FileOptions{Bucket: p.bucket, Schema: schema, MaxFileBytes: o.MaxFileSize, PartitionBy: o.PartitionBy, Format: fm, Seal: o.Seal}
	if len(o.FormatOptions) > 0 {
		b, _ := json.Marshal(o.FormatOptions) // strings, numbers and booleans: cannot fail
		p.out.FormatOptions = string(b)
	}
	if fm == "parquet" {
		p.out.Format = ""
	}
	ff, err := format.Lookup(fm)
	if err != nil {
		return nil, err
	}
	single := !o.Dated && !strings.HasSuffix(p.key, "/") && ff.Claims(p.key)
	if !single && p.key != "" && !strings.HasSuffix(p.key, "/") {
		p.key += "/"
	}
	for i, part := range p.out.PartitionBy {
		if c := schema.Index(part.Column); c >= 0 {
			p.out.PartitionBy[i].Column = schema.Columns[c].Name
		}
	}
	if p.out.MaxFileBytes == 0 && !single {
		p.out.MaxFileBytes = DefaultMaxFileSize
	}
	if o.VectorIndex != "" && o.VectorIndex != "none" {
		p.out.Index = exportIndex(p.table, o)
		// What building the sections would refuse fails the plan, before
		// any file is written (with deferred_index, the sections come
		// after the files are published).
		if m := p.out.Index.IVFPQ.M; m > 0 && o.VectorIndex != "hnsw" && o.VectorIndex != "flat" {
			cols, err := p.out.IndexColumns()
			if err != nil {
				return nil, err
			}
			for _, c := range cols {
				if d := schema.Columns[schema.Index(c)].Type.Dim; d%m != 0 {
					return nil, fmt.Errorf("ivf_m = %d does not divide column %s's dimension %d", m, c, d)
				}
			}
		}
	}
	if single {
		p.out.File = path.Base(p.key)
	}
	if err := p.out.Validate(); err != nil {
		return nil, err
	}
	ranges := o.Parallel
	if ranges <= 0 {
		ranges = runtime.NumCPU()
		if o.AtTag != "" {
			ranges = 1 // the files must not depend on the machine
		}
	}
	if o.AtTag != "" && p.out.Index != nil {
		p.out.Index.Workers = 1 // a graph built by one thread is reproducible
	}
	if single {
		ranges = 1
	}
	if p.snap.Ranges, err = st.Ranges(p.table.Name, p.at, ranges); err != nil {
		return nil, err
	}
	if !o.HotOnly {
		// The table's cold files that the filter's statistics admit are
		// read too, one element each.
		tbl, err := tiering.Open(st, p.table.Name, p.at)
		if err != nil {
			return nil, err
		}
		p.snap.Cold = tbl.Prune(p.snap.Filter)
		p.snap.ColdKey = tbl.Key
	}
	p.staging = o.Staging
	if p.staging == "" {
		if p.staging, err = filepath.Abs(filepath.Join(st.Dir(), "staging")); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(p.staging, 0o755); err != nil {
			return nil, err
		}
	}
	p.stageOut = !sharesMemory(ro)
	if p.stageOut {
		p.snap.Staging = p.staging
		if st.Encrypted() {
			p.snap.Seal = objstore.NewStagingKey()
		}
	}
	folder := p.key
	if single {
		folder = path.Dir(p.key)
		if folder == "." {
			folder = ""
		} else {
			folder += "/"
		}
		p.out.File = path.Base(p.key)
	}
	switch {
	case o.Unpublished:
		if single {
			return nil, fmt.Errorf("an unpublished export writes a folder")
		}
		p.final = p.key
		p.out.Prefix = strings.TrimSuffix(p.key, "/")
	case o.Dated:
		now := time.Now().UTC()
		p.version = now.Format("2006_01_02/15_04_05_") + fmt.Sprintf("%03d", now.Nanosecond()/1e6)
		p.final = p.key + p.version + "/"
		p.out.Prefix = strings.TrimSuffix(p.final, "/")
	default:
		p.final = folder
		// The temporary prefix is beside a folder destination, not in it,
		// so that a reader listing the folder never meets partial files.
		parent := folder
		if !single && folder != "" {
			if parent = path.Dir(strings.TrimSuffix(folder, "/")); parent == "." {
				parent = ""
			} else {
				parent += "/"
			}
		}
		p.out.Prefix = parent + ".lakelink-tmp-" + p.job
		if err := p.checkEmpty(ctx, single); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// exportIndex is the AILK configuration an export asks for.
func exportIndex(t store.TableInfo, o ExportOptions) *parquetio.IndexOptions {
	ix := &parquetio.IndexOptions{Kind: o.VectorIndex, Metric: o.IndexMetric, Columns: o.IndexColumns}
	if ix.Metric == "" {
		ix.Metric = "cosine"
		for _, d := range t.Indexes {
			if len(o.IndexColumns) <= 1 && (len(o.IndexColumns) == 0 || strings.EqualFold(d.Column, o.IndexColumns[0])) && d.Metric != "" {
				ix.Metric = d.Metric
			}
		}
	}
	// The structures' configurations, as the index kinds read their
	// options (only those ailkOptions names reach here).
	d := store.IndexDef{Options: o.IndexOptions}
	ix.HNSW, ix.IVFPQ = indexes.HNSWConfig(d), indexes.IVFPQConfig(d)
	return ix
}

// checkEmpty refuses to write over a destination that holds objects,
// unless overwrite is on.
func (p *exportPlan) checkEmpty(ctx context.Context, single bool) error {
	if p.ex.Options.Overwrite {
		return nil
	}
	b, done, err := objstore.OpenBucket(ctx, p.bucket)
	if err != nil {
		return err
	}
	defer done()
	if single {
		ok, err := b.Exists(ctx, p.key)
		if err == nil && ok {
			err = fmt.Errorf("%s exists (overwrite = true replaces it)", p.key)
		}
		return err
	}
	it := b.List(&blob.ListOptions{Prefix: p.key})
	if obj, err := it.Next(ctx); err == nil {
		return fmt.Errorf("the destination folder is not empty (it holds %s; overwrite = true replaces its contents, dated = true adds a version)", obj.Key)
	}
	return nil
}

func (p *exportPlan) run(ctx context.Context, st *store.Store, ro runners.Options) (res ExportResult, err error) {
	res = ExportResult{Job: p.job, Table: p.table.Name, Commit: p.at, URL: objstore.Redact(p.ex.URL), Version: p.version}
	defer sinks.Cleanup(context.Background(), p.staging, p.job)
	if p.ex.Job == "" {
		defer progress.Forget(p.job)
	}
	b, done, err := objstore.OpenBucket(ctx, p.bucket)
	if err != nil {
		return res, err
	}
	defer done()
	// Whatever happens, nothing stays under the temporary prefix; a failed
	// dated export removes its unlisted version folder.
	defer func() {
		if err != nil || p.version == "" && !p.ex.Options.Unpublished {
			objstore.RemovePrefix(context.Background(), b, p.bucket, p.out.Prefix+"/")
		}
	}()
	if p.stageOut {
		if err := storeio.StageSnapshot(ctx, st, p.snap); err != nil {
			return res, err
		}
	} else {
		defer storeio.ShareStore(st)()
	}
	bp, s := beam.NewPipelineWithRoot()
	batches := storeio.Read(s, p.snap)
	var files beam.PCollection
	deferred := p.out.Index != nil && p.ex.Options.Deferred
	if deferred {
		// Plain files now; RunDeferredSections adds the sections after
		// they are published.
		plain := p.out
		plain.Index = nil
		files = sinks.WriteFiles(s, plain, batches)
	} else {
		files = sinks.WriteFiles(s, p.out, batches)
	}
	sinks.ListFiles(s, p.staging, p.job, files)
	if err := runners.Execute(ctx, bp, ro); err != nil {
		return res, err
	}
	list, err := sinks.ReadFileList(ctx, p.staging, p.job)
	if err != nil {
		return res, err
	}
	if err := p.publish(ctx, b, list); err != nil {
		return res, err
	}
	for _, f := range list {
		f.Key = strings.TrimPrefix(path.Join(strings.TrimPrefix(p.final, p.key), f.Key), "/")
		res.Files = append(res.Files, f)
		res.Rows += f.Rows
		res.Bytes += f.Bytes
		if len(f.Indexed) > 0 {
			res.Indexed++
		}
	}
	if p.ex.Options.AtTag != "" {
		if err := p.writeAudit(ctx, st, b, list); err != nil {
			return res, err
		}
	}
	if p.version != "" && !p.unlisted {
		err = datasets.RecordVersion(ctx, b, p.key, datasets.Version{Version: p.version, Created: time.Now().UTC().Format(time.RFC3339Nano),
			Table: p.table.Name, Commit: p.at, Statement: p.ex.Statement, Rows: res.Rows, Bytes: res.Bytes, Files: datasetFiles(p.version, list)})
	}
	if err == nil && deferred {
		var keys []string
		for _, f := range list {
			keys = append(keys, f.Key)
		}
		res.Deferred = p.deferredOf(storeio.StatusDir(st), keys)
	}
	return res, err
}

// publish moves the written files from the temporary prefix to their
// place; a dated export's files are already in their version folder,
// which the manifest publishes.
func (p *exportPlan) publish(ctx context.Context, b *blob.Bucket, files []sinks.WrittenFile) error {
	if p.version != "" || p.ex.Options.Unpublished {
		return nil
	}
	if p.ex.Options.Overwrite {
		if p.out.File != "" {
			if err := b.Delete(ctx, p.key); err != nil && !notFound(err) {
				return err
			}
		} else if err := objstore.RemovePrefix(ctx, b, p.bucket, p.key); err != nil {
			return err
		}
	}
	local := !strings.Contains(p.bucket, "://")
	// A move that fails takes back the files already moved.
	var moved []string
	undo := func(err error) error {
		for _, k := range moved {
			_ = b.Delete(ctx, k)
		}
		return err
	}
	for _, f := range files {
		src, dst := path.Join(p.out.Prefix, f.Key), path.Join(p.final, f.Key)
		if local {
			target := filepath.Join(p.bucket, filepath.FromSlash(dst))
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return undo(err)
			}
			if err := os.Rename(filepath.Join(p.bucket, filepath.FromSlash(src)), target); err != nil {
				return undo(err)
			}
			moved = append(moved, dst)
			continue
		}
		if err := b.Copy(ctx, dst, src, nil); err != nil {
			return undo(fmt.Errorf("publish %s: %w", dst, err))
		}
		moved = append(moved, dst)
		if err := b.Delete(ctx, src); err != nil {
			return undo(fmt.Errorf("publish %s: %w", dst, err))
		}
	}
	return nil
}

func notFound(err error) bool { return objstore.IsNotFound(err) }

// ExportMessage is the result line of an export.
func ExportMessage(r ExportResult) string {
	msg := fmt.Sprintf("COPY %d rows from %s (commit %d) to %s: %d file(s), %s", r.Rows, r.Table, r.Commit, r.URL, len(r.Files), HumanBytes(r.Bytes))
	if r.Version != "" {
		msg += fmt.Sprintf("; version %s in manifest.json", r.Version)
	}
	if r.Indexed > 0 {
		msg += fmt.Sprintf("; AILK sections in %d file(s)", r.Indexed)
	}
	if r.Deferred != nil {
		msg += fmt.Sprintf("; AILK sections are being added in the background (job %s: lakelink status %s)", r.Deferred.Job, r.Deferred.Job)
	}
	return msg
}

func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
