package tiering

import (
	"context"
	"fmt"

	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/store"
)

// ColdKeys gives an import's commit the rows of a keyed table in both
// tiers, by primary key (the commit's sinks.ExistingRows): a key whose
// row is cold is found as if it were in the store, so append reports it
// as a duplicate, update overlays it and upsert replaces it, as on an
// all-hot table. The row written goes to the store; Finish then takes the
// replaced cold rows out of their files in the same commit.
//
// A lookup that misses the store loads, once, each cold file whose key
// statistics admit the key, and keeps its rows by key in memory: an
// import of keys that all fall in the cold files' ranges reads every
// such file once.
type ColdKeys struct {
	ctx     context.Context
	c       *store.Commit
	tbl     *Table
	pk      []int
	loaded  map[string]bool
	rows    map[string]coldRow // key -> its cold row
	written map[string]map[string]bool
}

type coldRow struct {
	file  string
	value []byte
}

// NewColdKeys serves commit c's lookups of tbl (opened at c's base).
func NewColdKeys(ctx context.Context, c *store.Commit, tbl *Table) *ColdKeys {
	return &ColdKeys{ctx: ctx, c: c, tbl: tbl, pk: tbl.Info.Schema.PKIndexes(), loaded: map[string]bool{},
		rows: map[string]coldRow{}, written: map[string]map[string]bool{}}
}

// Get returns the row with this key: from the store at the commit's
// base, else from the cold files; nil when there is none.
func (k *ColdKeys) Get(key []byte) ([]byte, error) {
	v, err := k.c.Get(k.tbl.Info, key)
	if v != nil || err != nil {
		return v, err
	}
	if r, ok := k.rows[string(key)]; ok {
		return r.value, nil
	}
	var cond *filter.Expr
	if len(k.pk) == 1 {
		col := k.tbl.Info.Schema.Columns[k.pk[0]]
		if val, err := store.DecodeKey(col.Type, key); err == nil {
			if fv, ok := filter.ValueOf(val); ok {
				e := filter.Compare(col.Name, "=", fv)
				cond = &e
			}
		}
	}
	for _, f := range k.tbl.Prune(cond) {
		if k.loaded[f.Path] {
			continue
		}
		k.loaded[f.Path] = true
		err := k.tbl.FileRows(k.ctx, f, nil, func(_ int64, r store.Row) error {
			rk, err := k.keyOf(r)
			if err != nil {
				return err
			}
			v, err := store.EncodeRow(k.tbl.Info.Schema, r)
			if err != nil {
				return err
			}
			k.rows[string(rk)] = coldRow{file: f.Path, value: v}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if r, ok := k.rows[string(key)]; ok {
			return r.value, nil
		}
	}
	return nil, nil
}

func (k *ColdKeys) keyOf(r store.Row) ([]byte, error) { return keyOf(k.tbl.Info.Schema, r) }

// Wrote notes that the commit wrote a row with this key: a cold row with
// it is replaced.
func (k *ColdKeys) Wrote(key []byte) {
	r, ok := k.rows[string(key)]
	if !ok {
		return
	}
	if k.written[r.file] == nil {
		k.written[r.file] = map[string]bool{}
	}
	k.written[r.file][string(key)] = true
}

// Finish takes the replaced rows out of their cold files, in the commit
// (TakeCold, in move folders of job).
func (k *ColdKeys) Finish(job string) (Taken, error) {
	if len(k.written) == 0 {
		return Taken{}, nil
	}
	var out Taken
	for _, f := range k.tbl.Files {
		set := k.written[f.Path]
		if set == nil {
			continue
		}
		var keyErr error
		tk, err := TakeCold(k.ctx, k.c, k.tbl, []store.ColdFile{f}, func(r store.Row) bool {
			rk, err := k.keyOf(r)
			if err != nil {
				keyErr = err
				return false
			}
			return set[string(rk)]
		}, job, func(store.Row) error { return nil })
		out.Rows, out.Unlisted, out.Added, out.Bytes = out.Rows+tk.Rows, out.Unlisted+tk.Unlisted, out.Added+tk.Added, out.Bytes+tk.Bytes
		out.Folders = append(out.Folders, tk.Folders...)
		if err == nil && keyErr != nil {
			err = fmt.Errorf("table %s: %w", k.tbl.Info.Name, keyErr)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}
