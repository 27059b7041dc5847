package server

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/lake"
)

// pgEpoch is where PostgreSQL's binary dates and timestamps count from.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// binaryValue is a value of type t in PostgreSQL's binary format for the
// OID typeOID gives it; nil for NULL. Types that travel as text (vectors,
// arrays, TEXT) are their text bytes, which is text's binary format too.
func binaryValue(v any, t lake.Type) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	switch typeOID(t) {
	case oidBool:
		if b, ok := v.(bool); ok {
			if b {
				return []byte{1}, nil
			}
			return []byte{0}, nil
		}
	case oidInt2:
		if n, ok := v.(int64); ok {
			return binary.BigEndian.AppendUint16(nil, uint16(int16(n))), nil
		}
	case oidInt4:
		if n, ok := v.(int64); ok {
			return binary.BigEndian.AppendUint32(nil, uint32(int32(n))), nil
		}
	case oidInt8:
		if n, ok := v.(int64); ok {
			return binary.BigEndian.AppendUint64(nil, uint64(n)), nil
		}
	case oidFloat4:
		if f, ok := v.(float32); ok {
			return binary.BigEndian.AppendUint32(nil, math.Float32bits(f)), nil
		}
	case oidFloat8:
		switch f := v.(type) {
		case float64:
			return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)), nil
		case float32:
			return binary.BigEndian.AppendUint64(nil, math.Float64bits(float64(f))), nil
		}
	case oidDate:
		if d, ok := v.(time.Time); ok {
			secs := d.UTC().Unix() - pgEpoch.Unix()
			days := secs / 86400
			if secs%86400 < 0 {
				days--
			}
			return binary.BigEndian.AppendUint32(nil, uint32(int32(days))), nil
		}
	case oidTimestamptz:
		if ts, ok := v.(time.Time); ok {
			return binary.BigEndian.AppendUint64(nil, uint64(ts.UTC().Sub(pgEpoch).Microseconds())), nil
		}
	case oidUUID:
		if u, ok := v.(uuid.UUID); ok {
			return u[:], nil
		}
	case oidJSONB:
		return append([]byte{1}, textValue(v, t)...), nil
	default:
		return textValue(v, t), nil
	}
	return nil, fmt.Errorf("a %s value %v (%T) has no binary form here", t, v, v)
}
