package store

import "fmt"

// Tiering is a table's tiering policy, set by ALTER TABLE t SET
// (hot_storage = 'local', cold_storage = URL, tier_after = INTERVAL '...',
// tier_column = c). It is part of the table's catalog entry, so it has a
// commit like any change of the catalog, and a read at an older commit
// sees the policy of then.
//
// Invariants: Column, when set, names a TIMESTAMP or DATE column of the
// table's schema (ALTER TABLE renames follow it and drops of it are
// refused); AfterSeconds > 0 exactly when TierAfter is set; TierAfter
// and Column are set only with ColdStorage.
type Tiering struct {
	HotStorage   string `json:"hot_storage"`            // "local": the store itself
	ColdStorage  string `json:"cold_storage,omitempty"` // a folder or bucket URL (query kept: it may name a region)
	TierAfter    string `json:"tier_after,omitempty"`   // as written: "90 days"
	AfterSeconds int64  `json:"tier_after_seconds,omitempty"`
	Column       string `json:"tier_column,omitempty"` // the rows' age: a TIMESTAMP or DATE column
}

// SetTiering replaces a table's tiering policy in this commit; nil
// removes it.
func (c *Commit) SetTiering(name string, t *Tiering) (TableInfo, error) {
	ti, err := c.Table(name)
	if err != nil {
		return ti, err
	}
	if t != nil && t.Column != "" {
		i := ti.Schema.Index(t.Column)
		if i < 0 {
			return ti, fmt.Errorf("table %q: tier_column %q is no column of it", name, t.Column)
		}
		t.Column = ti.Schema.Columns[i].Name
	}
	ti.Tiering = t
	return ti, c.putTable(ti)
}
