package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// Tiering statements. ALTER TABLE t SET (hot_storage = 'local',
// cold_storage = URL, tier_after = INTERVAL '90 days', tier_column = c)
// stores the table's policy (store.Tiering) in one commit; RESET (names)
// removes settings. ALTER TABLE t TIER PARTITION WHERE ... TO COLD|HOT
// moves the matching rows between the store and the cold files
// (pipeline.RunTierMove); SELECTs read both tiers (tiering.Table).

// AlterTiering is ALTER TABLE t SET (...) or RESET (...) of tiering
// settings, their values typed.
type AlterTiering struct {
	Table string
	Set   store.Tiering   // the values given (zero fields: not given)
	Given map[string]bool // the settings SET names
	Reset []string        // the settings RESET names
}

// TierPartition is ALTER TABLE t TIER PARTITION WHERE ... TO COLD|HOT.
type TierPartition struct {
	Table string
	Where *sql.Where
	To    string // "cold" or "hot"
}

// tieringSettings are the settings ALTER TABLE SET takes.
var tieringSettings = []string{"hot_storage", "cold_storage", "tier_after", "tier_column"}

// bindTiering types SET's values and checks RESET's names, with their
// positions in src.
func bindTiering(src string, x sql.AlterTable) (Statement, error) {
	a := AlterTiering{Table: x.Name, Given: map[string]bool{}}
	for _, o := range x.Settings {
		if !slices.Contains(tieringSettings, o.Name) {
			return nil, sql.ErrorAt(src, o.Pos, sql.Unknown("table setting", o.Name, tieringSettings))
		}
		if x.Action == "reset" {
			a.Reset = append(a.Reset, o.Name)
			continue
		}
		if a.Given[o.Name] {
			return nil, sql.ErrorAt(src, o.Pos, fmt.Errorf("%s is given twice", o.Name))
		}
		a.Given[o.Name] = true
		text, isText := o.Value.(string)
		switch o.Name {
		case "hot_storage":
			if !isText || !strings.EqualFold(text, "local") {
				return nil, sql.ErrorAt(src, o.Pos, fmt.Errorf("hot_storage = %s: 'local' (the store itself) is the only hot tier", sql.Value(o.Value)))
			}
			a.Set.HotStorage = "local"
		case "cold_storage":
			if !isText || text == "" {
				return nil, sql.ErrorAt(src, o.Pos, fmt.Errorf("cold_storage = %s: give a folder or bucket URL ('s3://bucket/archive/')", sql.Value(o.Value)))
			}
			if err := checkColdStorage(text); err != nil {
				return nil, sql.ErrorAt(src, o.Pos, err)
			}
			a.Set.ColdStorage = text
		case "tier_after":
			if iv, ok := o.Value.(sql.Interval); ok {
				text, isText = iv.Text, true
			}
			secs, err := intervalSeconds(text)
			if !isText || err != nil {
				if err == nil {
					err = fmt.Errorf("give an interval")
				}
				return nil, sql.ErrorAt(src, o.Pos, fmt.Errorf("tier_after = %s: %w (INTERVAL '90 days')", sql.Value(o.Value), err))
			}
			a.Set.TierAfter, a.Set.AfterSeconds = strings.TrimSpace(text), secs
		case "tier_column":
			if !isText || text == "" {
				return nil, sql.ErrorAt(src, o.Pos, fmt.Errorf("tier_column = %s: name a TIMESTAMP or DATE column", sql.Value(o.Value)))
			}
			a.Set.Column = text
		}
	}
	return a, nil
}

// checkColdStorage refuses what cannot be a cold location: a glob, an
// unregistered scheme.
func checkColdStorage(u string) error {
	base, _, _ := strings.Cut(u, "?")
	if strings.ContainsAny(base, "*[") {
		return fmt.Errorf("cold_storage %s: a location, not a pattern", objstore.Redact(u))
	}
	if scheme, _, ok := strings.Cut(base, "://"); ok && scheme != "file" && !slices.Contains(objstore.Schemes(), scheme) {
		return fmt.Errorf("cold_storage %s: unknown scheme %q (%s)", objstore.Redact(u), scheme, strings.Join(objstore.Schemes(), ", "))
	}
	return nil
}

// intervalUnits are tier_after's units in seconds; a month is 30 days and
// a year 365.
var intervalUnits = map[string]int64{
	"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400,
	"month": 30 * 86400, "year": 365 * 86400,
}

// intervalSeconds reads "N unit [N unit ...]" (90 days, 1 year 6 months,
// 36 hours) as seconds, which must be more than 0.
func intervalSeconds(text string) (int64, error) {
	f := strings.Fields(strings.ToLower(text))
	if len(f) == 0 || len(f)%2 != 0 {
		return 0, fmt.Errorf("%q is not N UNIT [N UNIT ...]", text)
	}
	var total int64
	for i := 0; i < len(f); i += 2 {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q: %q is not a whole number of %s", text, f[i], f[i+1])
		}
		u, ok := intervalUnits[strings.TrimSuffix(f[i+1], "s")]
		if !ok {
			return 0, fmt.Errorf("%q: unknown unit %q (seconds, minutes, hours, days, weeks, months, years)", text, f[i+1])
		}
		if n > math.MaxInt64/u-total/u {
			return 0, fmt.Errorf("%q is too long", text)
		}
		total += n * u
	}
	if total <= 0 {
		return 0, fmt.Errorf("%q is no time at all", text)
	}
	return total, nil
}

// tierColumn is the column that dates a table's rows when tier_column is
// not given: a TIMESTAMP or DATE column named created_at, else the
// table's only TIMESTAMP or DATE column.
func tierColumn(s lake.Schema) (string, error) {
	var dated []string
	for _, c := range s.Columns {
		if c.Type.Kind == lake.KindTimestamp || c.Type.Kind == lake.KindDate {
			if strings.EqualFold(c.Name, "created_at") {
				return c.Name, nil
			}
			dated = append(dated, c.Name)
		}
	}
	switch len(dated) {
	case 1:
		return dated[0], nil
	case 0:
		return "", fmt.Errorf("it has no TIMESTAMP or DATE column to date its rows")
	}
	return "", fmt.Errorf("it has several TIMESTAMP or DATE columns (%s): name one, tier_column = '...'", strings.Join(dated, ", "))
}

func (s *Session) alterTiering(a AlterTiering) (Result, error) {
	return s.inCommit("ALTER TABLE "+a.Table+" SET tiering", func(c *store.Commit) (Result, error) {
		ti, err := c.Table(a.Table)
		if err != nil {
			return Result{}, err
		}
		if _, _, graph := store.SplitGraphTable(ti.Name); graph {
			return Result{}, fmt.Errorf("ALTER TABLE %s: a graph's tables do not tier (their adjacency stays in the store)", ti.Name)
		}
		t := store.Tiering{HotStorage: "local"}
		if ti.Tiering != nil {
			t = *ti.Tiering
		}
		for _, name := range a.Reset {
			switch name {
			case "hot_storage":
				t.HotStorage = "local"
			case "cold_storage":
				t.ColdStorage = ""
			case "tier_after":
				t.TierAfter, t.AfterSeconds = "", 0
			case "tier_column":
				t.Column = ""
			}
		}
		if a.Given["cold_storage"] {
			t.ColdStorage = a.Set.ColdStorage
		}
		if a.Given["tier_after"] {
			t.TierAfter, t.AfterSeconds = a.Set.TierAfter, a.Set.AfterSeconds
		}
		if a.Given["tier_column"] {
			t.Column = a.Set.Column
		}
		bad := func(f string, args ...any) (Result, error) {
			return Result{}, fmt.Errorf("ALTER TABLE %s: %s", ti.Name, fmt.Sprintf(f, args...))
		}
		if t.ColdStorage == "" && (t.TierAfter != "" || t.Column != "") {
			return bad("tier_after and tier_column need cold_storage, where the rows go")
		}
		if t.Column != "" {
			i := ti.Schema.Index(t.Column)
			if i < 0 {
				return bad("tier_column %q is no column of it", t.Column)
			}
			if k := ti.Schema.Columns[i].Type.Kind; k != lake.KindTimestamp && k != lake.KindDate {
				return bad("tier_column %s is %s: a TIMESTAMP or DATE column dates the rows", t.Column, ti.Schema.Columns[i].Type)
			}
		} else if t.TierAfter != "" {
			if t.Column, err = tierColumn(ti.Schema); err != nil {
				return bad("tier_after: which column dates the rows? %v", err)
			}
		}
		policy := &t
		if t.ColdStorage == "" {
			policy = nil // nothing to tier to: no policy
		}
		if _, err := c.SetTiering(ti.Name, policy); err != nil {
			return Result{}, err
		}
		return Result{Message: fmt.Sprintf("ALTER TABLE %s: tiering %s", ti.Name, TieringText(policy))}, nil
	})
}

// TieringText says a policy in words, its URL's query redacted.
func TieringText(t *store.Tiering) string {
	if t == nil {
		return "off (every row in the store)"
	}
	out := "hot in the store, cold in " + objstore.Redact(t.ColdStorage)
	if t.TierAfter != "" {
		out += fmt.Sprintf(", rows whose %s is older than %s go cold", t.Column, t.TierAfter)
	}
	return out
}

func (s *Session) tierPartition(ctx context.Context, x TierPartition) (Result, error) {
	ti, err := s.Store.Table(x.Table, s.Store.Head())
	if err != nil {
		return Result{}, err
	}
	if ti.Tiering == nil {
		return Result{}, fmt.Errorf("ALTER TABLE %s TIER PARTITION: the table has no cold_storage (ALTER TABLE %s SET (cold_storage = 's3://bucket/archive/') first)", ti.Name, ti.Name)
	}
	r, err := pipeline.RunTierMove(ctx, s.Store, pipeline.TierMove{Table: ti.Name, Where: x.Where, ToHot: x.To == "hot",
		Statement: s.statement, Author: s.author()}, s.Runner)
	if err != nil {
		return Result{}, fmt.Errorf("ALTER TABLE %s TIER PARTITION ... TO %s: %w", ti.Name, strings.ToUpper(x.To), err)
	}
	return Result{Message: pipeline.TierMessage(r), Fields: []Field{{"commit", r.Commit}, {"rows", r.Rows}, {"job", r.Job}}}, nil
}

// TierRun applies the tiering policies of one table, or of every table
// with tier_after for "", as of now (TIER RUN [table]; lakelink tier
// run): rows older than tier_after move to cold.
func (s *Session) TierRun(ctx context.Context, table string, now time.Time) (Result, error) {
	rs, err := pipeline.TierPolicy(ctx, s.Store, table, now, s.Runner, s.author(), s.statement)
	var lines []string
	var rows int64
	for _, r := range rs {
		lines = append(lines, pipeline.TierMessage(r))
		rows += r.Rows
	}
	if err != nil {
		return Result{}, err
	}
	if len(lines) == 0 {
		lines = append(lines, "no table has tier_after")
	}
	return Result{Message: strings.Join(lines, "\n"), Fields: []Field{{"rows", rows}}}, nil
}

// TablesTable is the virtual table of the store's tables, their row
// counts, indexes and tiering policies.
const TablesTable = "lakelink_tables"

// TablesSchema is lakelink_tables' schema.
var TablesSchema = lake.Schema{Columns: []lake.Column{
	{Name: "table_name", Type: lake.Text}, {Name: "rows", Type: lake.BigInt}, {Name: "schema", Type: lake.Text},
	{Name: "indexes", Type: lake.Text}, {Name: "hot_storage", Type: lake.Text}, {Name: "cold_storage", Type: lake.Text},
	{Name: "tier_after", Type: lake.Text}, {Name: "tier_column", Type: lake.Text},
	{Name: "cold_rows", Type: lake.BigInt}, {Name: "cold_files", Type: lake.BigInt}, {Name: "cold_bytes", Type: lake.BigInt},
}}

// TableRow is a table's lakelink_tables row at commit at: rows counts
// both tiers, cold_rows those in cold files.
func TableRow(st *store.Store, t store.TableInfo, at uint64) (store.Row, error) {
	tbl, err := tiering.Open(st, t.Name, at)
	if err != nil {
		return nil, err
	}
	n, err := tbl.Count()
	if err != nil {
		return nil, err
	}
	var bytes int64
	for _, f := range tbl.Files {
		bytes += f.Bytes
	}
	var idx []string
	for _, d := range t.Indexes {
		idx = append(idx, fmt.Sprintf("%s: %s (%s, %s)", d.Name, d.Type, d.Column, d.Metric))
	}
	row := store.Row{t.Name, n, t.Schema.String(), strings.Join(idx, "; "), "local", nil, nil, nil, tbl.ColdRows(), int64(len(tbl.Files)), bytes}
	if p := t.Tiering; p != nil {
		row[5] = objstore.Redact(p.ColdStorage)
		if p.TierAfter != "" {
			row[6], row[7] = p.TierAfter, p.Column
		}
	}
	return row, nil
}

func init() {
	RegisterTableFunction(TableFunction{Name: TablesTable, Signature: TablesTable,
		Open: func(_ context.Context, s *Session, _ []any, at uint64) (Relation, error) {
			if at == 0 {
				at = s.Store.Head()
			}
			return Relation{Schema: TablesSchema, Scan: func(_ context.Context, fn func(store.Row) error) error {
				all, err := s.Store.Tables(at)
				if err != nil {
					return err
				}
				for _, t := range all {
					row, err := TableRow(s.Store, t, at)
					if err != nil {
						return err
					}
					if err := fn(row); err != nil {
						return err
					}
				}
				return nil
			}}, nil
		}})
}
