package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/sources"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/transforms"
)

// Import is one COPY FROM ... INTO: Parquet objects into a table.
type Import struct {
	Sources []string // paths, globs or bucket URLs
	Table   string
	// Columns, when set, limits the load to these table columns, each fed by
	// the same-named source column (COPY ... INTO t (a, b)).
	Columns []string
	Maps    []transforms.ColumnMap // MAP COLUMNS
	Options ImportOptions
	// Statement is the text the import came from, for the job record.
	Statement string
	// Graph says the statement read COPY ... INTO GRAPH g.table: the
	// table must be a node or edge table of graph g.
	Graph bool
	// Author is recorded with the import's commit.
	Author string
}

// ImportOptions are the WITH options of COPY.
type ImportOptions struct {
	// Format is the registered format of the sources ("" decides by the
	// first object's name: .csv, .ndjson, else parquet), and
	// FormatOptions its options as given (format.Format.Bind checks them).
	Format        string
	FormatOptions map[string]any
	Mode          sinks.Mode // append (default), upsert or update
	BatchSize     int        // rows per batch (default 4096)
	// OnError is "abort" (fail at the first bad row, commit nothing) or
	// "continue" (skip bad rows into the error tables). Unset, it is
	// "abort", unless MaxErrors is set, which implies "continue".
	OnError string
	// OnMissingNode is what an edge import does with an edge whose source
	// or target is no node: MissingNodeError (default), MissingNodeSkip
	// or MissingNodeCreate.
	OnMissingNode string
	// DuplicateEdges ("skip", the default, or "keep") and SelfLoops
	// ("keep", the default, or "skip") rule an adjacency list's expansion
	// (transforms.Expansion).
	DuplicateEdges, SelfLoops string
	// ErrorTable, when set, names an ordinary table that receives the job's
	// row errors (ErrorTableSchema), created if missing, in the job's commit.
	ErrorTable string
	MaxErrors  int64    // abort when exceeded; -1 no limit (default)
	PrimaryKey []string // for a table created by the import
	// KeyColumns identify rows for upsert and update: the table's primary
	// key (or, for a table the import creates, its primary key to be).
	KeyColumns []string
	// DetectVectors turns list<float> columns of equal length into
	// VECTOR(n) when the import creates the table (default true).
	DetectVectors bool
	// Staging is where workers stage segments: a folder or bucket URL that
	// all workers reach (default: the store's staging folder).
	Staging string
	// Source holds region, endpoint and credentials for bucket URLs.
	Source objstore.Options
	// PartitionColumns are Hive partition columns read from folder names
	// (year=2024/month=03/...); they become columns of the rows.
	PartitionColumns []string
	// Filter keeps the rows for which it is true (WITH filter, or its alias
	// partition_filter). Objects whose partition values rule it out are
	// never opened; row groups whose statistics rule it out are never read.
	Filter string
	// Workers is how many row groups each worker process reads at once
	// (parallel_workers); 0 means one per core.
	Workers int
	// MemoryLimit bounds the memory of the import, in bytes
	// (lakelink.import_memory_limit); 0 for no limit. It sets the Go
	// runtime's soft limit while the import runs, and sizes readers, batches
	// and the commit's mapped window to fit.
	MemoryLimit int64
	// SpillThreshold is how many bytes of staged segments are kept in
	// memory before the rest goes to disk (lakelink.import_spill_threshold).
	// It applies when the workers run in this process (the direct runner,
	// Prism loopback); 0 stages everything on disk.
	SpillThreshold int64
	// Progress, when set, receives the job's figures while it runs (ten
	// times a second) and once when it ends.
	Progress func(progress.Status)
	// BuildIndexes declares an index (IndexType, IndexMetric,
	// IndexOptions) on every VECTOR column of the table that has none.
	// Whether or not it is set, an import into an indexed table indexes
	// the rows it writes, in its commit.
	BuildIndexes bool
	IndexType    string         // index_type: hnsw (default), flat, auto
	IndexMetric  string         // index_metric: cosine (default), l2, ip
	IndexOptions map[string]int // hnsw_m, hnsw_ef_construction, hnsw_ef_search
}

// DefaultImportOptions are the options of a COPY without WITH.
func DefaultImportOptions() ImportOptions {
	return ImportOptions{Mode: sinks.Append, BatchSize: format.DefaultBatchRows, MaxErrors: -1, DetectVectors: true}
}

// Plan is an import checked against the store and the input: everything
// that can fail before data moves has been checked.
type Plan struct {
	Import  Import
	Job     string
	Read    sources.ReadOptions
	Schema  lake.Schema // target table schema
	Create  bool        // the table does not exist yet
	Mapping transforms.Mapping
	Staging string
	// Seal is the job's staging key when the store is encrypted: every
	// staged row, error and index part is sealed with it (objstore.SealBytes).
	Seal []byte
	// SpillThreshold is the bytes of segments staged in memory before the
	// rest go to Staging; 0 unless the workers share this process.
	SpillThreshold int64
	// Indexes are the indexes that the workers build over the rows they
	// stage (sinks.BuildIndexes): the table's own and, for a table the
	// import creates, those that build_indexes declares. The commit uses
	// their parts while the table still declares them so; it builds the
	// others itself (an index that build_indexes adds to a table with rows
	// covers those rows too; mode update only rewrites the vectors of the
	// columns it feeds).
	Indexes []store.IndexDef
	// AdoptKey, when set, is the primary key that the commit gives a table
	// made without one (key_columns on such a table): its rows move under
	// their keys (store.Commit.AdoptKey), and Schema is the table's with
	// that key.
	AdoptKey []string
}

// Prepare matches the inputs, reads their footers and plans the mapping.
func Prepare(ctx context.Context, st *store.Store, im Import) (p *Plan, err error) {
	if !validTableName(im.Table) {
		return nil, fmt.Errorf("invalid table name %q", im.Table)
	}
	if err := checkGraphTarget(st, im); err != nil {
		return nil, err
	}
	im.Maps = edgesTarget(st, im)
	if im.Options.BatchSize <= 0 {
		im.Options.BatchSize = format.DefaultBatchRows
	}
	if im.Options.Mode == "" {
		im.Options.Mode = sinks.Append
	}
	pats, err := objstore.Patterns(im.Options.Source, im.Sources...)
	if err != nil {
		return nil, err
	}
	var partCols []lake.Column
	matched := 0
	partTypes := map[string]lake.Type{}
	if len(im.Options.PartitionColumns) > 0 {
		if partCols, matched, err = objstore.InferPartitions(ctx, pats, im.Options.PartitionColumns); err != nil {
			return nil, fmt.Errorf("COPY INTO %s: %w", im.Table, err)
		}
		for _, c := range partCols {
			partTypes[c.Name] = c.Type
		}
	}
	// A filter over partition columns alone is checked without opening
	// anything; one that names data columns needs the first object's.
	var where *filter.Expr
	if im.Options.Filter != "" {
		if e, err := parseFilter(im.Options.Filter, partTypes); err == nil {
			where = &e
		}
	}
	// The first object that the filter's partition part keeps gives the
	// source columns.
	var keep func(objstore.Object) (bool, error)
	if where != nil {
		keep = func(o objstore.Object) (bool, error) {
			ok, _, err := sources.KeepObject(o, partCols, where)
			return ok, err
		}
	}
	firstObj, found, err := objstore.First(ctx, pats, keep)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("COPY INTO %s: the filter %q excludes all %d matched objects", im.Table, im.Options.Filter, matched)
	}
	fm, settings, err := importFormat(im, firstObj)
	if err != nil {
		return nil, fmt.Errorf("COPY INTO %s: %w", im.Table, err)
	}
	desc, err := fm.Inspect(ctx, firstObj, settings)
	if err != nil {
		return nil, err
	}
	srcSchema := desc.Schema
	if len(srcSchema.Columns) == 0 {
		return nil, fmt.Errorf("object %s: unsupported: no column lakelink can read (%s)", firstObj.Name, desc.Unreadable)
	}
	for _, c := range partCols {
		if srcSchema.Index(c.Name) >= 0 {
			return nil, fmt.Errorf("COPY INTO %s: partition column %q is also a column of %s", im.Table, c.Name, firstObj.Name)
		}
	}
	fitMemory(&im.Options, desc.RowBytes)
	fileColumns := len(srcSchema.Columns)
	srcSchema.Columns = append(srcSchema.Columns, partCols...)
	if im.Options.Filter != "" && where == nil {
		types := map[string]lake.Type{}
		for _, c := range srcSchema.Columns {
			if _, ok := filter.DomainOf(c.Type); ok {
				types[c.Name] = c.Type
			}
		}
		e, err := parseFilter(im.Options.Filter, types)
		if err != nil {
			return nil, fmt.Errorf("COPY INTO %s: %w", im.Table, err)
		}
		where = &e
	}

	job := storeio.NewJobID()
	p = &Plan{Import: im, Job: job}
	storeio.Hold(job)
	defer func() {
		if err != nil {
			storeio.Release(job) // p itself is nil by now
		}
	}()
	if _, _, err := indexes.Check(im.Options.IndexType, im.Options.IndexMetric, im.Options.IndexOptions); err != nil {
		return nil, fmt.Errorf("COPY INTO %s: %w", im.Table, err)
	}
	keys := im.Options.KeyColumns
	if len(keys) > 0 && len(im.Options.PrimaryKey) > 0 && !sameNames(keys, im.Options.PrimaryKey) {
		return nil, fmt.Errorf("COPY INTO %s: key_columns (%s) and primary_key (%s) differ", im.Table, strings.Join(keys, ", "), strings.Join(im.Options.PrimaryKey, ", "))
	}
	ti, err := st.Table(im.Table, st.Head())
	switch {
	case err == nil:
		p.Schema = ti.Schema
		// primary_key names the key of a table COPY creates; on a table
		// that exists with that very key it changes nothing, so that a
		// statement that created the table can run again.
		if len(im.Options.PrimaryKey) > 0 && !sameNames(im.Options.PrimaryKey, ti.Schema.PrimaryKey) {
			have := "no primary key"
			if len(ti.Schema.PrimaryKey) > 0 {
				have = "primary key (" + strings.Join(ti.Schema.PrimaryKey, ", ") + ")"
			}
			return nil, fmt.Errorf("table %q exists with %s: primary_key (%s) applies only when COPY creates the table", im.Table, have, strings.Join(im.Options.PrimaryKey, ", "))
		}
		switch {
		case len(keys) > 0 && len(ti.Schema.PrimaryKey) == 0:
			// A table made without a key takes key_columns as its key in
			// this import's commit, when its rows are unique on them.
			if _, _, dotted := store.SplitGraphTable(im.Table); dotted {
				return nil, fmt.Errorf("COPY INTO %s: key_columns: a graph's table keeps the key it was declared with", im.Table)
			}
			if p.Schema, err = store.AdoptedSchema(ti.Schema, keys); err != nil {
				return nil, fmt.Errorf("COPY INTO %s: key_columns (%s): %w", im.Table, strings.Join(keys, ", "), err)
			}
			p.AdoptKey = p.Schema.PrimaryKey
		case len(keys) > 0 && !sameNames(keys, ti.Schema.PrimaryKey):
			return nil, fmt.Errorf("COPY INTO %s: key_columns (%s) must be the table's primary key (%s): rows are matched by primary key", im.Table, strings.Join(keys, ", "), strings.Join(ti.Schema.PrimaryKey, ", "))
		}
		if im.Options.Mode != sinks.Append && len(p.Schema.PrimaryKey) == 0 {
			return nil, fmt.Errorf("COPY INTO %s: mode '%s' matches rows by key, and table %s has no primary key", im.Table, im.Options.Mode, im.Table)
		}
	case errors.Is(err, store.ErrNotFound) && im.Options.Mode == sinks.Update:
		return nil, fmt.Errorf("COPY INTO %s: mode 'update' changes existing rows, and table %q does not exist", im.Table, im.Table)
	case errors.Is(err, store.ErrNotFound):
		if len(im.Options.PrimaryKey) == 0 {
			im.Options.PrimaryKey = keys
		}
		if im.Options.Mode != sinks.Append && len(im.Options.PrimaryKey) == 0 {
			return nil, fmt.Errorf("COPY INTO %s: mode '%s' matches rows by key: give key_columns", im.Table, im.Options.Mode)
		}
		p.Create = true
		maps, err := columnMaps(im)
		if err != nil {
			return nil, err
		}
		if len(maps) == 0 {
			// All readable columns, under names that a table may use.
			maps = nameMaps(srcSchema)
			im.Maps = maps
		}
		if p.Schema, err = inferTable(ctx, desc, srcSchema, im.Table, maps, im.Options); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	maps, err := columnMaps(im)
	if err != nil {
		return nil, err
	}
	plan := transforms.PlanMapping
	if im.Options.Mode == sinks.Update {
		plan = transforms.PlanPartialMapping
	}
	expand := edgeExpansion(st, im, srcSchema, p.Schema, maps, desc.Suggested)
	target := p.Schema
	if expand != nil {
		target = transforms.ExpandingTarget(p.Schema, expand.Column)
	}
	if p.Mapping, err = plan(srcSchema, target, maps); err != nil {
		return nil, fmt.Errorf("COPY INTO %s: %w", im.Table, err)
	}
	p.Mapping.Expand = expand
	// Read from the files only their own columns (those mapped and those
	// the filter names); partition values are added to each batch.
	var read []string
	need := p.Mapping.SourceColumns()
	if where != nil {
		need = append(need, where.Columns()...)
	}
	for _, c := range need {
		if i := srcSchema.Index(c); i >= 0 && i < fileColumns && !slices.Contains(read, c) {
			read = append(read, c)
		}
	}
	p.Read = sources.ReadOptions{Job: job, Format: fm.Name, FormatOptions: im.Options.FormatOptions, Patterns: pats, Columns: read,
		BatchRows: im.Options.BatchSize, Workers: im.Options.Workers, Partitions: partCols, Filter: where}
	if p.Indexes, err = workerIndexes(ti, p, im.Options); err != nil {
		return nil, fmt.Errorf("COPY INTO %s: %w", im.Table, err)
	}
	if p.AdoptKey != nil {
		p.Indexes = nil // the commit rebuilds every index over the moved rows
	}
	p.Staging = im.Options.Staging
	if p.Staging == "" {
		p.Staging, _ = filepath.Abs(filepath.Join(st.Dir(), "staging"))
		if err := os.MkdirAll(p.Staging, 0o755); err != nil {
			return nil, err
		}
	}
	if _, err := storeio.RecoverJobs(st); err != nil {
		return nil, err
	}
	if st.Encrypted() {
		p.Seal = objstore.NewStagingKey()
	}
	return p, nil
}

// sameNames compares two column lists, ignoring case.
func sameNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

// columnMaps combines a COPY's column list and MAP COLUMNS into one list
// of maps, in the order of the column list when there is one: a listed
// column that MAP COLUMNS does not feed takes the same-named source column.
func columnMaps(im Import) ([]transforms.ColumnMap, error) {
	if len(im.Columns) == 0 {
		return im.Maps, nil
	}
	byTarget := map[string]transforms.ColumnMap{}
	for _, m := range im.Maps {
		byTarget[strings.ToLower(m.Target)] = m
	}
	var out []transforms.ColumnMap
	listed := map[string]bool{}
	for _, c := range im.Columns {
		key := strings.ToLower(c)
		if listed[key] {
			return nil, fmt.Errorf("COPY INTO %s: column %q is listed twice", im.Table, c)
		}
		listed[key] = true
		if m, ok := byTarget[key]; ok {
			out = append(out, m)
		} else {
			out = append(out, transforms.ColumnMap{Source: c, Target: c})
		}
	}
	for _, m := range im.Maps {
		if !listed[strings.ToLower(m.Target)] {
			return nil, fmt.Errorf("COPY INTO %s: MAP COLUMNS feeds %q, which is not in the column list (%s)", im.Table, m.Target, strings.Join(im.Columns, ", "))
		}
	}
	return out, nil
}

// nameMaps maps every source column to a table column of the same name,
// made a valid identifier where it is not one (c_customer_sk: becomes
// c_customer_sk, "column with known type" column_with_known_type), and
// unique.
func nameMaps(src lake.Schema) []transforms.ColumnMap {
	used := map[string]bool{}
	out := make([]transforms.ColumnMap, 0, len(src.Columns))
	for _, c := range src.Columns {
		base := lake.CleanName(c.Name)
		name := base
		for n := 2; used[strings.ToLower(name)]; n++ {
			name = fmt.Sprintf("%s_%d", base, n)
		}
		used[strings.ToLower(name)] = true
		out = append(out, transforms.ColumnMap{Source: c.Name, Target: name})
	}
	return out
}

// inferTable derives the schema of a table that COPY creates: the mapped
// (or all readable) source columns, list<float> columns detected as
// VECTOR(n), MAP COLUMNS casts applied, and the primary_key option.
func inferTable(ctx context.Context, desc format.Description, src lake.Schema, table string, maps []transforms.ColumnMap, opts ImportOptions) (lake.Schema, error) {
	var s lake.Schema
	dims := map[string]int{}
	if opts.DetectVectors && desc.Vectors != nil {
		var err error
		if dims, err = desc.Vectors(ctx); err != nil {
			return s, err
		}
	}
	natural := func(name string) (lake.Type, error) {
		i := src.Index(name)
		if i < 0 {
			return lake.Type{}, fmt.Errorf("COPY INTO %s: source has no column %q", table, name)
		}
		c := src.Columns[i]
		if d, ok := dims[c.Name]; ok {
			return lake.Vector(d), nil
		}
		if i < len(desc.Suggested) {
			return desc.Suggested[i], nil
		}
		return c.Type, nil
	}
	if len(maps) > 0 {
		for _, m := range maps {
			t, err := natural(m.Source)
			if err != nil {
				return s, err
			}
			if m.Cast != nil {
				t = *m.Cast
			}
			s.Columns = append(s.Columns, lake.Column{Name: m.Target, Type: t})
		}
	} else {
		for _, c := range src.Columns {
			t, _ := natural(c.Name)
			s.Columns = append(s.Columns, lake.Column{Name: c.Name, Type: t})
		}
	}
	s.PrimaryKey = opts.PrimaryKey
	for _, k := range s.PrimaryKey {
		if i := s.Index(k); i >= 0 {
			s.Columns[i].NotNull = true
		}
	}
	if err := s.Validate(); err != nil {
		return s, fmt.Errorf("COPY INTO %s: %w", table, err)
	}
	return s, nil
}

// importFormat is the format an import reads (WITH format, else the first
// object's name ending decides) with its options bound.
func importFormat(im Import, first objstore.Object) (format.Format, format.Settings, error) {
	name := im.Options.Format
	if name == "" {
		name = format.ForName(first.Name)
	}
	f, err := format.Lookup(name)
	if err != nil {
		return f, nil, err
	}
	settings, err := f.Bind(im.Options.FormatOptions)
	return f, settings, err
}

// Build adds the import's transforms to a pipeline scope: read, map,
// stage. A program that adds steps of its own calls the three parts
// itself (RunComposed).
func (p *Plan) Build(s beam.Scope) {
	batches, rejected, stats := p.Source(s)
	mapped, dead := p.Map(s, batches)
	p.Sink(s, mapped, stats, rejected, dead)
}

// Source reads the import's objects: batches of the source columns, the
// records the format rejected, and per-object read statistics.
func (p *Plan) Source(s beam.Scope) (batches, rejected, stats beam.PCollection) {
	return sources.Read(s, p.Read)
}

// Map turns source batches into batches of the table's schema; rows that
// do not convert go to deadLetters (lake.ErrorBatch).
func (p *Plan) Map(s beam.Scope, batches beam.PCollection) (mapped, deadLetters beam.PCollection) {
	return transforms.MapColumns(s, p.Mapping, batches)
}

// RunImport plans, runs and commits an import. A failed import commits
// nothing.
func RunImport(ctx context.Context, st *store.Store, im Import, ro runners.Options) (ImportResult, error) {
	return RunComposed(ctx, st, im, ro, nil)
}

// RunComposed is RunImport with a pipeline the caller builds: build gets
// the root scope and the plan, and wires p.Source, p.Map and p.Sink with
// steps of its own between them (nil: p.Build). Everything else is as for
// COPY: the job record and its progress, the memory limit, the workers'
// index parts, and the one commit with graph checks and the error table.
// The batches given to p.Sink must have the table's schema (p.Schema).
func RunComposed(ctx context.Context, st *store.Store, im Import, ro runners.Options, build func(s beam.Scope, p *Plan)) (ImportResult, error) {
	started := time.Now().UTC()
	if err := checkMemory(im.Options); err != nil {
		return ImportResult{}, fmt.Errorf("COPY INTO %s: %w", im.Table, err)
	}
	var res ImportResult
	err := withMemoryLimit(im.Options.MemoryLimit, func() error {
		p, err := Prepare(ctx, st, im)
		if err != nil {
			return err
		}
		defer sinks.Cleanup(context.Background(), p.Staging, p.Job)
		defer storeio.Release(p.Job)
		remote := !sharesMemory(ro)
		if remote {
			p.Read.Progress = p.Staging
		} else {
			p.SpillThreshold = im.Options.SpillThreshold
		}
		tr, err := storeio.Track(ctx, st, p.Target(), started, im.Options.Progress, remote)
		if err != nil {
			return err
		}
		countCtx, stopCount := context.WithCancel(ctx)
		defer stopCount()
		go func() { _ = sources.CountInputs(countCtx, p.Read) }()
		planned := time.Now()
		bp, s := beam.NewPipelineWithRoot()
		if build == nil {
			p.Build(s)
		} else {
			build(s, p)
		}
		if err := runners.Execute(ctx, bp, ro); err != nil {
			if ctx.Err() != nil {
				// The runner's own error may only say that it stopped.
				err = fmt.Errorf("canceled while the pipeline ran; nothing was committed: %w", ctx.Err())
			}
			err = fmt.Errorf("COPY INTO %s: %w", im.Table, err)
			tr.Finish(res, err)
			return err
		}
		ran := time.Now()
		tr.Committing()
		res, err = p.Commit(ctx, st, ro.Name(), started)
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("COPY INTO %s: canceled while committing; nothing was committed: %w", im.Table, ctx.Err())
		}
		res.PlanTime, res.PipelineTime, res.CommitTime = planned.Sub(started), ran.Sub(planned), time.Since(ran)
		tr.Finish(res, err)
		return err
	})
	return res, err
}

// workerIndexes are the indexes the workers build (Plan.Indexes); t is the
// table at planning, unless p creates it.
func workerIndexes(t store.TableInfo, p *Plan, o ImportOptions) ([]store.IndexDef, error) {
	defs := t.Indexes
	if p.Create {
		t = store.TableInfo{Name: p.Import.Table, Schema: p.Schema}
		var err error
		if defs, err = storeio.DeclaredIndexes(t, writeOptions(o)); err != nil {
			return nil, err
		}
	}
	fed := p.Mapping.Fed()
	var out []store.IndexDef
	for _, d := range defs {
		if !indexes.Structured(d.Type) {
			continue
		}
		if o.Mode == sinks.Update && !slices.Contains(fed, p.Schema.Index(d.Column)) {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// ImportResult reports a finished import.
type ImportResult = storeio.Result

// ErrorTableSchema is the schema of a COPY's error_table: one row per
// rejected row, with where it came from and why.
var ErrorTableSchema = storeio.ErrorTableSchema

// Target is what the plan writes into the store and how (io/storeio).
func (p *Plan) Target() storeio.Target {
	names := make([]string, len(p.Read.Patterns))
	for i, pat := range p.Read.Patterns {
		names[i] = pat.Text
	}
	return storeio.Target{Job: p.Job, Table: p.Import.Table, Schema: p.Schema, Create: p.Create, AdoptKey: p.AdoptKey,
		Staging: p.Staging, Seal: p.Seal, SpillThreshold: p.SpillThreshold, Indexes: p.Indexes, UpdateColumns: p.Mapping.Fed(),
		Sources: names, Author: p.Import.Author, Statement: p.Import.Statement,
		Options: writeOptions(p.Import.Options)}
}

// writeOptions are the options of an import that its commit applies.
func writeOptions(o ImportOptions) storeio.Options {
	return storeio.Options{Mode: o.Mode, OnError: o.OnError, MaxErrors: o.MaxErrors, ErrorTable: o.ErrorTable,
		MemoryLimit: o.MemoryLimit, OnMissingNode: o.OnMissingNode, BuildIndexes: o.BuildIndexes,
		IndexType: o.IndexType, IndexMetric: o.IndexMetric, IndexOptions: o.IndexOptions}
}

// Sink stages batches of the table's schema (with the workers' index
// parts) for the commit, with the read statistics and any number of
// dead-letter collections, which become the job's error rows
// (storeio.Write).
func (p *Plan) Sink(s beam.Scope, batches, stats beam.PCollection, deadLetters ...beam.PCollection) {
	storeio.Write(s, p.Target(), batches, stats, deadLetters...)
}

// Commit loads the staged job into the store as one commit
// (storeio.Commit).
func (p *Plan) Commit(ctx context.Context, st *store.Store, runner string, started time.Time) (ImportResult, error) {
	return storeio.Commit(ctx, st, p.Target(), runner, started)
}
