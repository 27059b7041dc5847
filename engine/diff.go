package engine

import (
	"context"

	"github.com/lakelink/lakelink/history"
)

// Diff lists the rows added, removed and changed between two commits
// (each a tag, commit number or time, as Resolve reads them), of one table
// or of every table that exists at either. A changed row names its
// changed columns. The same is SELECT * FROM diff('A', 'B'[, 'table']).
func (s *Session) Diff(ctx context.Context, from, to, table string) (Result, error) {
	schema, rows, err := history.Diff(ctx, s.Store, from, to, table)
	res := Result{}
	for _, c := range schema.Columns {
		res.Columns, res.Types = append(res.Columns, c.Name), append(res.Types, c.Type)
	}
	for _, r := range rows {
		res.Rows = append(res.Rows, r)
	}
	return res, err
}
