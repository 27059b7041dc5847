package lake

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"
)

// ValueAt returns row i of an Arrow array as a Go value, with the types
// documented on store.Row (all integers as int64). NULL is nil.
func ValueAt(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch x := a.(type) {
	case *array.String:
		return x.Value(i)
	case *array.Int8:
		return int64(x.Value(i))
	case *array.Int16:
		return int64(x.Value(i))
	case *array.Int32:
		return int64(x.Value(i))
	case *array.Int64:
		return x.Value(i)
	case *array.Uint32:
		return int64(x.Value(i))
	case *array.Float32:
		return x.Value(i)
	case *array.Float64:
		return x.Value(i)
	case *array.Boolean:
		return x.Value(i)
	case *array.Timestamp:
		unit := x.DataType().(*arrow.TimestampType).Unit
		return x.Value(i).ToTime(unit).UTC()
	case *array.Date32:
		return x.Value(i).ToTime().UTC()
	case *array.FixedSizeBinary:
		var u uuid.UUID
		copy(u[:], x.Value(i))
		return u
	case *array.FixedSizeList:
		n := int(x.DataType().(*arrow.FixedSizeListType).Len())
		lo := (x.Offset() + i) * n // the child array is not sliced with the list
		vals := x.ListValues()
		out := make([]float32, n)
		if f, ok := vals.(*array.Float32); ok {
			copy(out, f.Float32Values()[lo:lo+n])
		}
		return out
	case *array.List:
		lo, hi := x.ValueOffsets(i)
		vals := x.ListValues()
		out := make([]any, 0, hi-lo)
		for k := int(lo); k < int(hi); k++ {
			out = append(out, ValueAt(vals, k))
		}
		return out
	}
	return nil
}

// Render formats a value for error reports and text output: NULL, text as
// is, times in RFC 3339 (dates as 2006-01-02), floats shortest (NaN,
// Infinity, -Infinity by name), vectors and arrays as JSON (their NaNs as
// strings, so that the JSON stays valid). FormatText is the same for a
// value whose type is known.
func Render(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return x
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format(time.RFC3339Nano)
	case uuid.UUID:
		return x.String()
	case float32:
		return FormatFloat(float64(x), 32, false)
	case float64:
		return FormatFloat(x, 64, false)
	case []float32, []any:
		return string(appendJSON(nil, Type{}, x, false))
	}
	return fmt.Sprint(v)
}

// UUIDFromInt is lakelink's documented mapping of an integer to a UUID: eight
// zero bytes, then the integer's two's-complement big-endian bytes. So 42 is
// 00000000-0000-0000-0000-00000000002a; distinct integers give distinct UUIDs
// and non-negative integers keep their order.
func UUIDFromInt(n int64) uuid.UUID {
	var u uuid.UUID
	for i := 0; i < 8; i++ {
		u[15-i] = byte(uint64(n) >> (8 * i))
	}
	return u
}
