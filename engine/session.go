package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/option"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// Session executes statements against one open store.
type Session struct {
	Store    *store.Store
	Runner   runners.Options
	Settings map[string]string // SET values
	// Progress, when set, receives the figures of every import the session
	// runs (ImportOptions.Progress).
	Progress func(progress.Status)
	// Params are the values of $1, $2, ... in statements: a query vector
	// as []float32, as a []any of numbers, or as text '[0.1, 0.2]'.
	Params map[int]any
	// At, when not 0, is the commit that SELECTs read instead of the head:
	// rows, indexes and searches as they were then (Resolve turns a tag or
	// a time into one). A SELECT's own AT (...) takes precedence.
	At uint64
	// Author is recorded with the tags the session creates (default:
	// $LAKELINK_AUTHOR, else $USER).
	Author string
	// Background starts the background step of an export with
	// deferred_index (pipeline.DeferredSections). nil runs it on a
	// goroutine of this process, which Wait waits for; the lakelink
	// command starts a process of its own, which outlives the command.
	Background func(pipeline.DeferredSections) error
	// Access, when set, limits what the session's statements may do: a
	// server's connections run with their user's (access.go).
	Access *Access

	// background counts the steps running on goroutines, and bgErr keeps
	// their first error, for Wait.
	background sync.WaitGroup
	bgMu       sync.Mutex
	bgErr      error

	// statement is the text of the statement Exec runs, which its commit
	// records (lakelink_commits' statement).
	statement string

	// tx is set between BEGIN and COMMIT or ROLLBACK, and txCommits are
	// the commits made since BEGIN (transaction.go).
	tx        bool
	txCommits []uint64
}

// Result is the outcome of one statement: a table of rows, or a message.
type Result struct {
	Columns []string
	// Types are the columns' types where the statement knows them (a
	// zero Type where it does not; nil for none): what tells a DATE from
	// a TIMESTAMP at midnight when the result is printed.
	Types   []lake.Type
	Rows    [][]any
	Message string
	// Plan says how a SELECT ordered by a vector comparison found its rows:
	// "index NAME", or "scan" (with the reason when an index was passed
	// over); empty for other statements.
	Plan string
	// Fields are what a statement other than a query reports, by name, in
	// order: its kind ("statement": COPY, COPY TO, SET, CREATE TABLE, ...)
	// and, as they apply, job, table, commit, rows, rejected, files, ...
	// (what `lakelink sql --format csv|json` prints).
	Fields []Field
	// unchanged: the statement changed nothing, and inCommit makes no
	// commit for it.
	unchanged bool
}

// Field is one named value of a statement's result.
type Field struct {
	Name  string
	Value any
}

// statementKind names a statement for its result's "statement" field.
func statementKind(st Statement) string {
	switch x := st.(type) {
	case CreateGraph:
		return "CREATE GRAPH"
	case DropGraph:
		return "DROP GRAPH"
	case CreateTable:
		return "CREATE TABLE"
	case DropTable:
		return "DROP TABLE"
	case AlterTable, AlterTiering, TierPartition:
		return "ALTER TABLE"
	case Copy:
		return "COPY"
	case pipeline.Export:
		return "COPY TO"
	case Set:
		return "SET"
	case TierRun:
		return "TIER RUN"
	case Transaction:
		return x.Kind
	case Show:
		return "SHOW"
	case DescribeTable:
		return "DESCRIBE"
	case Explain:
		return "EXPLAIN"
	case CreateTagStmt:
		return "CREATE TAG"
	case DropTagStmt:
		return "DROP TAG"
	case RevertStmt:
		return "REVERT"
	case GCStmt:
		return "GC"
	case CompactStmt:
		return "COMPACT"
	case Select:
		return "SELECT"
	case Delete:
		return "DELETE"
	case Insert:
		return "INSERT"
	case Update:
		return "UPDATE"
	case CreateIndex:
		return "CREATE INDEX"
	case DropIndex:
		return "DROP INDEX"
	default:
		return fmt.Sprintf("%T", x)
	}
}

// settings that SET accepts; the import memory settings are recorded and
// reported, their enforcement comes with the memory-bounded reader.
var knownSettings = map[string]bool{
	"lakelink.import_memory_limit":     true,
	"lakelink.import_spill_threshold":  true,
	"lakelink.import_parallel_workers": true,
}

// The index kinds' search options are settings too (lakelink.hnsw_ef_search,
// lakelink.ivf_nprobe).
func init() {
	for _, o := range indexes.SearchSettings() {
		knownSettings[o.Name] = true
	}
}

// isSearchSetting reports whether name is an index kind's search option.
func isSearchSetting(name string) bool {
	return slices.ContainsFunc(indexes.SearchSettings(), func(o option.Option) bool { return o.Name == name })
}

// Exec parses and runs a script, statement by statement, and stops at the
// first error. Results of the statements that ran are returned with it.
func (s *Session) Exec(ctx context.Context, script string) ([]Result, error) {
	stmts, texts, err := parse(script)
	if err != nil {
		return nil, err
	}
	defer func() { s.statement = "" }()
	var out []Result
	for i, st := range stmts {
		s.statement = texts[i]
		r, err := s.run(ctx, st)
		if err != nil {
			return out, err
		}
		if s.tx {
			for _, f := range r.Fields {
				if c, ok := f.Value.(uint64); ok && f.Name == "commit" && c != 0 {
					s.txCommits = append(s.txCommits, c)
				}
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Session) run(ctx context.Context, st Statement) (Result, error) {
	// Statements share the store; GC waits for them (store/gate.go).
	if err := s.Access.check(s, st); err != nil {
		return Result{}, err
	}
	st, err := s.bindParams(st)
	if err != nil {
		return Result{}, err
	}
	if _, gc := st.(GCStmt); !gc { // GC waits for the statements that hold a Use
		defer s.Store.Use()()
	}
	res, err := s.run1(ctx, st)
	if err == nil && res.Columns == nil {
		res.Fields = append([]Field{{"statement", statementKind(st)}}, res.Fields...)
	}
	return res, err
}

func (s *Session) run1(ctx context.Context, st Statement) (Result, error) {
	if r, ok, err := s.maintenance(ctx, st); ok {
		return r, err
	}
	switch x := st.(type) {
	case CreateGraph:
		return s.createGraph(x)
	case DropGraph:
		return s.dropGraph(x)
	case CreateTable:
		if _, err := s.Store.Table(x.Name, s.Store.Head()); err == nil && x.IfNotExists {
			return Result{Message: fmt.Sprintf("table %s exists", x.Name)}, nil
		}
		return s.inCommit("CREATE TABLE "+x.Name, func(c *store.Commit) (Result, error) {
			_, err := c.CreateTable(x.Name, x.Schema)
			return Result{Message: "CREATE TABLE " + x.Name, Fields: []Field{{"table", x.Name}}}, err
		})
	case DropTable:
		if _, err := s.Store.Table(x.Name, s.Store.Head()); errors.Is(err, store.ErrNotFound) && x.IfExists {
			return Result{Message: fmt.Sprintf("table %s does not exist", x.Name)}, nil
		}
		if g, _, dotted := store.SplitGraphTable(x.Name); dotted {
			if _, err := s.Store.Graph(g, s.Store.Head()); err == nil {
				return Result{}, fmt.Errorf("DROP TABLE %s: the table belongs to graph %s (DROP GRAPH %s)", x.Name, g, g)
			}
		}
		return s.inCommit("DROP TABLE "+x.Name, func(c *store.Commit) (Result, error) {
			return Result{Message: "DROP TABLE " + x.Name, Fields: []Field{{"table", x.Name}}}, c.DropTable(x.Name)
		})
	case AlterTable:
		return s.alterTable(x)
	case AlterTiering:
		return s.alterTiering(x)
	case TierPartition:
		return s.tierPartition(ctx, x)
	case TierRun:
		return s.TierRun(ctx, x.Table, time.Now())
	case Copy:
		if err := pipeline.ApplySettings(&x.Import.Options, s.Settings); err != nil {
			return Result{}, err
		}
		if x.Import.Options.Progress == nil {
			x.Import.Options.Progress = s.Progress
		}
		x.Import.Author = s.author()
		if pipeline.IsGraphImport(x.Import) {
			return s.graphImport(ctx, x.Import)
		}
		res, err := pipeline.RunImport(ctx, s.Store, x.Import, s.Runner)
		if err != nil {
			return Result{}, err
		}
		msg := fmt.Sprintf("COPY %d rows into %s from %d object(s) (job %s, commit %d)", res.Rows, res.Table, res.Objects, res.Job, res.Commit)
		if res.RowGroupsPruned > 0 {
			msg += fmt.Sprintf("; %d of %d row groups skipped on their statistics", res.RowGroupsPruned, res.RowGroups+res.RowGroupsPruned)
		}
		if res.KeyAdopted != nil {
			msg += fmt.Sprintf("; %s is now the primary key of %s (%d existing row(s) kept)", strings.Join(res.KeyAdopted, ", "), res.Table, res.KeyAdoptedRows)
		}
		if res.Errors > 0 {
			msg += fmt.Sprintf("; %d row(s) rejected: see `lakelink errors %s`", res.Errors, res.Job)
		}
		for _, b := range res.Indexes {
			by := "by the commit"
			if b.ByWorkers {
				by = "by the workers"
			}
			msg += fmt.Sprintf("; index %s: %d part(s) built %s", b.Index, b.Parts, by)
		}
		return Result{Message: msg, Fields: []Field{{"job", res.Job}, {"table", res.Table}, {"commit", res.Commit}, {"rows", res.Rows},
			{"rejected", res.Errors}, {"objects", res.Objects}, {"row_groups_skipped", res.RowGroupsPruned}, {"key_adopted", strings.Join(res.KeyAdopted, ", ")}}}, nil
	case pipeline.Export:
		at := s.Store.Head()
		if s.At != 0 {
			at = s.At
		}
		res, err := pipeline.RunExport(ctx, s.Store, x, s.Runner, at)
		if err != nil {
			return Result{}, err
		}
		if res.Deferred != nil {
			if err := s.startBackground(*res.Deferred); err != nil {
				return Result{}, fmt.Errorf("COPY TO %s: the files are published without AILK sections; starting their background step failed: %w", res.URL, err)
			}
		}
		return Result{Message: pipeline.ExportMessage(res), Fields: []Field{{"job", res.Job}, {"table", res.Table}, {"commit", res.Commit}, {"rows", res.Rows},
			{"url", res.URL}, {"version", res.Version}, {"files", int64(len(res.Files))}, {"bytes", res.Bytes}, {"indexed_files", int64(res.Indexed)}}}, nil
	case Transaction:
		return s.transaction(x)
	case Show:
		if x.Name == "tables" {
			return s.showTables()
		}
		return s.show(x)
	case DescribeTable:
		return s.describeTable(x.Name)
	case Explain:
		return s.explain(ctx, x)
	case Values:
		return values(x), nil
	case Set:
		if _, compat := compatSettings[x.Name]; compat && !knownSettings[x.Name] {
			if s.Settings == nil {
				s.Settings = map[string]string{}
			}
			s.Settings[x.Name] = x.Value
			return Result{Message: "SET " + x.Name, Fields: []Field{{"setting", x.Name}, {"value", x.Value}}}, nil
		}
		if !knownSettings[x.Name] {
			return Result{}, sql.Unknown("setting", x.Name, slices.Sorted(maps.Keys(knownSettings)))
		}
		after := maps.Clone(s.Settings)
		if after == nil {
			after = map[string]string{}
		}
		after[x.Name] = x.Value
		if err := pipeline.CheckSettings(after); err != nil {
			return Result{}, err
		}
		if s.Settings == nil {
			s.Settings = map[string]string{}
		}
		old, had := s.Settings[x.Name]
		s.Settings[x.Name] = x.Value
		if isSearchSetting(x.Name) {
			if _, err := s.intSetting(x.Name); err != nil {
				if had {
					s.Settings[x.Name] = old
				} else {
					delete(s.Settings, x.Name)
				}
				return Result{}, err
			}
		}
		return Result{Message: "SET " + x.Name, Fields: []Field{{"setting", x.Name}, {"value", x.Value}}}, nil
	case Select:
		return s.selectRows(ctx, x)
	case Delete:
		return s.deleteRows(x)
	case Insert:
		return s.insertRows(ctx, x)
	case Update:
		return s.updateRows(ctx, x)
	case CreateIndex:
		return s.createIndex(ctx, x)
	case DropIndex:
		return s.dropIndex(x)
	}
	return Result{}, fmt.Errorf("unsupported statement %T", st)
}

// inCommit runs fn in a commit of its own, which it finishes when fn
// succeeds and aborts when it fails, or when it changed nothing.
func (s *Session) inCommit(message string, fn func(c *store.Commit) (Result, error)) (Result, error) {
	c, err := s.Store.Begin(message)
	if err != nil {
		return Result{}, err
	}
	c.SetAuthor(s.author())
	if s.statement != "" {
		c.SetStatement(s.statement)
	}
	res, err := fn(c)
	if err != nil {
		c.Abort()
		return Result{}, err
	}
	if res.unchanged {
		return res, c.Abort()
	}
	ts, err := c.Finish()
	if err != nil {
		return Result{}, err
	}
	res.Fields = append(res.Fields, Field{"commit", ts})
	return res, nil
}

// alterTable changes a table's schema in one commit, without rewriting
// its rows.
func (s *Session) alterTable(a AlterTable) (Result, error) {
	if a.Action == "drop" && a.IfExists {
		if ti, err := s.Store.Table(a.Name, s.Store.Head()); err == nil && ti.Schema.Index(a.Target) < 0 {
			return Result{Message: "ALTER TABLE " + a.Name + ": no column " + a.Target + ", skipped"}, nil
		}
	}
	return s.inCommit("ALTER TABLE "+a.Name, func(c *store.Commit) (Result, error) { return s.alterIn(c, a) })
}

func (s *Session) alterIn(c *store.Commit, a AlterTable) (Result, error) {
	ti, err := c.Table(a.Name)
	if err != nil {
		return Result{}, err
	}
	schema := ti.Schema
	var msg string
	switch a.Action {
	case "add":
		if a.Column.NotNull && a.Column.Default == nil {
			if n, err := s.Store.Count(a.Name, s.Store.Head()); err != nil || n > 0 {
				return Result{}, fmt.Errorf("ALTER TABLE %s: a NOT NULL column added to a table with rows needs a DEFAULT", a.Name)
			}
		}
		schema, err = schema.AddColumn(a.Column)
		msg = "ADD COLUMN " + a.Column.Name
	case "drop":
		schema, err = schema.DropColumn(a.Target)
		msg = "DROP COLUMN " + a.Target
	case "rename":
		schema, err = schema.RenameColumn(a.Target, a.NewName)
		msg = "RENAME COLUMN " + a.Target + " TO " + a.NewName
	}
	if err != nil {
		return Result{}, fmt.Errorf("ALTER TABLE %s: %w", a.Name, err)
	}
	// The tiering column follows a rename, and cannot be dropped.
	var tieringMoved *store.Tiering
	if t := ti.Tiering; t != nil && t.Column != "" && strings.EqualFold(t.Column, a.Target) {
		switch a.Action {
		case "drop":
			return Result{}, fmt.Errorf("ALTER TABLE %s: column %s dates the rows for tiering: ALTER TABLE %s SET (tier_column = '...') or RESET (tier_after, tier_column) first", a.Name, t.Column, a.Name)
		case "rename":
			moved := *t
			moved.Column = a.NewName
			tieringMoved = &moved
		}
	}
	// Indexes follow their column: a rename renames it in them; an
	// indexed column cannot go while its index stays.
	indexes := append([]store.IndexDef(nil), ti.Indexes...)
	for i, d := range indexes {
		switch {
		case a.Action == "drop" && strings.EqualFold(d.Column, a.Target):
			return Result{}, fmt.Errorf("ALTER TABLE %s: column %s has index %s: DROP INDEX %s first", a.Name, d.Column, d.Name, d.Name)
		case a.Action == "rename" && strings.EqualFold(d.Column, a.Target):
			indexes[i].Column = a.NewName
		}
	}
	if _, err := c.AlterTable(a.Name, schema); err != nil {
		return Result{}, err
	}
	if tieringMoved != nil {
		if _, err := c.SetTiering(a.Name, tieringMoved); err != nil {
			return Result{}, err
		}
	}
	if a.Action == "rename" && len(indexes) > 0 {
		if _, err := c.SetIndexes(a.Name, indexes); err != nil {
			return Result{}, err
		}
	}
	return Result{Message: "ALTER TABLE " + a.Name + " " + msg}, nil
}

// StatusTable is the virtual table of import jobs' progress.
const StatusTable = "lakelink_import_status"

// StatusSchema is the schema of lakelink_import_status.
var StatusSchema = lake.Schema{Columns: []lake.Column{
	{Name: "job_id", Type: lake.Text}, {Name: "table_name", Type: lake.Text}, {Name: "status", Type: lake.Text},
	{Name: "phase", Type: lake.Text}, {Name: "percent", Type: lake.Double},
	{Name: "files_total", Type: lake.BigInt}, {Name: "files_done", Type: lake.BigInt},
	{Name: "rows_imported", Type: lake.BigInt}, {Name: "errors", Type: lake.BigInt},
	{Name: "started_at", Type: lake.Timestamp}, {Name: "finished_at", Type: lake.Timestamp},
	{Name: "updated_at", Type: lake.Timestamp}, {Name: "error", Type: lake.Text},
}}

// StatusRow renders a status as a row of StatusSchema. While the listing
// runs, files_total is NULL.
func StatusRow(st progress.Status) store.Row {
	var total, finished, failure, phase, percent any
	if st.Phase != "" && !st.Final() {
		phase = st.Phase
	}
	if p, ok := st.Percent(); ok && !st.Final() {
		percent = math.Round(p*10) / 10
	}
	if st.TotalsKnown {
		total = st.FilesTotal
	}
	if !st.Finished.IsZero() {
		finished = st.Finished
	}
	if st.Error != "" {
		failure = st.Error
	}
	return store.Row{st.Job, st.Table, st.State, phase, percent, total, st.FilesDone, st.Rows, st.Errors, st.Started, finished, st.LastModified, failure}
}

// rowFilter types a WHERE condition against a table's schema and returns
// whether a row matches it; nil for no condition.
func rowFilter(w *Where, schema lake.Schema) (func(store.Row) bool, error) {
	if w == nil {
		return nil, nil
	}
	e, err := pipeline.WhereFilter(w, schema)
	if err != nil {
		return nil, err
	}
	return func(r store.Row) bool {
		return e.Eval(func(col string) (filter.Value, bool) {
			return filter.ValueOf(r[schema.Index(col)])
		}) == filter.True
	}, nil
}

func (s *Session) selectRows(ctx context.Context, q Select) (Result, error) {
	if q.Sub != nil || q.Join != nil {
		return s.joinRows(ctx, q) // which pages its rows itself
	}
	if q.Offset > 0 && !q.Aggregated() {
		// The first Offset rows of the answer are dropped: found as part
		// of a longer one (count(*)'s one row too).
		off := q.Offset
		q.Offset = 0
		if q.Limit >= 0 {
			q.Limit += off
		}
		res, err := s.selectRows(ctx, q)
		res.Rows = res.Rows[min(off, len(res.Rows)):]
		return res, err
	}
	at := s.Store.Head()
	if s.At != 0 {
		at = s.At
	}
	// A table function, or a virtual table named without parentheses
	// when no table has its name.
	call := q.Func
	if call == nil {
		if _, ok := lookupTableFunction(q.Table); ok {
			if _, err := s.Store.Table(q.Table, s.Store.Head()); err != nil {
				call = &TableFunc{Name: q.Table}
			}
		}
	}
	virtual := call != nil
	var fn TableFunction
	if call != nil {
		fn, _ = lookupTableFunction(call.Name)
	}
	if q.At != nil {
		if virtual && fn.Present {
			return Result{}, fmt.Errorf("%s %s: %s", fn.Name, q.At, errNoAt)
		}
		var err error
		if at, err = s.resolve(*q.At); err != nil {
			return Result{}, err
		}
	}
	var ti store.TableInfo
	var err error
	var scan func(table string, at uint64, fn func(store.Row) error) error = s.Store.Scan
	var files *lakeFiles // FROM parquet_scan(...): files with indexes of their own
	if call != nil {
		var rel Relation
		if _, rel, err = s.openRelation(ctx, *call, at); err != nil {
			return Result{}, err
		}
		ti.Schema, files = rel.Schema, rel.files
		scan = func(_ string, _ uint64, fn func(store.Row) error) error { return rel.Scan(ctx, fn) }
	} else if ti, err = s.Store.Table(q.Table, at); err != nil {
		return Result{}, err
	}
	// A stored table's rows are in the store and in its cold files.
	var tbl *tiering.Table
	if !virtual {
		if tbl, err = tiering.Open(s.Store, q.Table, at); err != nil {
			return Result{}, err
		}
	}
	if q.Count && q.Where == nil && !virtual {
		n, err := tbl.Count()
		return Result{Columns: []string{"count"}, Types: []lake.Type{lake.BigInt}, Rows: [][]any{{n}}}, err
	}
	if q.Aggregated() {
		match, err := rowFilter(q.Where, ti.Schema)
		if err != nil {
			return Result{}, err
		}
		rows := func(fn func(store.Row) error) error { return scan(q.Table, at, fn) }
		if tbl != nil {
			var prune *filter.Expr
			if q.Where != nil {
				e, err := pipeline.WhereFilter(q.Where, ti.Schema)
				if err != nil {
					return Result{}, err
				}
				prune = &e
			}
			rows = func(fn func(store.Row) error) error { return tbl.Scan(ctx, prune, fn) }
		}
		return s.aggregate(ctx, q, ti.Schema, rows, match)
	}
	out, err := s.outputs(q, ti.Schema)
	if err != nil {
		return Result{}, err
	}
	if o := q.OrderBy; o != nil && o.Ordinal > 0 {
		if o.Ordinal > len(out) {
			return Result{}, fmt.Errorf("ORDER BY %d: the SELECT has %d column(s)", o.Ordinal, len(out))
		}
		ob := *o
		ob.Ordinal, ob.Name = 0, out[o.Ordinal-1].name
		if out[o.Ordinal-1].vector {
			for _, it := range q.Items {
				if it.Vector != nil && it.Name() == ob.Name {
					ob.Vector, ob.Name = it.Vector, ""
				}
			}
		}
		q.OrderBy = &ob
	}
	var key func(row, projected []any) any
	var byVector *scorer // ORDER BY compares vectors
	if q.OrderBy != nil {
		if key, byVector, err = s.orderKey(q, ti.Schema, out); err != nil {
			return Result{}, err
		}
	}
	if len(q.ThenBy) > 0 && byVector != nil && q.OrderBy.Desc {
		return Result{}, fmt.Errorf("ORDER BY a vector comparison DESC followed by more terms is not supported: order by the comparison alone, or ascending")
	}
	if len(q.ThenBy) > 0 {
		// ORDER BY a, b, ...: a tuple key, each term in its direction,
		// which topRows sorts ascending.
		keys := []func(row, projected []any) any{key}
		desc := []bool{q.OrderBy.Desc}
		for _, o := range q.ThenBy {
			term := q
			term.OrderBy, term.ThenBy = &o, nil
			if o.Ordinal > 0 {
				if o.Ordinal > len(out) {
					return Result{}, fmt.Errorf("ORDER BY %d: the SELECT has %d column(s)", o.Ordinal, len(out))
				}
				ob := o
				ob.Ordinal, ob.Name = 0, out[o.Ordinal-1].name
				term.OrderBy = &ob
			}
			k, _, err := s.orderKey(term, ti.Schema, out)
			if err != nil {
				return Result{}, err
			}
			keys, desc = append(keys, k), append(desc, o.Desc)
		}
		key = func(row, projected []any) any {
			t := tupleKey{vals: make([]any, len(keys)), desc: desc}
			for i, k := range keys {
				t.vals[i] = k(row, projected)
			}
			return t
		}
		first := *q.OrderBy
		first.Desc = false // the tuple holds each term's direction
		q.OrderBy = &first
	}
	where, err := rowFilter(q.Where, ti.Schema) // nil: no WHERE
	if err != nil {
		return Result{}, err
	}
	match := where
	if match == nil {
		match = func(store.Row) bool { return true }
	}
	// The cold files the WHERE clause's statistics rule out are never
	// opened.
	var prune *filter.Expr
	if tbl != nil && q.Where != nil {
		e, err := pipeline.WhereFilter(q.Where, ti.Schema)
		if err != nil {
			return Result{}, err
		}
		prune = &e
	}
	if tbl != nil {
		scan = func(_ string, _ uint64, fn func(store.Row) error) error { return tbl.Scan(ctx, prune, fn) }
	}
	res := Result{}
	for _, o := range out {
		res.Columns = append(res.Columns, o.name)
		var t lake.Type // a vector comparison's score: a float
		if o.score == nil {
			t = ti.Schema.Columns[o.col].Type
		}
		res.Types = append(res.Types, t)
	}
	project := func(r store.Row) []any {
		row := make([]any, len(out))
		for i, o := range out {
			if o.score != nil {
				row[i] = o.score.score(r)
			} else {
				row[i] = r[o.col]
			}
		}
		return row
	}
	if metric, nearest := "", false; byVector != nil && !q.Count && files != nil {
		metric, nearest = nearestFirst(byVector.expr, q.OrderBy.Desc)
		switch {
		case q.Limit <= 0:
			res.Plan = "lake scan: the files' indexes answer ORDER BY ... LIMIT k"
		case where != nil:
			res.Plan = "lake scan: the files' indexes do not filter (WHERE)"
		case !nearest:
			res.Plan = "lake scan: an index finds nearest first, and this orders farthest first"
		default:
			sp, err := s.searchSettings()
			if err != nil {
				return Result{}, err
			}
			found, stats, err := files.search(context.Background(), *byVector, metric, q.Limit, sp)
			if err != nil {
				return Result{}, err
			}
			res.Plan = stats.plan()
			res.Rows = rankFound(found, project, key, q.OrderBy.Desc, q.Limit)
			return res, nil
		}
	} else if byVector != nil && !q.Count {
		d, plan := indexFor(ti, byVector.expr, q.OrderBy.Desc)
		res.Plan = plan
		if plan == "" && q.Limit <= 0 {
			res.Plan = "scan: an index answers ORDER BY ... LIMIT k"
		}
		if plan == "" && q.Limit > 0 {
			sp, err := s.searchSettings()
			if err != nil {
				return Result{}, err
			}
			v := s.Store.View(at)
			found, plan, err := indexes.Search(s.Store, v, ti, d, byVector.query, q.Limit, sp, where)
			v.Close()
			if err != nil {
				return Result{}, err
			}
			res.Plan = plan
			if found != nil {
				cold, plan, err := coldFound(ctx, tbl, d, *byVector, found, q.Limit, sp, prune, where)
				if err != nil {
					return Result{}, err
				}
				if plan != "" {
					res.Plan += "; " + plan
				}
				res.Rows = rankFound(append(found, cold...), project, key, q.OrderBy.Desc, q.Limit)
				return res, nil
			}
		}
	}
	var count int64
	var ranked []rankedRow
	errLimit := errors.New("limit")
	var scanned int64
	err = scan(q.Table, at, func(r store.Row) error {
		if scanned++; scanned%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if !match(r) {
			return nil
		}
		count++
		if q.Count {
			return nil
		}
		if key == nil && q.Limit >= 0 && len(res.Rows) >= q.Limit {
			return errLimit
		}
		row := project(r)
		if key == nil {
			res.Rows = append(res.Rows, row)
			return nil
		}
		ranked = append(ranked, rankedRow{key: key(r, row), row: row})
		if q.Limit >= 0 && len(ranked) >= 2*q.Limit+1024 {
			ranked = topRows(ranked, q.OrderBy.Desc, q.Limit)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errLimit) {
		return res, err
	}
	if q.Count {
		return Result{Columns: []string{"count"}, Types: []lake.Type{lake.BigInt}, Rows: [][]any{{count}}}, nil
	}
	if key != nil {
		limit := q.Limit
		if limit < 0 {
			limit = len(ranked)
		}
		for _, r := range topRows(ranked, q.OrderBy.Desc, limit) {
			res.Rows = append(res.Rows, r.row)
		}
	}
	return res, nil
}

// searchSettings are the session's index search settings, one per index
// kind's search option (SET lakelink.hnsw_ef_search, lakelink.ivf_nprobe).
func (s *Session) searchSettings() (indexes.SearchParams, error) {
	p := indexes.SearchParams{}
	for _, o := range indexes.SearchSettings() {
		v, err := s.intSetting(o.Name)
		if err != nil {
			return nil, err
		}
		p[strings.TrimPrefix(o.Name, "lakelink.")] = v
	}
	return p, nil
}

// rankFound projects the rows a search found and keeps the best limit by
// the ORDER BY key.
func rankFound(found []store.Row, project func(store.Row) []any, key func(row, projected []any) any, desc bool, limit int) [][]any {
	ranked := make([]rankedRow, len(found))
	for i, r := range found {
		p := project(r)
		ranked[i] = rankedRow{key: key(r, p), row: p}
	}
	var out [][]any
	for _, r := range topRows(ranked, desc, limit) {
		out = append(out, r.row)
	}
	return out
}

// output is one result column: a stored column, or a vector comparison.
type output struct {
	name   string
	col    int // the row's column, when not a vector comparison
	vector bool
	score  *scorer // the comparison's scorer (outputsOf with scorers)
}

func (s *Session) outputs(q Select, schema lake.Schema) ([]output, error) {
	return s.outputsOf(q, schema, true)
}

// outputsOf is outputs; without scorers, a vector comparison's output has
// none (Describe, before its query vector is bound).
func (s *Session) outputsOf(q Select, schema lake.Schema, scorers bool) ([]output, error) {
	var out []output
	if q.Star || len(q.Items) == 0 {
		for i, c := range schema.Columns {
			out = append(out, output{name: c.Name, col: i})
		}
	}
	for _, it := range q.Items {
		if it.Vector != nil && !scorers {
			out = append(out, output{name: it.Name(), vector: true})
			continue
		}
		if it.Vector != nil {
			sc, err := newScorer(it.Vector, schema, q.Table, s.Params)
			if err != nil {
				return nil, sql.ErrorAt(q.Src, it.Pos, err)
			}
			out = append(out, output{name: it.Name(), vector: true, score: &sc})
			continue
		}
		i := schema.Index(it.Column)
		if i < 0 {
			return nil, sql.ErrorAt(q.Src, it.Pos, noColumn(q.Table, it.Column, schema))
		}
		name := schema.Columns[i].Name
		if it.Alias != "" {
			name = it.Alias
		}
		out = append(out, output{name: name, col: i})
	}
	return out, nil
}

// orderKey returns what ORDER BY sorts a row by: a vector comparison
// (returned too), a result column named by its name or alias, or a stored
// column.
func (s *Session) orderKey(q Select, schema lake.Schema, out []output) (func(row, projected []any) any, *scorer, error) {
	o := q.OrderBy
	if o.Vector != nil {
		sc, err := newScorer(o.Vector, schema, q.Table, s.Params)
		if err != nil {
			return nil, nil, err
		}
		return func(row, _ []any) any { return sc.score(row) }, &sc, nil
	}
	for i, c := range out {
		if strings.EqualFold(c.name, o.Name) {
			if c.score == nil {
				if err := orderable(schema.Columns[c.col]); err != nil {
					return nil, nil, err
				}
			}
			return func(_, projected []any) any { return projected[i] }, c.score, nil
		}
	}
	i := schema.Index(o.Name)
	if i < 0 {
		return nil, nil, fmt.Errorf("ORDER BY %s: table %s has no such column, and no item is named so", o.Name, q.Table)
	}
	if err := orderable(schema.Columns[i]); err != nil {
		return nil, nil, err
	}
	return func(row, _ []any) any { return row[i] }, nil, nil
}

// intSetting is a whole-number setting (lakelink.hnsw_ef_search,
// lakelink.ivf_nprobe), or 0 when it is not set.
func (s *Session) intSetting(name string) (int, error) {
	v, ok := s.Settings[name]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1<<16 {
		return 0, fmt.Errorf("%s takes a whole number from 1 to 65536, not %q", name, v)
	}
	return n, nil
}

func orderable(c lake.Column) error {
	if k := c.Type.Kind; k == lake.KindVector || k == lake.KindArray {
		return fmt.Errorf("ORDER BY %s: a %s column has no order; order by a comparison such as cosine_distance(%s, $1)", c.Name, c.Type, c.Name)
	}
	return nil
}

type rankedRow struct {
	key any
	row []any
}

// topRows sorts rows by key (NULLs last either way; equal keys in scan
// order, which is primary-key order) and keeps the first n.
func topRows(rows []rankedRow, desc bool, n int) []rankedRow {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].key, rows[j].key
		if a == nil || b == nil {
			return a != nil
		}
		c := compareValues(a, b)
		if desc {
			return c > 0
		}
		return c < 0
	})
	return rows[:min(n, len(rows))]
}

// compareValues orders two non-NULL stored values of one column.
func compareValues(a, b any) int {
	switch x := a.(type) {
	case tupleKey:
		return compareTuples(x, b.(tupleKey))
	case int64:
		return cmp.Compare(x, b.(int64))
	case float64:
		return cmp.Compare(x, b.(float64))
	case float32:
		return cmp.Compare(x, b.(float32))
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case time.Time:
		return x.Compare(b.(time.Time))
	case uuid.UUID:
		return strings.Compare(x.String(), b.(uuid.UUID).String())
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// noColumn is the error for a column a table does not have: the nearest
// name when one is close, else the table's columns.
func noColumn(table, name string, schema lake.Schema) error {
	cols := make([]string, len(schema.Columns))
	for i, c := range schema.Columns {
		cols[i] = c.Name
	}
	if near := sql.Nearest(name, cols); near != "" {
		return fmt.Errorf("table %s has no column %q (did you mean %s?)", table, name, near)
	}
	return fmt.Errorf("table %s has no column %q (its columns: %s)", table, name, strings.Join(cols, ", "))
}

// startBackground starts a deferred export's background step.
func (s *Session) startBackground(d pipeline.DeferredSections) error {
	if s.Background != nil {
		return s.Background(d)
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		if err := pipeline.RunDeferredSections(context.Background(), d); err != nil {
			s.bgMu.Lock()
			if s.bgErr == nil {
				s.bgErr = err
			}
			s.bgMu.Unlock()
		}
	}()
	return nil
}

// Wait waits for the background steps the session started on goroutines
// (the AILK sections of exports with deferred_index) and returns the
// first error of any. Their progress is in the store's status folder.
func (s *Session) Wait() error {
	s.background.Wait()
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	return s.bgErr
}

// tupleKey is the sort key of several ORDER BY terms, each ascending or
// descending; topRows sorts tuples ascending, the terms' own directions
// inside.
type tupleKey struct {
	vals []any
	desc []bool
}

// compareTuples orders two tuple keys term by term, NULLs last in each.
func compareTuples(a, b tupleKey) int {
	for i := range a.vals {
		x, y := a.vals[i], b.vals[i]
		switch {
		case x == nil && y == nil:
			continue
		case x == nil:
			return 1
		case y == nil:
			return -1
		}
		c := compareValues(x, y)
		if a.desc[i] {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// orderTerms are a SELECT's ORDER BY terms in order.
func orderTerms(q Select) []OrderBy {
	if q.OrderBy == nil {
		return nil
	}
	return append([]OrderBy{*q.OrderBy}, q.ThenBy...)
}

// sortByColumns sorts result rows by columns of theirs (cols[i] for
// terms[i]), stably.
func sortByColumns(rows [][]any, cols []int, terms []OrderBy) [][]any {
	ranked := make([]rankedRow, len(rows))
	desc := len(terms) == 1 && terms[0].Desc
	for i, r := range rows {
		if len(terms) == 1 {
			ranked[i] = rankedRow{key: r[cols[0]], row: r}
			continue
		}
		k := tupleKey{vals: make([]any, len(cols)), desc: make([]bool, len(cols))}
		for j, c := range cols {
			k.vals[j], k.desc[j] = r[c], terms[j].Desc
		}
		ranked[i] = rankedRow{key: k, row: r}
	}
	ranked = topRows(ranked, desc, len(ranked))
	out := make([][]any, len(ranked))
	for i := range ranked {
		out[i] = ranked[i].row
	}
	return out
}
