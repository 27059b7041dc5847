package storeio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// Target is a write into one table of the store: what the staged rows
// are and how the commit takes them. pipeline.Prepare makes one for COPY
// (Plan.Target); Open makes one for batches a program makes itself.
type Target struct {
	Job   string // the job's id: its staging folder, its record
	Table string
	// Schema is the batches' schema: the table's, with AdoptKey's key.
	Schema lake.Schema
	Create bool // the commit creates the table
	// AdoptKey, when set, is the primary key that the commit gives a
	// table made without one: its rows move under their keys
	// (store.Commit.AdoptKey).
	AdoptKey []string
	// Staging is where the workers stage rows (a folder or a bucket URL),
	// and Seal the job's staging key when the store is encrypted.
	Staging string
	Seal    []byte
	// SpillThreshold is the bytes of segments staged in memory before
	// the rest go to Staging; 0 unless the workers share this process.
	SpillThreshold int64
	// Indexes are the indexes the workers build over the rows they stage;
	// the commit builds the table's others itself.
	Indexes []store.IndexDef
	// UpdateColumns are the columns an update feeds (mode update).
	UpdateColumns []int
	// Sources, Author and Statement go into the job record and the commit.
	Sources           []string
	Author, Statement string
	Options           Options

	// tracker publishes the job's progress when Open started the job.
	tracker *Tracker
}

// Options are how a commit takes the staged rows, as COPY's WITH names
// them.
type Options struct {
	Mode          sinks.Mode // append (default), upsert or update
	OnError       string     // "abort" or "continue"; "" aborts unless MaxErrors >= 0
	MaxErrors     int64      // -1: no limit
	ErrorTable    string     // the table that takes the rows in error
	MemoryLimit   int64
	OnMissingNode string // an edge table's missing endpoints: MissingNodeError, ...Skip, ...Create
	// BuildIndexes declares an index of IndexType, IndexMetric and
	// IndexOptions on every VECTOR column that has none.
	BuildIndexes bool
	IndexType    string
	IndexMetric  string
	IndexOptions map[string]int
	// Progress, when set, receives the job's figures while it runs (ten
	// times a second) and once more when it ends; Open's jobs only.
	Progress func(progress.Status) `json:"-"`
}

// ErrorTableSchema is the schema of a COPY's error_table: one row per
// rejected row, with where it came from and why.
var ErrorTableSchema = lake.Schema{Columns: []lake.Column{
	{Name: "job_id", Type: lake.Text, NotNull: true}, {Name: "source", Type: lake.Text}, {Name: "row_group", Type: lake.BigInt},
	{Name: "row", Type: lake.BigInt}, {Name: "column", Type: lake.Text}, {Name: "value", Type: lake.Text},
	{Name: "reason", Type: lake.Text}, {Name: "at", Type: lake.Timestamp},
}}

// Result reports a finished write.
type Result struct {
	Job     string
	Table   string
	Commit  uint64
	Rows    int64
	Errors  int64
	Created bool // the import created the table
	// What was read: objects, their bytes, row groups read and row groups
	// skipped on their statistics.
	Objects, Bytes, RowGroups, RowGroupsPruned int64
	// StagedInMemory is how many bytes of segments stayed in memory
	// (SpillThreshold) instead of going to the staging folder.
	StagedInMemory int64
	// Indexes says how the commit indexed the rows, per index.
	Indexes []indexes.Built
	// KeyAdopted is the primary key the import gave a table made without
	// one (key_columns), and KeyAdoptedRows how many of its rows moved
	// under their keys unchanged (the others the import replaced).
	KeyAdopted     []string
	KeyAdoptedRows int64
	// Where the time went: planning (listing, footers), the pipeline (read,
	// map, stage) and the commit into the store.
	PlanTime, PipelineTime, CommitTime time.Duration
}

// Write stages batches of t's schema (with the workers' index parts) for
// Commit, with the read statistics (objstore.ReadStats, as sources.Read
// gives them; a zero PCollection when the batches come from no objects)
// and any number of dead-letter collections (lake.ErrorBatch), which
// become the job's error rows.
//
// A batch's Origin names it and orders its rows: the commit takes the
// batches in origin order (ObjectIndex, RowGroup, FirstRow), and a batch
// staged with the origin of another replaces it, which is what makes a
// retried bundle harmless. Batches a program makes must therefore have
// distinct origins.
func Write(s beam.Scope, t Target, batches, stats beam.PCollection, deadLetters ...beam.PCollection) {
	s = s.Scope("storeio.Write")
	if !stats.IsValid() {
		stats = beam.CreateList(s, []objstore.ReadStats{})
	}
	if len(deadLetters) == 0 {
		deadLetters = []beam.PCollection{beam.CreateList(s, []lake.ErrorBatch{})}
	}
	dead := beam.Flatten(s, deadLetters...)
	sinks.Stage(s, sinks.StageOptions{Staging: t.Staging, Job: t.Job, Schema: t.Schema, SpillThreshold: t.SpillThreshold,
		Indexes: t.Indexes, MemoryLimit: t.Options.MemoryLimit, Seal: t.Seal}, batches, dead, stats)
}

// Commit loads the staged job into the store as one commit, after the
// pipeline that wrote it has run: rows in input order (upserts take the
// last row for a key), graph endpoint checks, the error table, the index
// segments (from the workers' parts where they built them) and the job
// record. A failed commit leaves the store as it was.
func Commit(ctx context.Context, st *store.Store, t Target, runner string, started time.Time) (res Result, err error) {
	if t.tracker != nil {
		t.tracker.Committing()
		defer func() { t.tracker.Finish(res, err) }()
	}
	return commit(ctx, st, t, runner, started)
}

func commit(ctx context.Context, st *store.Store, t Target, runner string, started time.Time) (Result, error) {
	p := t
	res := Result{Job: p.Job, Table: p.Table, Created: p.Create}
	m, err := sinks.ReadManifest(ctx, p.Staging, p.Job)
	if err != nil {
		return res, err
	}
	res.Objects, res.Bytes, res.RowGroups, res.RowGroupsPruned = m.Totals()
	res.StagedInMemory = m.InMemory()
	c, err := st.Begin(fmt.Sprintf("COPY INTO %s (job %s)", p.Table, p.Job))
	if err != nil {
		return res, err
	}
	c.SetJob(p.Job)
	c.SetAuthor(p.Author)
	c.SetStatement(p.Statement)
	c.AddSources(m.Sources()...)
	ok := false
	defer func() {
		if !ok {
			c.Abort()
		}
	}()
	var ti store.TableInfo
	if p.Create {
		ti, err = c.CreateTable(p.Table, p.Schema)
	} else {
		ti, err = c.Table(p.Table)
		want := ti.Schema
		if err == nil && p.AdoptKey != nil {
			want, err = store.AdoptedSchema(ti.Schema, p.AdoptKey)
		}
		if err == nil && (!sameSchema(want, p.Schema) || p.AdoptKey != nil && len(ti.Schema.PrimaryKey) > 0) {
			err = fmt.Errorf("table %q changed while the import ran; run it again", p.Table)
		}
	}
	if err != nil {
		return res, err
	}
	var adoption *store.Adoption
	if p.AdoptKey != nil {
		if adoption, err = c.AdoptKey(ti.Name, p.AdoptKey); err != nil {
			return res, fmt.Errorf("COPY INTO %s: key_columns: %w", p.Table, err)
		}
		ti = adoption.Table
		res.KeyAdopted = p.AdoptKey
	}
	maxErr := p.Options.MaxErrors
	abort := p.Options.OnError == "abort" || p.Options.OnError == "" && maxErr < 0
	if abort {
		maxErr = 0
	}
	var errTable *store.TableInfo
	if name := p.Options.ErrorTable; name != "" {
		et, err := c.Table(name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			et, err = c.CreateTable(name, ErrorTableSchema)
		case err == nil && et.Schema.String() != ErrorTableSchema.String():
			err = fmt.Errorf("error_table %q exists with other columns %s; an error table has %s", name, et.Schema, ErrorTableSchema)
		}
		if err != nil {
			return res, err
		}
		errTable = &et
	}
	window := int64(64 << 20)
	if lim := p.Options.MemoryLimit; lim > 0 {
		window = min(window, lim/8)
	}
	hook, err := importHook(c, ti, p.Options.OnMissingNode)
	if err != nil {
		return res, err
	}
	opts := sinks.CommitOptions{Hook: hook, Staging: p.Staging, Seal: p.Seal, Job: p.Job, Table: ti, Mode: p.Options.Mode, MaxErrors: maxErr, Abort: abort, ErrorTable: errTable, UpdateColumns: p.UpdateColumns, TableIsNew: p.Create, MappedWindow: window, TrackWritten: len(p.Indexes) > 0}
	if adoption != nil {
		opts.Existing = adoption
	}
	// A keyed table with cold files: keys are looked up in both tiers,
	// and cold rows the import replaces leave their files.
	var cold *tiering.ColdKeys
	if adoption == nil && !p.Create && len(ti.Schema.PrimaryKey) > 0 {
		tbl, err := tiering.Open(st, ti.Name, c.Base())
		if err != nil {
			return res, err
		}
		if len(tbl.Files) > 0 {
			cold = tiering.NewColdKeys(ctx, c, tbl)
			opts.Existing = cold
		}
	}
	cr, err := sinks.Commit(ctx, c, m, opts)
	if err != nil {
		return res, err
	}
	if cold != nil {
		tk, err := cold.Finish(p.Job)
		for _, f := range tk.Folders {
			folder := f
			c.OnDone(func() {
				if st.Head() != c.TS() {
					tiering.RemoveFolder(folder)
				}
			})
		}
		if err != nil {
			return res, fmt.Errorf("COPY INTO %s: replacing cold rows: %w", p.Table, err)
		}
	}
	res.Rows, res.Errors = cr.Rows, cr.Errors
	progress.For(p.Job).SetPhase(progress.PhaseCommitIx)
	if adoption != nil {
		if res.KeyAdoptedRows, err = adoption.Finish(); err != nil {
			return res, fmt.Errorf("COPY INTO %s: key_columns: %w", p.Table, err)
		}
	}
	if res.Indexes, err = p.indexRows(ctx, c, ti, m, cr.Written); err != nil {
		return res, fmt.Errorf("COPY INTO %s: %w", p.Table, err)
	}
	if err := c.PutJob(store.Job{
		ID: p.Job, Kind: "import", Statement: p.Statement, Table: p.Table, Sources: p.Sources, Objects: res.Objects,
		Runner: runner, Rows: cr.Rows, Errors: cr.Errors, Commit: c.TS(),
		Started: started.Format(time.RFC3339), Finished: time.Now().UTC().Format(time.RFC3339),
	}); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err // the last moment to stop: Finish makes it visible
	}
	progress.For(p.Job).SetPhase(progress.PhaseFlushing)
	if res.Commit, err = c.Finish(); err != nil {
		return res, err
	}
	ok = true
	return res, nil
}

// DeclaredIndexes are the indexes that build_indexes declares on table t:
// one on every VECTOR column that has none.
func DeclaredIndexes(t store.TableInfo, o Options) ([]store.IndexDef, error) {
	if !o.BuildIndexes {
		return nil, nil
	}
	var added []store.IndexDef
	for _, col := range t.Schema.Columns {
		if col.Type.Kind != lake.KindVector || slices.ContainsFunc(t.Indexes, func(d store.IndexDef) bool { return strings.EqualFold(d.Column, col.Name) }) {
			continue
		}
		d, err := indexes.NewDef(t, "", col.Name, o.IndexType, o.IndexMetric, o.IndexOptions)
		if err != nil {
			return nil, err
		}
		added = append(added, d)
	}
	return added, nil
}

// indexRows declares the indexes that build_indexes asks for and indexes
// the rows the commit wrote: a new index on a table with rows covers
// every row, an existing one (or any on a table this import creates) gets
// a segment for this commit's rows, from the parts the workers built
// (written says which of the staged rows the commit wrote) when they
// built it as the table declares it now.
func (p Target) indexRows(ctx context.Context, c *store.Commit, ti store.TableInfo, m sinks.Manifest, written sinks.Written) ([]indexes.Built, error) {
	added, err := DeclaredIndexes(ti, p.Options)
	if err != nil {
		return nil, err
	}
	if len(added) > 0 {
		all := append(append([]store.IndexDef(nil), ti.Indexes...), added...)
		if ti, err = c.SetIndexes(ti.Name, all); err != nil {
			return nil, err
		}
	}
	if p.AdoptKey != nil {
		// The rows moved under new keys: no segment covers them.
		return indexes.Compact(ctx, progress.For(p.Job), c, ti)
	}
	for _, d := range ti.Indexes {
		if n, err := c.IndexSegmentCount(ti, d.Name); err != nil {
			return nil, err
		} else if n >= indexes.MaxSegments {
			return indexes.Compact(ctx, progress.For(p.Job), c, ti)
		}
	}
	fresh := added
	if p.Create {
		fresh = nil // the commit's rows are all the rows
	}
	staged := func(d store.IndexDef) ([][]byte, bool, error) {
		if !slices.ContainsFunc(p.Indexes, func(w store.IndexDef) bool { return reflect.DeepEqual(w, d) }) {
			return nil, false, nil
		}
		parts, err := sinks.ResolveParts(ctx, c, m, p.Staging, p.Seal, d.Name, written)
		return parts, err == nil, err
	}
	return indexes.Commit(ctx, progress.For(p.Job), c, ti, fresh, staged)
}

// sameSchema compares two schemas, storage layout and defaults included.
func sameSchema(a, b lake.Schema) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
