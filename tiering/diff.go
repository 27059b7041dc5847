package tiering

import (
	"bytes"
	"context"
	"fmt"
	"sort"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

// Diff is store.Diff across both tiers: a row that moved between the
// store and the cold files, or between cold files, is no change; a row
// that moved and changed is changed. Rows of cold files that both
// commits list are the same at both and are not read. A table without
// a primary key compares rows by content: a moved row gets another
// hidden id, so only rows whose content is at one commit and not at the
// other are added or removed (a cold row's key is its file and ordinal).
func Diff(ctx context.Context, st *store.Store, table string, a, b uint64, fn func(store.Change) error) error {
	ta, errA := Open(st, table, a)
	tb, errB := Open(st, table, b)
	if errA != nil && errB != nil {
		return errB
	}
	onlyA, onlyB := onlyIn(ta, tb), onlyIn(tb, ta)
	if len(onlyA) == 0 && len(onlyB) == 0 {
		return st.Diff(table, a, b, fn)
	}
	ref := tb
	if ref == nil {
		ref = ta
	}
	keyed := len(ref.Info.Schema.PrimaryKey) > 0
	load := func(t *Table, files []store.ColdFile) (map[string]store.Row, []string, error) {
		rows := map[string]store.Row{}
		var order []string
		for _, f := range files {
			err := t.FileRows(ctx, f, nil, func(ord int64, r store.Row) error {
				var k string
				if keyed {
					key, err := keyOf(t.Info.Schema, r)
					if err != nil {
						return err
					}
					k = string(key)
				} else {
					k = fmt.Sprintf("%s#%d", f.Path, ord)
				}
				rows[k] = r
				order = append(order, k)
				return nil
			})
			if err != nil {
				return nil, nil, err
			}
		}
		return rows, order, nil
	}
	coldA, orderA, err := load(ta, onlyA)
	if err != nil {
		return err
	}
	coldB, orderB, err := load(tb, onlyB)
	if err != nil {
		return err
	}
	infoA, infoB := store.TableInfo{}, store.TableInfo{}
	if ta != nil {
		infoA = ta.Info
	}
	if tb != nil {
		infoB = tb.Info
	}
	var out []store.Change
	emit := func(key []byte, old, new store.Row) {
		ch := store.Change{Key: key, Old: old, New: new}
		switch {
		case old == nil && new == nil:
			return
		case old == nil:
			ch.Kind = "added"
		case new == nil:
			ch.Kind = "removed"
		default:
			if ch.Columns = store.ChangedColumns(infoA, infoB, old, new); len(ch.Columns) == 0 {
				return
			}
			ch.Kind = "changed"
		}
		out = append(out, ch)
	}
	if keyed {
		err = st.Diff(table, a, b, func(c store.Change) error {
			old, new := c.Old, c.New
			if old == nil {
				if r, ok := coldA[string(c.Key)]; ok {
					old = r
					delete(coldA, string(c.Key))
				}
			}
			if new == nil {
				if r, ok := coldB[string(c.Key)]; ok {
					new = r
					delete(coldB, string(c.Key))
				}
			}
			emit(c.Key, old, new)
			return nil
		})
		if err != nil {
			return err
		}
		// Cold at a and not in the store at either: cold at b or gone.
		for _, k := range orderA {
			if old, ok := coldA[k]; ok {
				new := coldB[k]
				delete(coldB, k)
				emit([]byte(k), old, new)
			}
		}
		for _, k := range orderB {
			if new, ok := coldB[k]; ok {
				emit([]byte(k), nil, new)
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return bytes.Compare(out[i].Key, out[j].Key) < 0 })
	} else {
		// By content: what was removed and added comes out in pairs of
		// equal rows when it only moved.
		var removed, added []store.Change
		err = st.Diff(table, a, b, func(c store.Change) error {
			if c.Old != nil {
				removed = append(removed, store.Change{Kind: "removed", Key: c.Key, Old: c.Old})
			}
			if c.New != nil {
				added = append(added, store.Change{Kind: "added", Key: c.Key, New: c.New})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range orderA {
			removed = append(removed, store.Change{Kind: "removed", Key: []byte(k), Old: coldA[k]})
		}
		for _, k := range orderB {
			added = append(added, store.Change{Kind: "added", Key: []byte(k), New: coldB[k]})
		}
		counts := map[string]int{}
		for _, c := range added {
			e, err := store.EncodeRow(infoB.Schema.Plain(), c.New)
			if err != nil {
				return err
			}
			counts[string(e)]++
		}
		var kept []store.Change
		for _, c := range removed {
			e, err := store.EncodeRow(infoB.Schema.Plain(), c.Old)
			if err != nil || counts[string(e)] == 0 {
				kept = append(kept, c)
				continue
			}
			counts[string(e)]--
		}
		for _, c := range added {
			e, _ := store.EncodeRow(infoB.Schema.Plain(), c.New)
			if counts[string(e)] > 0 {
				counts[string(e)]--
				kept = append(kept, c)
			}
		}
		out = kept
	}
	for _, c := range out {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// onlyIn are the cold files t lists and other does not.
func onlyIn(t, other *Table) []store.ColdFile {
	if t == nil {
		return nil
	}
	has := map[string]bool{}
	if other != nil {
		for _, f := range other.Files {
			has[f.Path] = true
		}
	}
	var out []store.ColdFile
	for _, f := range t.Files {
		if !has[f.Path] {
			out = append(out, f)
		}
	}
	return out
}

func keyOf(s lake.Schema, r store.Row) ([]byte, error) {
	pk := s.PKIndexes()
	vals := make([]any, len(pk))
	for i, p := range pk {
		vals[i] = r[p]
	}
	return store.KeyOf(s, vals...)
}
