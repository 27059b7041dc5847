package store

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/lake"
)

// Coerce converts a Go value (for instance a literal from a WHERE clause)
// to the canonical Go type of t, as documented on Row.
func Coerce(t lake.Type, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t.Kind {
	case lake.KindText, lake.KindJSONB:
		switch x := v.(type) {
		case string:
			return x, nil
		case fmt.Stringer:
			return x.String(), nil
		}
	case lake.KindSmallInt, lake.KindInt, lake.KindBigInt:
		switch x := v.(type) {
		case int:
			return int64(x), nil
		case int32:
			return int64(x), nil
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return int64(x), nil
			}
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n, nil
			}
		}
	case lake.KindReal, lake.KindDouble:
		var f float64
		switch x := v.(type) {
		case int64:
			f = float64(x)
		case int:
			f = float64(x)
		case float64:
			f = x
		case float32:
			f = float64(x)
		default:
			return nil, fmt.Errorf("cannot use %v as %s", v, t)
		}
		if t.Kind == lake.KindReal {
			return float32(f), nil
		}
		return f, nil
	case lake.KindBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case lake.KindTimestamp, lake.KindDate:
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), nil
		case string:
			if tm, err := lake.ParseTime(x); err == nil {
				if t.Kind == lake.KindDate {
					return tm.Truncate(24 * time.Hour), nil
				}
				return tm, nil
			}
		}
	case lake.KindUUID:
		switch x := v.(type) {
		case uuid.UUID:
			return x, nil
		case string:
			if u, err := uuid.Parse(x); err == nil {
				return u, nil
			}
		case int64:
			return lake.UUIDFromInt(x), nil
		case int:
			return lake.UUIDFromInt(int64(x)), nil
		}
	}
	return nil, fmt.Errorf("cannot use %v as %s", v, t)
}
