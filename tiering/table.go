package tiering

import (
	"context"
	"errors"
	"fmt"

	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/store"
)

// Table is a table at one commit, across the store and its cold files.
type Table struct {
	Store *store.Store
	Info  store.TableInfo
	At    uint64
	// Files are the cold files listed at At, in path order.
	Files []store.ColdFile
	// Cache keeps opened files on local disk; nil reads every file from
	// its bucket.
	Cache *Cache
	// Key opens sealed files: the store's cold key (Store.ColdKey), nil
	// for a store that is not encrypted.
	Key []byte
}

// Open returns table name at commit at, with its cold files. The cache
// is the store's (CacheFor).
func Open(st *store.Store, name string, at uint64) (*Table, error) {
	ti, err := st.Table(name, at)
	if err != nil {
		return nil, err
	}
	files, err := st.ColdFiles(name, at)
	if err != nil {
		return nil, err
	}
	return &Table{Store: st, Info: ti, At: at, Files: files, Cache: CacheFor(st), Key: st.ColdKey()}, nil
}

// ColdRows is the number of rows in the cold files.
func (t *Table) ColdRows() int64 {
	var n int64
	for _, f := range t.Files {
		n += f.Rows
	}
	return n
}

// Count is the number of rows in both tiers: the cold files' counts come
// from the catalog, without opening them.
func (t *Table) Count() (int64, error) {
	n, err := t.Store.Count(t.Info.Name, t.At)
	return n + t.ColdRows(), err
}

// Prune returns the cold files whose statistics admit a row matching
// where (all of them for nil).
func (t *Table) Prune(where *filter.Expr) []store.ColdFile {
	if where == nil {
		return t.Files
	}
	var out []store.ColdFile
	for _, f := range t.Files {
		if where.MayMatch(f.Range) {
			out = append(out, f)
		}
	}
	return out
}

// Scan calls fn with every row of the table: the store's in key order,
// then the cold files' in path order. where, when not nil, only prunes:
// files it rules out by their statistics are not opened, and rows are
// not filtered (the caller does that).
func (t *Table) Scan(ctx context.Context, where *filter.Expr, fn func(store.Row) error) error {
	if err := t.Store.Scan(t.Info.Name, t.At, fn); err != nil {
		return err
	}
	return t.ScanCold(ctx, t.Prune(where), fn)
}

// ScanCold calls fn with every row of the given cold files.
func (t *Table) ScanCold(ctx context.Context, files []store.ColdFile, fn func(store.Row) error) error {
	for _, f := range files {
		if err := t.FileRows(ctx, f, nil, func(_ int64, r store.Row) error { return fn(r) }); err != nil {
			return err
		}
	}
	return nil
}

// FileRows calls fn with the rows of one cold file as rows of the table's
// schema at t.At, with their ordinals in the file; only those in want
// when want is not nil.
func (t *Table) FileRows(ctx context.Context, f store.ColdFile, want map[int64]bool, fn func(ord int64, r store.Row) error) error {
	pf, err := t.Cache.Open(ctx, f, t.Key)
	if err != nil {
		return err
	}
	defer pf.Close()
	r, err := newReader(pf, f, t.Info.Schema)
	if err != nil {
		return fmt.Errorf("cold file %s: %w", pf.Object.Name, err)
	}
	if err := r.rows(pf, want, fn); err != nil {
		return fmt.Errorf("table %s, cold file %s: %w", t.Info.Name, pf.Object.Name, err)
	}
	return nil
}

// Get returns the row with this primary key from the store, else from
// the cold files whose key statistics admit it, else an error that is
// store.ErrNotFound.
func (t *Table) Get(ctx context.Context, key ...any) (store.Row, error) {
	row, err := t.Store.Get(t.Info.Name, t.At, key...)
	if errors.Is(err, store.ErrNotFound) && len(t.Files) > 0 {
		row, err = nil, nil // not hot: perhaps cold
	}
	if err != nil || row != nil || len(t.Files) == 0 {
		return row, err
	}
	pk := t.Info.Schema.PKIndexes()
	if len(pk) == 0 {
		return nil, fmt.Errorf("table %s has no primary key", t.Info.Name)
	}
	if len(key) != len(pk) {
		return nil, fmt.Errorf("table %s: %d key value(s) for a key of %d column(s)", t.Info.Name, len(key), len(pk))
	}
	want := make([]any, len(pk))
	var cond *filter.Expr
	for i, c := range pk {
		col := t.Info.Schema.Columns[c]
		v, err := store.Coerce(col.Type, key[i])
		if err != nil {
			return nil, fmt.Errorf("table %s, key column %s: %w", t.Info.Name, col.Name, err)
		}
		want[i] = v
		fv, ok := filter.ValueOf(v)
		if !ok {
			continue
		}
		e := filter.Compare(col.Name, "=", fv)
		if cond == nil {
			cond = &e
		} else {
			a := filter.And(*cond, e)
			cond = &a
		}
	}
	var found store.Row
	stop := fmt.Errorf("found")
	for _, f := range t.Prune(cond) {
		err := t.FileRows(ctx, f, nil, func(_ int64, r store.Row) error {
			for i, c := range pk {
				if !sameKey(r[c], want[i]) {
					return nil
				}
			}
			found = r
			return stop
		})
		if errors.Is(err, stop) { // FileRows wraps it
			return found, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("table %q: no row with key %v: %w", t.Info.Name, key, store.ErrNotFound)
}

// sameKey compares two key values of one column.
func sameKey(a, b any) bool {
	x, ok1 := filter.ValueOf(a)
	y, ok2 := filter.ValueOf(b)
	if ok1 && ok2 {
		return filter.CompareValues(x, y) == 0
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// Digest is the table's digest over both tiers: the store's Digest of
// the same rows, wherever each row is.
func (t *Table) Digest(ctx context.Context) (string, error) {
	d := store.NewDigester(t.Info.Schema)
	if err := t.Store.DigestInto(t.Info.Name, t.At, d); err != nil {
		return "", err
	}
	if err := t.ScanCold(ctx, t.Files, d.Add); err != nil {
		return "", err
	}
	return d.Sum(), nil
}

// Digest is the digest of table name at commit at across both tiers.
func Digest(ctx context.Context, st *store.Store, name string, at uint64) (string, error) {
	t, err := Open(st, name, at)
	if err != nil {
		return "", err
	}
	return t.Digest(ctx)
}

// Count is the row count of table name at commit at across both tiers.
func Count(st *store.Store, name string, at uint64) (int64, error) {
	t, err := Open(st, name, at)
	if err != nil {
		return 0, err
	}
	return t.Count()
}

// Describe says where a table's rows are, for `lakelink tables`.
func (t *Table) Describe() string {
	if len(t.Files) == 0 {
		return ""
	}
	var bytes int64
	for _, f := range t.Files {
		bytes += f.Bytes
	}
	return fmt.Sprintf("%d row(s) cold in %d file(s), %s", t.ColdRows(), len(t.Files), humanBytes(bytes))
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
