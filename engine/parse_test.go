package engine

import (
	"reflect"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/transforms"
)

func TestParse(t *testing.T) {
	v3 := lake.Vector(3)
	opts := pipeline.DefaultImportOptions()
	opts.Mode, opts.BatchSize, opts.PrimaryKey, opts.MaxErrors = sinks.Upsert, 10, []string{"a", "b"}, 5
	for _, tc := range []struct {
		src  string
		want Statement
	}{
		{"create table if not exists t (id bigint primary key, v vector(3) not null, tags text[])", CreateTable{Name: "t", IfNotExists: true, Schema: lake.Schema{
			Columns:    []lake.Column{{Name: "id", Type: lake.BigInt, NotNull: true}, {Name: "v", Type: v3, NotNull: true}, {Name: "tags", Type: lake.ArrayOf(lake.Text)}},
			PrimaryKey: []string{"id"}}}},
		{"DROP TABLE IF EXISTS t", DropTable{Name: "t", IfExists: true}},
		{"SELECT a, b FROM t LIMIT 3", Select{Table: "t", Items: []Item{{Column: "a"}, {Column: "b"}}, Limit: 3}},
		{"SET lakelink.import_memory_limit = '512MB'", Set{Name: "lakelink.import_memory_limit", Value: "512MB"}},
		{"COPY FROM 'a.parquet', 's3://b/k/*.parquet' INTO t (x, v) MAP COLUMNS (y => x, e => v::VECTOR(3)) WITH (mode = 'upsert', batch_size = 10, primary_key = ['a', 'b'], max_errors = 5)",
			Copy{Import: pipeline.Import{Sources: []string{"a.parquet", "s3://b/k/*.parquet"}, Table: "t", Columns: []string{"x", "v"},
				Maps:    []transforms.ColumnMap{{Source: "y", Target: "x"}, {Source: "e", Target: "v", Cast: &v3}},
				Options: opts}}},
	} {
		got, err := Parse(tc.src)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if c, ok := got[0].(Copy); ok {
			c.Import.Statement = ""
			got[0] = c
		}
		if q, ok := got[0].(Select); ok { // where the parts were written
			q.Src = ""
			for i := range q.Items {
				q.Items[i].Pos, q.Items[i].AliasPos = 0, 0
			}
			got[0] = q
		}
		if !reflect.DeepEqual(got[0], tc.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.src, got[0], tc.want)
		}
	}
	for src, want := range map[string]string{
		"COPY FROM 'x' INTO":                         "expected a table name",
		"COPY FROM 'x' INTO t WITH (batch_size = 0)": "batch_size",
		"CREATE TABLE t (v VECTOR(0))":               "VECTOR needs a dimension",
		"SELECT * FROM t WHERE a > ":                 "expected a value",
		"COPY FROM 'x\nINTO t":                       "unterminated string",
		"SELECT 1; DROP":                             "line 1",
	} {
		if _, err := Parse(src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
}

// SELECT's WHERE is checked for syntax when parsed and typed against the
// table when it runs.
func TestWhereClauses(t *testing.T) {
	schema := lake.Schema{Columns: []lake.Column{
		{Name: "name", Type: lake.Text}, {Name: "n", Type: lake.BigInt}, {Name: "at", Type: lake.Timestamp},
		{Name: "id", Type: lake.UUID}, {Name: "v", Type: lake.Vector(3)},
	}}
	for src, want := range map[string]string{
		"name = 'it''s'": "name = 'it's'",
		"n > 3 AND NOT (n BETWEEN 5 AND 9) OR n IS NULL": "((n > 3 AND NOT n BETWEEN 5 AND 9) OR n IS NULL)",
		"name NOT LIKE 'a%' AND n IN (1, 2)":             "(name NOT LIKE 'a%' AND n IN (1, 2))",
		"at >= '2024-03-01' AND name IS NOT NULL":        "(at >= 2024-03-01T00:00:00Z AND name IS NOT NULL)",
		"id = '0000000A-0000-0000-0000-00000000002A'":    "id = '0000000a-0000-0000-0000-00000000002a'",
	} {
		stmts, err := Parse("SELECT * FROM t WHERE " + src + " LIMIT 5")
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		sel := stmts[0].(Select)
		e, err := pipeline.WhereFilter(sel.Where, schema)
		if err != nil || e.String() != want || sel.Limit != 5 {
			t.Errorf("%s: %s (%v), limit %d; want %s", src, e, err, sel.Limit, want)
		}
	}
	for src, want := range map[string]string{
		"v = 1":       "v is VECTOR(3): a filter can only ask whether it IS NULL",
		"n = 'x'":     "not a BIGINT value",
		"n LIKE 'x%'": "LIKE needs a text column",
		"missing = 1": `"missing" is not a column`,
		"id = 'nope'": "not a UUID value",
	} {
		stmts, err := Parse("SELECT * FROM t WHERE " + src)
		if err == nil {
			_, err = pipeline.WhereFilter(stmts[0].(Select).Where, schema)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", src, err, want)
		}
	}
	if _, err := Parse("SELECT * FROM t WHERE n >"); err == nil {
		t.Error("an unfinished WHERE parsed")
	}
}
