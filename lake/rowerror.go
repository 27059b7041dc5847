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

func (e RowError) Error() string {
	return fmt.Sprintf("%s: row group %d, row %d, column %q: %s (value %s)", e.Object, e.RowGroup, e.Row, e.Column, e.Reason, e.Value)
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
