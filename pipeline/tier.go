package pipeline

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// TierMove is ALTER TABLE t TIER PARTITION WHERE ... TO COLD | TO HOT, or
// one table's step of a tier run.
type TierMove struct {
	Table     string
	Where     *sql.Where // the rows to move; nil for all
	ToHot     bool
	Statement string
	Author    string
}

// TierResult is what a move did.
type TierResult struct {
	Job    string
	Table  string
	ToHot  bool
	Commit uint64 // 0 when nothing moved
	Rows   int64  // rows moved
	Added  int    // cold files listed
	Bytes  int64  // their bytes
	Unlist int    // cold files unlisted (put back, or rewritten without the rows)
	Swept  int    // objects of earlier unfinished moves removed
}

// TierMessage is the result line of a move.
func TierMessage(r TierResult) string {
	to := "cold"
	if r.ToHot {
		to = "hot"
	}
	if r.Commit == 0 {
		return fmt.Sprintf("%s: no row to move to %s", r.Table, to)
	}
	msg := fmt.Sprintf("%s: moved %d row(s) to %s (commit %d); %d cold file(s) listed (%s), %d unlisted", r.Table, r.Rows, to, r.Commit, r.Added, HumanBytes(r.Bytes), r.Unlist)
	if r.Swept > 0 {
		msg += fmt.Sprintf("; %d object(s) of unfinished moves removed", r.Swept)
	}
	return msg
}

// coldFileSize bounds a cold file: small enough that a search or a key
// lookup fetches little, large enough that a year is a few files.
const coldFileSize = 64 << 20

// RunTierMove moves the rows of a table that match m.Where between the
// store and the table's cold location, as one commit.
//
// To cold: the rows are exported at the head (the export pipeline, on any
// runner) as AI-Lake Parquet into a new move folder under the cold
// location, partitioned by month of the tier column, with AILK sections
// over the table's indexed vector columns; each file is read back and
// checked (rows, bytes, SHA-256); then one commit deletes the rows from
// the store and lists the files with their statistics. Until that commit
// the files are listed nowhere, and the next move or gc removes them
// (tiering.Sweep).
//
// To hot: the cold files whose statistics admit matching rows are read;
// one commit writes the matching rows into the store (and indexes them),
// unlists those files, and lists new files holding their other rows.
func RunTierMove(ctx context.Context, st *store.Store, m TierMove, ro runners.Options) (res TierResult, err error) {
	head := st.Head()
	t, err := st.Table(m.Table, head)
	if err != nil {
		return res, err
	}
	res = TierResult{Job: storeio.NewJobID(), Table: t.Name, ToHot: m.ToHot}
	if t.Tiering == nil || t.Tiering.ColdStorage == "" {
		return res, fmt.Errorf("table %s has no cold_storage (ALTER TABLE %s SET (cold_storage = 's3://bucket/archive/') first)", t.Name, t.Name)
	}
	if _, _, ok := store.SplitGraphTable(t.Name); ok {
		return res, fmt.Errorf("table %s belongs to a graph: a graph's tables stay in the store, where traversals read their adjacency", t.Name)
	}
	var cond *filter.Expr
	if m.Where != nil {
		e, err := WhereFilter(m.Where, t.Schema)
		if err != nil {
			return res, err
		}
		cond = &e
	}
	// The move is a job: its status file (lakelink status,
	// lakelink_import_status) follows it live and keeps its outcome.
	tr, err := storeio.Track(ctx, st, storeio.Target{Job: res.Job, Table: t.Name}, time.Now().UTC(), nil, false)
	if err != nil {
		return res, err
	}
	defer func() {
		if err != nil && ctx.Err() != nil && res.Commit == 0 {
			// Stopped (Ctrl-C): say so, whatever step noticed it first
			// (a runner's error may not wrap the context's).
			err = fmt.Errorf("%w: the move was stopped, nothing moved", ctx.Err())
		}
		tr.Finish(storeio.Result{Rows: res.Rows}, err)
	}()
	loc := t.Tiering.ColdStorage
	swept, err := tiering.Sweep(ctx, st, []string{tiering.TablePrefix(loc, t.Name)}, false)
	res.Swept = len(swept)
	if err != nil {
		return res, err
	}
	if m.ToHot {
		progress.For(res.Job).SetPhase(progress.PhaseColdRead)
		err = toHot(ctx, st, t, head, cond, m, &res)
		return res, err
	}
	progress.For(res.Job).SetPhase(progress.PhaseColdWrite)
	err = toCold(ctx, st, t, head, cond, m, ro, &res)
	return res, err
}

func toCold(ctx context.Context, st *store.Store, t store.TableInfo, head uint64, cond *filter.Expr, m TierMove, ro runners.Options, res *TierResult) (err error) {
	loc := t.Tiering.ColdStorage
	folder := tiering.Folder(loc, t.Name, head, res.Job)
	defer tiering.Writing(folder)()
	rel := tiering.MoveKey(t.Name, head, res.Job)
	defer func() {
		if err != nil {
			tiering.RemoveFolder(folder)
		}
	}()
	// An encrypted store's files are sealed with its cold key.
	o := ExportOptions{Unpublished: true, HotOnly: true, MaxFileSize: coldFileSize, Seal: st.ColdKey()}
	if c := monthColumn(t); c != "" {
		o.PartitionBy = []sinks.Partition{{Column: c, Month: true}}
	}
	coldIndex(t, &o)
	started := time.Now().UTC()
	xr, err := RunExport(ctx, st, Export{Query: sql.Select{Table: t.Name, Star: true, Where: m.Where}, URL: folder, Options: o, Statement: m.Statement, Job: res.Job}, ro, head)
	if err != nil {
		return err
	}
	progress.For(res.Job).SetPhase(progress.PhaseColdVerify)
	if xr.Rows == 0 {
		tiering.RemoveFolder(folder)
		return nil
	}
	var files []store.ColdFile
	for _, f := range xr.Files {
		cf, err := tiering.Describe(ctx, loc, path.Join(rel, f.Key), tiering.WrittenFile{Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256, Partition: f.Partition}, t.Schema, st.ColdKey())
		if err != nil {
			return err
		}
		files = append(files, cf)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	progress.For(res.Job).SetPhase(progress.PhaseCommit)
	c, err := st.Begin(fmt.Sprintf("tier %s: %d row(s) to cold", t.Name, xr.Rows))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			c.Abort()
		}
	}()
	if c.Base() != head {
		return fmt.Errorf("table %s changed while its rows were written (commit %d, then %d); run the move again", t.Name, head, c.Base())
	}
	v, err := c.View()
	if err != nil {
		return err
	}
	var moved, total int64
	err = v.Rows(t, false, func(pk, value []byte, _ uint64) error {
		total++
		if cond != nil {
			row, err := store.DecodeRow(t.Schema, value)
			if err != nil {
				return err
			}
			if !matches(*cond, t.Schema, row) {
				return nil
			}
		}
		moved++
		return c.DeleteRow(t, append([]byte(nil), pk...))
	})
	v.Close()
	if err != nil {
		return err
	}
	if moved != xr.Rows {
		return fmt.Errorf("table %s: %d row(s) written to cold files, %d matching in the store: nothing moved", t.Name, xr.Rows, moved)
	}
	for _, f := range files {
		if err := c.AddColdFile(t, f); err != nil {
			return err
		}
		res.Added++
		res.Bytes += f.Bytes
	}
	// The moved rows' index entries stay, skipped by searches; when they
	// are a fifth or more of what the index holds, a search would wade
	// through them, so the indexes are rebuilt over the rows that stay.
	if moved*4 >= total-moved && hasStructured(t) {
		progress.For(res.Job).SetPhase(progress.PhaseCommitIx)
		if err := c.Flush(); err != nil {
			return err
		}
		if _, err := indexes.Compact(ctx, progress.For(res.Job), c, t); err != nil {
			return fmt.Errorf("rebuilding the indexes over the rows that stay: %w", err)
		}
	}
	if err := finishMove(ctx, c, t, m, res, started, moved, ro); err != nil {
		return err
	}
	return nil
}

func toHot(ctx context.Context, st *store.Store, t store.TableInfo, head uint64, cond *filter.Expr, m TierMove, res *TierResult) (err error) {
	tbl, err := tiering.Open(st, t.Name, head)
	if err != nil {
		return err
	}
	cands := tbl.Prune(cond)
	if len(cands) == 0 {
		return nil
	}
	started := time.Now().UTC()
	c, err := st.Begin(fmt.Sprintf("tier %s: rows to hot", t.Name))
	if err != nil {
		return err
	}
	var folders []string
	defer func() {
		if err != nil {
			c.Abort()
			for _, f := range folders {
				tiering.RemoveFolder(f)
			}
		}
	}()
	if c.Base() != head {
		return fmt.Errorf("table %s changed meanwhile; run the move again", t.Name)
	}
	pk := t.Schema.PKIndexes()
	var moved int64
	counts := progress.For(res.Job)
	put := func(r store.Row) error {
		moved++
		counts.Rows.Add(1)
		value, err := store.EncodeRow(t.Schema, r)
		if err != nil {
			return err
		}
		var key []byte
		if len(pk) > 0 {
			vals := make([]any, len(pk))
			for i, p := range pk {
				vals[i] = r[p]
			}
			if key, err = store.KeyOf(t.Schema, vals...); err != nil {
				return err
			}
			if ok, err := c.Exists(t, key); err != nil || ok {
				if err == nil {
					err = fmt.Errorf("table %s: the key of a cold row is in the store too", t.Name)
				}
				return err
			}
		}
		return c.Put(t, key, value)
	}
	var match func(store.Row) bool
	if cond != nil {
		match = func(r store.Row) bool { return matches(*cond, t.Schema, r) }
	}
	tk, err := tiering.TakeCold(ctx, c, tbl, cands, match, res.Job, put)
	folders = tk.Folders
	res.Added, res.Unlist, res.Bytes = tk.Added, tk.Unlisted, tk.Bytes
	if err != nil {
		return err
	}
	if moved == 0 {
		c.Abort()
		return nil
	}
	if err := c.Flush(); err != nil {
		return err
	}
	if _, err := indexes.Commit(ctx, nil, c, t, nil, nil); err != nil {
		return fmt.Errorf("indexing the rows put back: %w", err)
	}
	return finishMove(ctx, c, t, m, res, started, moved, runners.Options{})
}

// finishMove records the move's job and finishes its commit.
func finishMove(ctx context.Context, c *store.Commit, t store.TableInfo, m TierMove, res *TierResult, started time.Time, moved int64, ro runners.Options) error {
	if err := ctx.Err(); err != nil {
		return err // the last moment to stop: Finish makes it visible
	}
	c.SetJob(res.Job)
	c.SetAuthor(m.Author)
	c.SetStatement(m.Statement)
	kind := "tier to cold"
	if m.ToHot {
		kind = "tier to hot"
	}
	err := c.PutJob(store.Job{ID: res.Job, Kind: kind, Statement: m.Statement, Table: t.Name, Rows: moved, Runner: ro.Name(),
		Commit: c.TS(), Started: started.Format(time.RFC3339Nano), Finished: time.Now().UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return err
	}
	ts, err := c.Finish()
	if err != nil {
		return err
	}
	res.Commit, res.Rows = ts, moved
	return nil
}

// matches evaluates a bound condition on a row.
func matches(e filter.Expr, s lake.Schema, r store.Row) bool {
	return e.Eval(func(col string) (filter.Value, bool) {
		i := s.Index(col)
		if i < 0 {
			return filter.Value{}, false
		}
		return filter.ValueOf(r[i])
	}) == filter.True
}

// monthColumn is the column whose month partitions a table's cold files:
// the policy's tier column, else the rule's (a TIMESTAMP or DATE column
// named created_at, else the only one).
func monthColumn(t store.TableInfo) string {
	if t.Tiering != nil && t.Tiering.Column != "" {
		return t.Tiering.Column
	}
	var only []string
	for _, c := range t.Schema.Columns {
		if c.Type.Kind == lake.KindTimestamp || c.Type.Kind == lake.KindDate {
			if strings.EqualFold(c.Name, "created_at") {
				return c.Name
			}
			only = append(only, c.Name)
		}
	}
	if len(only) == 1 {
		return only[0]
	}
	return ""
}

// coldIndex asks for AILK sections like the table's indexes: the first
// structured index's kind, metric and options, over every indexed column.
func coldIndex(t store.TableInfo, o *ExportOptions) {
	for _, d := range t.Indexes {
		if !indexes.Structured(d.Type) || t.Schema.Index(d.Column) < 0 {
			continue
		}
		if o.VectorIndex == "" {
			o.VectorIndex, o.IndexMetric, o.IndexOptions = d.Type, d.Metric, d.Options
		}
		o.IndexColumns = append(o.IndexColumns, t.Schema.Columns[t.Schema.Index(d.Column)].Name)
	}
}

// TierPolicy applies the tiering policies: every row of a table whose
// tier column is older than tier_after at now moves to cold, one move
// per table (RunTierMove). Table "" means every table whose policy has
// tier_after. Rows whose tier column is NULL stay. A second run at the
// same now moves nothing.
func TierPolicy(ctx context.Context, st *store.Store, table string, now time.Time, ro runners.Options, author, statement string) ([]TierResult, error) {
	var tables []store.TableInfo
	if table != "" {
		t, err := st.Table(table, st.Head())
		if err != nil {
			return nil, err
		}
		if t.Tiering == nil || t.Tiering.AfterSeconds == 0 {
			return nil, fmt.Errorf("table %s has no tier_after (ALTER TABLE %s SET (cold_storage = '...', tier_after = INTERVAL '90 days'))", t.Name, t.Name)
		}
		tables = append(tables, t)
	} else {
		all, err := st.Tables(st.Head())
		if err != nil {
			return nil, err
		}
		for _, t := range all {
			if t.Tiering != nil && t.Tiering.AfterSeconds > 0 {
				tables = append(tables, t)
			}
		}
	}
	var out []TierResult
	for _, t := range tables {
		col := t.Tiering.Column
		if col == "" {
			col = monthColumn(t)
		}
		i := t.Schema.Index(col)
		if i < 0 {
			return out, fmt.Errorf("table %s: its policy names no TIMESTAMP or DATE column (ALTER TABLE %s SET (tier_column = ...))", t.Name, t.Name)
		}
		cut := now.UTC().Add(-time.Duration(t.Tiering.AfterSeconds) * time.Second)
		lit := cut.Format("2006-01-02T15:04:05.999999Z")
		if t.Schema.Columns[i].Type.Kind == lake.KindDate {
			lit = cut.Format("2006-01-02")
		}
		src := sql.Ident(t.Schema.Columns[i].Name) + " < '" + lit + "'"
		e, err := sql.ParseExpr(src)
		if err != nil {
			return out, err
		}
		r, err := RunTierMove(ctx, st, TierMove{Table: t.Name, Where: &sql.Where{Expr: e, Src: src}, Statement: statement, Author: author}, ro)
		out = append(out, r)
		if err != nil {
			return out, fmt.Errorf("tier run %s: %w", t.Name, err)
		}
	}
	return out, nil
}

// hasStructured reports whether the table has an index with segments.
func hasStructured(t store.TableInfo) bool {
	for _, d := range t.Indexes {
		if indexes.Structured(d.Type) {
			return true
		}
	}
	return false
}
