package lake

import (
	"fmt"
	"unicode/utf8"
)

// RowError is one row that a job could not load: the dead-letter record. It
// names the object, row group, row (ordinal within the object) and column, a
// truncated rendering of the value, and the reason.
type RowError struct {
	Object      string `json:"object"`
	ObjectIndex int    `json:"-"`
	RowGroup    int    `json:"row_group"`
	Row         int64  `json:"row"`
	Column      string `json:"column"`
	Value       string `json:"value"`
	Reason      string `json:"reason"`
}

// Error names where the row is: a row group and row of a Parquet object,
// or the line of a text object (RowGroup < 0: Row is the line number).
func (e RowError) Error() string {
	if e.RowGroup < 0 {
		if e.Column == "" {
			return fmt.Sprintf("%s: line %d: %s", e.Object, e.Row, e.Reason)
		}
		return fmt.Sprintf("%s: line %d, column %q: %s (value %s)", e.Object, e.Row, e.Column, e.Reason, e.Value)
	}
	return fmt.Sprintf("%s: row group %d, row %d, column %q: %s (value %s)", e.Object, e.RowGroup, e.Row, e.Column, e.Reason, e.Value)
}

// ErrorBatch is the dead-letter output of one input batch, or of one
// reader's rejected records: the rows rejected, in input order.
type ErrorBatch struct {
	Origin Origin     `json:"origin"`
	Errors []RowError `json:"errors"`
}

// MaxErrorValue is how many bytes of an offending value a RowError keeps.
const MaxErrorValue = 256

// Truncate shortens s to at most MaxErrorValue bytes on a rune boundary.
func Truncate(s string) string {
	if len(s) <= MaxErrorValue {
		return s
	}
	cut := MaxErrorValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
