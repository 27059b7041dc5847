package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// INSERT ... VALUES and UPDATE ... SET ... WHERE: small fixes, one
// commit each, on tables with and without a primary key, in both tiers.
// The rows they write are indexed in the same commit (indexes.Commit),
// as an import's are; the index entries of the rows an UPDATE replaces
// stay and are skipped by searches at later commits, as a DELETE's are.
// Bulk loads are COPY's: these statements hold their rows in memory.

type (
	// Insert is INSERT INTO t [(columns)] VALUES (...), ...
	Insert = sql.Insert
	// Update is UPDATE t SET column = value, ... [WHERE condition].
	Update = sql.Update
)

// writable is the table an INSERT or UPDATE (verb) changes in commit c.
// A graph's tables are refused: their rows carry adjacency that COPY
// ... INTO GRAPH maintains.
func writable(c *store.Commit, verb, name string) (store.TableInfo, error) {
	t, err := c.Table(name)
	if err != nil {
		return t, fmt.Errorf("%s %s: %w", verb, name, err)
	}
	if _, _, dotted := store.SplitGraphTable(t.Name); dotted {
		return t, fmt.Errorf("%s %s: a graph's table changes through COPY ... INTO GRAPH (docs/graphs.md)", verb, t.Name)
	}
	return t, nil
}

// rowKey is a row's primary key, encoded and as values; nil for a table
// without one (the commit gives the row a hidden id).
func rowKey(schema lake.Schema, row store.Row) ([]byte, []any, error) {
	pk := schema.PKIndexes()
	if len(pk) == 0 {
		return nil, nil, nil
	}
	vals := make([]any, len(pk))
	for i, p := range pk {
		vals[i] = row[p]
	}
	key, err := store.KeyOf(schema, vals...)
	return key, vals, err
}

// columnValue converts an INSERT or UPDATE value to column c's stored
// form: a literal, or a parameter's value (text from a driver, or Go
// values from a program).
func columnValue(c lake.Column, v any) (any, error) {
	if v == nil {
		if c.NotNull {
			return nil, fmt.Errorf("column %s is NOT NULL", c.Name)
		}
		return nil, nil
	}
	bad := func(err error) (any, error) {
		return nil, fmt.Errorf("column %s (%s): %v is not a value of it: %w", c.Name, c.Type, sql.Value(v), err)
	}
	t := c.Type
	switch {
	case t.Dim > 0:
		if s, ok := v.(string); ok { // pgvector's text form, or an array's
			s = strings.TrimSpace(s)
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				s = "[" + s[1:len(s)-1] + "]"
			}
			vec, err := sql.ParseVector(s)
			if err != nil {
				return bad(err)
			}
			v = vec
		}
		vec, ok := v.([]float32)
		if !ok {
			var err error
			if vec, err = sql.VectorOf(v); err != nil {
				return bad(err)
			}
		}
		if len(vec) != t.Dim {
			return bad(fmt.Errorf("%d values, not %d", len(vec), t.Dim))
		}
		return vec, nil
	case t.Elem != 0:
		return bad(fmt.Errorf("array values are not taken by INSERT and UPDATE yet (COPY takes them)"))
	case t.Kind == lake.KindUUID:
		if s, ok := v.(string); ok {
			u, err := uuid.Parse(s)
			if err != nil {
				return bad(err)
			}
			return u, nil
		}
	}
	if s, ok := v.(string); ok && t.Kind != lake.KindText && t.Kind != lake.KindJSONB {
		x, err := lake.ParseDefault(t, s)
		if err != nil {
			return bad(fmt.Errorf("not a %s", t))
		}
		return x, nil
	}
	x, err := store.Coerce(t, v)
	if err != nil {
		return bad(err)
	}
	if n, ok := x.(int64); ok && (t.Kind == lake.KindSmallInt && (n < -1<<15 || n >= 1<<15) || t.Kind == lake.KindInt && (n < -1<<31 || n >= 1<<31)) {
		return bad(fmt.Errorf("out of range"))
	}
	return x, nil
}

// insertRows runs INSERT INTO t VALUES ... in one commit.
func (s *Session) insertRows(ctx context.Context, x Insert) (Result, error) {
	return s.inCommit("INSERT INTO "+x.Table, func(c *store.Commit) (Result, error) {
		t, err := writable(c, "INSERT INTO", x.Table)
		if err != nil {
			return Result{}, err
		}
		cols := make([]int, 0, len(t.Schema.Columns)) // schema index of each value
		if x.Columns == nil {
			for i := range t.Schema.Columns {
				cols = append(cols, i)
			}
		} else {
			seen := map[int]bool{}
			for _, name := range x.Columns {
				i := t.Schema.Index(name)
				if i < 0 {
					return Result{}, fmt.Errorf("INSERT INTO %s: %w", t.Name, noColumn(t.Name, name, t.Schema))
				}
				if seen[i] {
					return Result{}, fmt.Errorf("INSERT INTO %s: column %s twice", t.Name, name)
				}
				seen[i] = true
				cols = append(cols, i)
			}
		}
		tbl, err := tiering.Open(s.Store, t.Name, c.Base())
		if err != nil {
			return Result{}, err
		}
		keys := map[string]bool{}
		for r, vals := range x.Rows {
			if len(vals) != len(cols) {
				return Result{}, fmt.Errorf("INSERT INTO %s: row %d has %d value(s) for %d column(s)", t.Name, r+1, len(vals), len(cols))
			}
			row := make(store.Row, len(t.Schema.Columns))
			given := make([]bool, len(row))
			for j, lit := range vals {
				c := t.Schema.Columns[cols[j]]
				v, err := columnValue(c, lit.Value)
				if err != nil {
					return Result{}, fmt.Errorf("INSERT INTO %s, row %d: %w", t.Name, r+1, err)
				}
				row[cols[j]], given[cols[j]] = v, true
			}
			for i, col := range t.Schema.Columns {
				if given[i] {
					continue
				}
				if col.Default != nil {
					if row[i], err = lake.ParseDefault(col.Type, *col.Default); err != nil {
						return Result{}, err
					}
				} else if col.NotNull {
					return Result{}, fmt.Errorf("INSERT INTO %s, row %d: column %s is NOT NULL and has no DEFAULT", t.Name, r+1, col.Name)
				}
			}
			key, kv, err := rowKey(t.Schema, row)
			if err != nil {
				return Result{}, fmt.Errorf("INSERT INTO %s, row %d: %w", t.Name, r+1, err)
			}
			if key != nil {
				dup := keys[string(key)]
				if !dup {
					old, err := tbl.Get(ctx, kv...)
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						return Result{}, err
					}
					dup = err == nil && old != nil
				}
				if dup {
					return Result{}, fmt.Errorf("INSERT INTO %s, row %d: %w: %v is already in the table (UPDATE changes a row)", t.Name, r+1, store.ErrDuplicateKey, kv)
				}
				keys[string(key)] = true
			}
			value, err := store.EncodeRow(t.Schema, row)
			if err != nil {
				return Result{}, fmt.Errorf("INSERT INTO %s, row %d: %w", t.Name, r+1, err)
			}
			if err := c.Put(t, key, value); err != nil {
				return Result{}, err
			}
		}
		n := int64(len(x.Rows))
		if err := s.indexWrites(ctx, c, t); err != nil {
			return Result{}, err
		}
		c.Count(t.Name, n, 0, 0)
		return Result{Message: fmt.Sprintf("INSERT %d row(s) into %s", n, t.Name), Fields: []Field{{"table", t.Name}, {"rows", n}}}, nil
	})
}

// indexWrites indexes the rows commit c wrote into t, for each of t's
// indexes.
func (s *Session) indexWrites(ctx context.Context, c *store.Commit, t store.TableInfo) error {
	if len(t.Indexes) == 0 {
		return nil
	}
	if err := c.Flush(); err != nil {
		return err
	}
	_, err := indexes.Commit(ctx, nil, c, t, nil, nil)
	return err
}

// updateRows runs UPDATE t SET ... WHERE ... in one commit. A primary
// key column cannot be set (DELETE and INSERT change a key). Rows in
// cold files are taken out of them (copy-on-write) and written to the
// store with their new values.
func (s *Session) updateRows(ctx context.Context, x Update) (Result, error) {
	return s.inCommit("UPDATE "+x.Table, func(c *store.Commit) (Result, error) {
		t, err := writable(c, "UPDATE", x.Table)
		if err != nil {
			return Result{}, err
		}
		type set struct {
			col int
			val any
		}
		var sets []set
		for _, a := range x.Set {
			i := t.Schema.Index(a.Column)
			if i < 0 {
				return Result{}, fmt.Errorf("UPDATE %s: %w", t.Name, noColumn(t.Name, a.Column, t.Schema))
			}
			for _, p := range t.Schema.PKIndexes() {
				if p == i {
					return Result{}, fmt.Errorf("UPDATE %s: %s is the primary key, which UPDATE does not change (DELETE the row and INSERT it anew)", t.Name, a.Column)
				}
			}
			v, err := columnValue(t.Schema.Columns[i], a.Value.Value)
			if err != nil {
				return Result{}, fmt.Errorf("UPDATE %s: %w", t.Name, err)
			}
			sets = append(sets, set{i, v})
		}
		match, err := rowFilter(x.Where, t.Schema)
		if err != nil {
			return Result{}, fmt.Errorf("UPDATE %s: %w", t.Name, err)
		}
		change := func(row store.Row) ([]byte, error) {
			for _, st := range sets {
				row[st.col] = st.val
			}
			return store.EncodeRow(t.Schema, row)
		}
		// The matching rows are found first and written after: a write
		// must not meet the scan that finds them.
		type write struct {
			key, value []byte
		}
		var writes []write
		v, err := c.View()
		if err != nil {
			return Result{}, err
		}
		err = v.Rows(t, false, func(pk, value []byte, _ uint64) error {
			row, err := store.DecodeRow(t.Schema, value)
			if err != nil {
				return fmt.Errorf("table %s: %w", t.Name, err)
			}
			if match != nil && !match(row) {
				return nil
			}
			nv, err := change(row)
			if err != nil {
				return err
			}
			writes = append(writes, write{append([]byte(nil), pk...), nv})
			return nil
		})
		v.Close()
		if err != nil {
			return Result{}, err
		}
		keyless := len(t.Schema.PrimaryKey) == 0
		for _, w := range writes {
			if keyless {
				// A keyless row is found by its hidden id, which the
				// rewritten row gets anew.
				if err := c.DeleteRow(t, w.key); err != nil {
					return Result{}, err
				}
				w.key = nil
			}
			if err := c.Put(t, w.key, w.value); err != nil {
				return Result{}, err
			}
		}
		n := int64(len(writes))
		// Rows in cold files: taken out, and put in the store changed.
		put := func(row store.Row) error {
			nv, err := change(row)
			if err != nil {
				return err
			}
			key, _, err := rowKey(t.Schema, row)
			if err != nil {
				return err
			}
			return c.Put(t, key, nv)
		}
		taken, err := s.takeCold(c, t, x.Where, match, put)
		if err != nil {
			return Result{}, fmt.Errorf("UPDATE %s: %w", t.Name, err)
		}
		n += taken
		if n == 0 {
			return Result{Message: fmt.Sprintf("UPDATE 0 rows of %s", t.Name), Fields: []Field{{"table", t.Name}, {"rows", n}}, unchanged: true}, nil
		}
		if err := s.indexWrites(ctx, c, t); err != nil {
			return Result{}, err
		}
		c.Count(t.Name, 0, n, 0)
		return Result{Message: fmt.Sprintf("UPDATE %d row(s) of %s", n, t.Name), Fields: []Field{{"table", t.Name}, {"rows", n}}}, nil
	})
}
