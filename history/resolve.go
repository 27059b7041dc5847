package history

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
)

// ResolveAt returns the commit that an AT clause names in st: a tag, a
// commit number, or a time (the newest commit at or before it).
func ResolveAt(st *store.Store, a sql.AtRef) (uint64, error) {
	switch a.Kind {
	case "tag":
		t, err := st.Tag(a.Value)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", a, err)
		}
		return t.Commit, nil
	case "commit":
		ts, err := strconv.ParseUint(a.Value, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: a commit is a number", a)
		}
		if _, err := st.Commit(ts); err != nil {
			return 0, fmt.Errorf("%s: %w", a, err)
		}
		return ts, nil
	default:
		t, err := ParseTime(a.Value)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", a, err)
		}
		ci, err := st.CommitAt(t)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", a, err)
		}
		return ci.TS, nil
	}
}

// ParseTime reads the times AT and --at take: RFC 3339, a space for the
// T, or a date; in UTC when the zone is not given.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time (2006-01-02T15:04:05Z, '2006-01-02 15:04:05' in UTC, or 2006-01-02)", s)
}

// Resolve returns the commit that ref names: a tag, else "head" (the
// newest commit), else a commit number, else a time (the newest commit at
// or before it). It is what `--at` on the command line takes.
func Resolve(st *store.Store, ref string) (uint64, error) {
	if strings.EqualFold(ref, "head") {
		if _, err := st.Tag(ref); err != nil {
			return st.Head(), nil
		}
	}
	if _, err := st.Tag(ref); err == nil {
		return ResolveAt(st, sql.AtRef{Kind: "tag", Value: ref})
	}
	if n, err := strconv.ParseUint(ref, 10, 64); err == nil {
		if _, err := st.Commit(n); err != nil {
			return 0, err // names the commit in its own words, not as an AT clause
		}
		return n, nil
	}
	if _, err := ParseTime(ref); err == nil {
		return ResolveAt(st, sql.AtRef{Kind: "timestamp", Value: ref})
	}
	return 0, fmt.Errorf("%q is no tag, commit number or time", ref)
}

// Author names who makes a change: given, else $LAKELINK_AUTHOR, else
// $USER, else "unknown".
func Author(given string) string {
	for _, a := range []string{given, os.Getenv("LAKELINK_AUTHOR"), os.Getenv("USER")} {
		if a != "" {
			return a
		}
	}
	return "unknown"
}
