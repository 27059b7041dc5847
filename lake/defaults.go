package lake

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDefault converts a default's literal text to the Go value of a
// scalar type t, as store.Row holds it: string, int64, float32 (REAL),
// float64, bool or time.Time. Vectors, arrays and UUIDs take no default.
func ParseDefault(t Type, text string) (any, error) {
	bad := func() (any, error) { return nil, fmt.Errorf("DEFAULT %s is not a %s value", text, t) }
	switch t.Kind {
	case KindText, KindJSONB:
		return text, nil
	case KindSmallInt, KindInt, KindBigInt:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || t.Kind == KindSmallInt && (n < -1<<15 || n >= 1<<15) || t.Kind == KindInt && (n < -1<<31 || n >= 1<<31) {
			return bad()
		}
		return n, nil
	case KindReal:
		f, err := strconv.ParseFloat(text, 32)
		if err != nil {
			return bad()
		}
		return float32(f), nil
	case KindDouble:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return bad()
		}
		return f, nil
	case KindBoolean:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return bad()
		}
		return b, nil
	case KindTimestamp, KindDate:
		tm, err := ParseTime(text)
		if err != nil {
			return bad()
		}
		if t.Kind == KindDate {
			tm = tm.Truncate(24 * time.Hour)
		}
		return tm, nil
	}
	return nil, fmt.Errorf("a %s column takes no DEFAULT", t)
}

func quoteDefault(t Type, text string) string {
	switch t.Kind {
	case KindSmallInt, KindInt, KindBigInt, KindReal, KindDouble, KindBoolean:
		return text
	}
	return "'" + strings.ReplaceAll(text, "'", "''") + "'"
}

// timeLayouts are the accepted spellings of timestamps and dates; values
// without a zone are UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// ParseTime parses the accepted timestamp and date spellings.
func ParseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a timestamp or date: %q (expected e.g. 2024-03-01 or 2024-03-01T12:00:00Z)", s)
}
