package history

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

// DiffSchema is the result of a diff: one row per row of a table that
// differs between two commits.
var DiffSchema = lake.Schema{Columns: []lake.Column{
	{Name: "table", Type: lake.Text}, {Name: "change", Type: lake.Text},
	{Name: "key", Type: lake.Text}, {Name: "columns", Type: lake.Text}}}

// Diff lists the rows added, removed and changed between two commits
// (each a tag, commit number or time, as Resolve reads them), of one table
// or of every table that exists at either, as rows of DiffSchema. A
// changed row names its changed columns.
func Diff(ctx context.Context, st *store.Store, from, to, table string) (lake.Schema, []store.Row, error) {
	return DiffWith(ctx, st, from, to, table, st.Diff)
}

// Differ compares a table between two commits, as store.Store.Diff does
// (tiering.Diff does it across both tiers).
type Differ func(table string, a, b uint64, fn func(store.Change) error) error

// DiffWith is Diff with the rows compared by differ.
func DiffWith(ctx context.Context, st *store.Store, from, to, table string, differ Differ) (lake.Schema, []store.Row, error) {
	a, err := Resolve(st, from)
	if err != nil {
		return DiffSchema, nil, err
	}
	b, err := Resolve(st, to)
	if err != nil {
		return DiffSchema, nil, err
	}
	tables := []string{table}
	if table == "" {
		seen := map[string]bool{}
		tables = nil
		for _, at := range []uint64{a, b} {
			ts, err := st.Tables(at)
			if err != nil {
				return DiffSchema, nil, err
			}
			for _, t := range ts {
				if !seen[strings.ToLower(t.Name)] {
					seen[strings.ToLower(t.Name)] = true
					tables = append(tables, t.Name)
				}
			}
		}
	}
	var rows []store.Row
	for _, name := range tables {
		ta, _ := st.Table(name, a)
		tb, _ := st.Table(name, b)
		err := differ(name, a, b, func(c store.Change) error {
			t, r := tb, c.New
			if r == nil {
				t, r = ta, c.Old
			}
			rows = append(rows, store.Row{name, c.Kind, rowKey(t.Schema, r, c.Key), strings.Join(c.Columns, ", ")})
			if len(rows)%4096 == 0 {
				return ctx.Err()
			}
			return nil
		})
		if err != nil {
			return DiffSchema, rows, fmt.Errorf("diff of %s: %w", name, err)
		}
	}
	return DiffSchema, rows, nil
}

// rowKey renders a row's primary key values (a, b for a composite key),
// or its hidden row id for a table without one.
func rowKey(schema lake.Schema, r store.Row, key []byte) string {
	if len(schema.PrimaryKey) == 0 || r == nil {
		return "#" + hex.EncodeToString(key)
	}
	var parts []string
	for _, k := range schema.PrimaryKey {
		parts = append(parts, lake.Render(r[schema.Index(k)]))
	}
	return strings.Join(parts, ", ")
}
