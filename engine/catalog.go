package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lakelink/lakelink/history"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// The catalog statements: SHOW TABLES and DESCRIBE t, what `lakelink
// tables` prints, and the table functions behind `lakelink digest` and
// `lakelink log`. Being statements, they run the same in a Go program, in
// the lakelink command and through a server.

// DescribeTable is DESCRIBE t: a row per column.
type DescribeTable = sql.DescribeTable

// TablesColumns are SHOW TABLES' columns.
var TablesColumns = []string{"table", "rows", "schema", "indexes", "tiering"}

// showTables is SHOW TABLES: each table at the head (or Session.At) with
// its rows in both tiers, schema, indexes and tiering.
func (s *Session) showTables() (Result, error) {
	at := s.Store.Head()
	if s.At != 0 {
		at = s.At
	}
	res := Result{Columns: TablesColumns, Types: []lake.Type{lake.Text, lake.BigInt, lake.Text, lake.Text, lake.Text}}
	ts, err := s.Store.Tables(at)
	for _, t := range ts {
		row, err := TableRow(s.Store, t, at)
		if err != nil {
			return res, err
		}
		tier := TieringText(t.Tiering)
		if row[9].(int64) > 0 {
			tier += fmt.Sprintf("; %d row(s) cold in %d file(s), %s", row[8], row[9], pipeline.HumanBytes(row[10].(int64)))
		}
		res.Rows = append(res.Rows, []any{row[0], row[1], row[2], row[3], tier})
	}
	return res, err
}

// describeTable is DESCRIBE t: a row per column (name, type, primary
// key, NOT NULL, default, the indexes on it).
func (s *Session) describeTable(name string) (Result, error) {
	res := Result{Columns: []string{"column", "type", "primary_key", "not_null", "default", "indexes"},
		Types: []lake.Type{lake.Text, lake.Text, lake.Boolean, lake.Boolean, lake.Text, lake.Text}}
	at := s.Store.Head()
	if s.At != 0 {
		at = s.At
	}
	t, err := s.Store.Table(name, at)
	if err != nil {
		return res, err
	}
	for _, c := range t.Schema.Columns {
		var idx []string
		for _, d := range t.Indexes {
			if strings.EqualFold(d.Column, c.Name) {
				idx = append(idx, fmt.Sprintf("%s: %s (%s)", d.Name, d.Type, d.Metric))
			}
		}
		var def any
		if c.Default != nil {
			def = *c.Default
		}
		res.Rows = append(res.Rows, []any{c.Name, c.Type.String(), slices.Contains(t.Schema.PrimaryKey, c.Name), c.NotNull, def, strings.Join(idx, "; ")})
	}
	return res, nil
}

// DigestTable is the table function lakelink_digest(table [, at]): one
// row with the table's content digest (equal content, equal digest, in
// both tiers) at a commit: at (a tag, commit number or time), else the
// SELECT's AT, else the head.
const DigestTable = "lakelink_digest"

// DigestSchema is lakelink_digest's schema.
var DigestSchema = lake.Schema{Columns: []lake.Column{
	{Name: "table_name", Type: lake.Text}, {Name: "commit", Type: lake.BigInt}, {Name: "digest", Type: lake.Text},
}}

func init() {
	RegisterTableFunction(TableFunction{Name: DigestTable, MinArgs: 1, MaxArgs: 2,
		Signature: DigestTable + "(table [, at])",
		Open: func(ctx context.Context, s *Session, args []any, at uint64) (Relation, error) {
			table := argText(args, 0)
			if ref := argText(args, 1); ref != "" {
				var err error
				if at, err = s.Resolve(ref); err != nil {
					return Relation{}, fmt.Errorf("%s: %w", DigestTable, err)
				}
			}
			d, err := tiering.Digest(ctx, s.Store, table, at)
			if err != nil {
				return Relation{}, err
			}
			return rowsRelation(DigestSchema, []store.Row{{table, int64(at), d}}), nil
		}})
	// lakelink_commits(table): the commits that touch one table.
	RegisterTableFunction(TableFunction{Name: CommitsTable, MaxArgs: 1, Signature: CommitsTable + " [(table)]", Present: true,
		Open: func(_ context.Context, s *Session, args []any, _ uint64) (Relation, error) {
			return Relation{Schema: history.CommitsSchema, Scan: func(_ context.Context, fn func(store.Row) error) error {
				return history.Commits(s.Store, argText(args, 0), fn)
			}}, nil
		}})
}

// The information schema: SQL's standard catalog views, which BI tools
// and drivers query to list tables and columns. Tables are in schema
// "public" of catalog "lakelink". They are virtual tables, so WHERE,
// ORDER BY and GROUP BY work on them as on any table.
const (
	InfoTables  = "information_schema.tables"
	InfoColumns = "information_schema.columns"
)

var infoTablesSchema = lake.Schema{Columns: []lake.Column{
	{Name: "table_catalog", Type: lake.Text}, {Name: "table_schema", Type: lake.Text},
	{Name: "table_name", Type: lake.Text}, {Name: "table_type", Type: lake.Text},
}}

var infoColumnsSchema = lake.Schema{Columns: []lake.Column{
	{Name: "table_catalog", Type: lake.Text}, {Name: "table_schema", Type: lake.Text},
	{Name: "table_name", Type: lake.Text}, {Name: "column_name", Type: lake.Text},
	{Name: "ordinal_position", Type: lake.Int}, {Name: "column_default", Type: lake.Text},
	{Name: "is_nullable", Type: lake.Text}, {Name: "data_type", Type: lake.Text},
}}

// PGTypeName is a column type as PostgreSQL names it: what \d and
// information_schema.columns show (vector(n) as pgvector names it).
func PGTypeName(t lake.Type) string {
	switch t.Kind {
	case lake.KindBoolean:
		return "boolean"
	case lake.KindSmallInt:
		return "smallint"
	case lake.KindInt:
		return "integer"
	case lake.KindBigInt:
		return "bigint"
	case lake.KindReal:
		return "real"
	case lake.KindDouble:
		return "double precision"
	case lake.KindDate:
		return "date"
	case lake.KindTimestamp:
		return "timestamp with time zone"
	case lake.KindUUID:
		return "uuid"
	case lake.KindJSONB:
		return "jsonb"
	case lake.KindText:
		return "text"
	}
	if t.Dim > 0 {
		return fmt.Sprintf("vector(%d)", t.Dim)
	}
	return strings.ToLower(t.String())
}

func init() {
	RegisterTableFunction(TableFunction{Name: InfoTables, Signature: InfoTables,
		Open: func(_ context.Context, s *Session, _ []any, at uint64) (Relation, error) {
			ts, err := s.Store.Tables(at)
			var rows []store.Row
			for _, t := range ts {
				rows = append(rows, store.Row{"lakelink", "public", t.Name, "BASE TABLE"})
			}
			return rowsRelation(infoTablesSchema, rows), err
		}})
	RegisterTableFunction(TableFunction{Name: InfoColumns, Signature: InfoColumns,
		Open: func(_ context.Context, s *Session, _ []any, at uint64) (Relation, error) {
			ts, err := s.Store.Tables(at)
			var rows []store.Row
			for _, t := range ts {
				for i, c := range t.Schema.Columns {
					var def any
					if c.Default != nil {
						def = *c.Default
					}
					nullable := "YES"
					if c.NotNull || slices.Contains(t.Schema.PrimaryKey, c.Name) {
						nullable = "NO"
					}
					rows = append(rows, store.Row{"lakelink", "public", t.Name, c.Name, int64(i + 1), def, nullable, PGTypeName(c.Type)})
				}
			}
			return rowsRelation(infoColumnsSchema, rows), err
		}})
}
