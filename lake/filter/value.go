package filter

import (
	"time"

	"github.com/google/uuid"
)

// ValueOf converts a stored value (the Go types of store.Row) for a
// filter; false for NULL. Vectors and arrays give an empty Value and
// true: only IS NULL asks about them.
func ValueOf(v any) (Value, bool) {
	switch x := v.(type) {
	case int64:
		return Int(x), true
	case float64:
		return Float(x), true
	case float32:
		return Float(float64(x)), true
	case bool:
		return Bool(x), true
	case string:
		return Text(x), true
	case time.Time:
		return Time(x), true
	case uuid.UUID:
		return Text(x.String()), true
	case nil:
		return Value{}, false
	}
	return Value{}, true // a vector or array: only IS NULL asks about it
}
