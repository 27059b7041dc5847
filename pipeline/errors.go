package pipeline

import "github.com/lakelink/lakelink/sql"

// unknownName is the error for a name that is none of known: it names the
// nearest known one when one is close, and otherwise lists them.
func unknownName(what, name string, known []string) error {
	return sql.Unknown(what, name, known)
}
