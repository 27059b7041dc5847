package engine

import (
	"context"

	"github.com/lakelink/lakelink/history"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// differ compares a table across both tiers (tiering.Diff).
func (s *Session) differ(ctx context.Context) history.Differ {
	return func(table string, a, b uint64, fn func(store.Change) error) error {
		return tiering.Diff(ctx, s.Store, table, a, b, fn)
	}
}

// Diff lists the rows added, removed and changed between two commits
// (each a tag, commit number or time, as Resolve reads them), of one table
// or of every table that exists at either, across both tiers (a row that
// only moved between tiers is no change). A changed row names its
// changed columns. The same is SELECT * FROM diff('A', 'B'[, 'table']).
func (s *Session) Diff(ctx context.Context, from, to, table string) (Result, error) {
	schema, rows, err := history.DiffWith(ctx, s.Store, from, to, table, s.differ(ctx))
	res := Result{}
	for _, c := range schema.Columns {
		res.Columns, res.Types = append(res.Columns, c.Name), append(res.Types, c.Type)
	}
	for _, r := range rows {
		res.Rows = append(res.Rows, r)
	}
	return res, err
}
