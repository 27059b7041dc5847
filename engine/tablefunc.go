package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lakelink/lakelink/history"
	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
)

// TableFunction is a relation that SELECT reads from besides tables: a
// function, FROM neighbors('g', 1), or a virtual table, FROM
// lakelink_tags. Each registers itself (RegisterTableFunction) from the
// file that implements it, and tablefunc_test.go runs every registered
// one: a function without a case there fails the test.
type TableFunction struct {
	Name string
	// MinArgs and MaxArgs bound the arguments; a virtual table takes none
	// and may be named without parentheses.
	MinArgs, MaxArgs int
	// Signature documents the arguments, for errors and help:
	// "neighbors(graph, id [, direction [, edge_table]])".
	Signature string
	// Present, when set, says the relation is read as it is now (jobs,
	// files, the tag list): AT (...) is refused.
	Present bool
	// ObjectsOnly, when set, says the function reads objects (files,
	// buckets) and nothing of the store, so that a script of such reads
	// runs without one (ReadsObjectsOnly).
	ObjectsOnly bool
	// Locations are the arguments that name files or buckets, which a
	// session's Access checks before the function opens them.
	Locations []int
	// Open returns the relation at commit at (the head, Session.At, or a
	// SELECT's AT), given the arguments, with $N already bound.
	Open func(ctx context.Context, s *Session, args []any, at uint64) (Relation, error)
}

// Relation is what a table function returns: a schema and its rows.
type Relation struct {
	Schema lake.Schema
	// Scan calls fn for each row, in order, and stops at fn's error.
	Scan func(ctx context.Context, fn func(store.Row) error) error
	// files, for parquet_scan: the files' own indexes answer ORDER BY
	// <vector> LIMIT k.
	files *lakeFiles
}

// rowsRelation is a Relation over rows in memory.
func rowsRelation(schema lake.Schema, rows []store.Row) Relation {
	return Relation{Schema: schema, Scan: func(_ context.Context, fn func(store.Row) error) error {
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}}
}

var (
	tableFuncsMu sync.RWMutex
	tableFuncs   = map[string]TableFunction{}
)

// RegisterTableFunction makes a table function known to every session. A
// name registered twice, or a function without Open, panics.
func RegisterTableFunction(f TableFunction) {
	tableFuncsMu.Lock()
	defer tableFuncsMu.Unlock()
	name := strings.ToLower(f.Name)
	if _, dup := tableFuncs[name]; dup || name == "" || f.Open == nil || f.MaxArgs < f.MinArgs {
		panic(fmt.Sprintf("engine: table function %q registered twice, without Open, or with MaxArgs < MinArgs", f.Name))
	}
	tableFuncs[name] = f
}

// TableFunctions lists the registered table functions' names, sorted.
func TableFunctions() []string {
	tableFuncsMu.RLock()
	defer tableFuncsMu.RUnlock()
	names := make([]string, 0, len(tableFuncs))
	for n := range tableFuncs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ReadsObjectsOnly reports whether a script reads nothing but objects:
// SELECTs from table functions that touch no store (parquet_scan), and
// SETs. Such a script needs no store; the command runs it on an empty,
// temporary one when the store does not exist.
func ReadsObjectsOnly(stmts []Statement) bool {
	selects := false
	for _, st := range stmts {
		switch x := st.(type) {
		case Set:
		case Select:
			if x.Func == nil {
				return false
			}
			if f, ok := lookupTableFunction(x.Func.Name); !ok || !f.ObjectsOnly {
				return false
			}
			selects = true
		default:
			return false
		}
	}
	return selects
}

// lookupTableFunction returns the registered function of that name.
func lookupTableFunction(name string) (TableFunction, bool) {
	tableFuncsMu.RLock()
	defer tableFuncsMu.RUnlock()
	f, ok := tableFuncs[strings.ToLower(name)]
	return f, ok
}

// openRelation binds a call's arguments and opens the function.
func (s *Session) openRelation(ctx context.Context, call TableFunc, at uint64) (TableFunction, Relation, error) {
	f, ok := lookupTableFunction(call.Name)
	if !ok {
		return f, Relation{}, sql.Unknown("table function", call.Name, TableFunctions())
	}
	if n := len(call.Args); n < f.MinArgs || n > f.MaxArgs {
		if f.MinArgs == f.MaxArgs {
			return f, Relation{}, fmt.Errorf("%s takes %d argument(s), not %d: %s", f.Name, f.MinArgs, n, f.Signature)
		}
		return f, Relation{}, fmt.Errorf("%s takes %d to %d arguments, not %d: %s", f.Name, f.MinArgs, f.MaxArgs, n, f.Signature)
	}
	args := make([]any, f.MaxArgs)
	for i, a := range call.Args {
		args[i] = a.Value
		if a.Param > 0 {
			v, ok := s.Params[a.Param]
			if !ok {
				return f, Relation{}, fmt.Errorf("%s: no value for $%d", f.Name, a.Param)
			}
			args[i] = v
		}
	}
	if err := s.Access.checkArgs(s, call); err != nil {
		return f, Relation{}, err
	}
	r, err := f.Open(ctx, s, args, at)
	return f, r, err
}

// argText is argument i as text ("" when not given).
func argText(args []any, i int) string {
	if i >= len(args) || args[i] == nil {
		return ""
	}
	return fmt.Sprint(args[i])
}

// argInt is argument i as a whole number (0 when not given).
func argInt(name string, args []any, i int) (int, error) {
	switch v := args[i].(type) {
	case nil:
		return 0, nil
	case int64:
		return int(v), nil
	case int:
		return v, nil
	}
	return 0, fmt.Errorf("%s: argument %d must be a whole number", name, i+1)
}

// The virtual tables of the store's history and of import jobs.
func init() {
	RegisterTableFunction(TableFunction{Name: TagsTable, Signature: TagsTable, Present: true,
		Open: func(_ context.Context, s *Session, _ []any, _ uint64) (Relation, error) {
			return Relation{Schema: history.TagsSchema, Scan: func(_ context.Context, fn func(store.Row) error) error {
				return history.Tags(s.Store, fn)
			}}, nil
		}})
	RegisterTableFunction(TableFunction{Name: StatusTable, Signature: StatusTable, Present: true,
		Open: func(_ context.Context, s *Session, _ []any, _ uint64) (Relation, error) {
			// Read from the status files, which running jobs update.
			return Relation{Schema: StatusSchema, Scan: func(_ context.Context, fn func(store.Row) error) error {
				all, err := progress.Read(storeio.StatusDir(s.Store))
				if err != nil {
					return err
				}
				for _, st := range all {
					if err := fn(StatusRow(st)); err != nil {
						return err
					}
				}
				return nil
			}}, nil
		}})
}
