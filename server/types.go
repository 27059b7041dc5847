package server

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/lake"
)

// Type OIDs of the PostgreSQL catalog that lakelink's types answer as.
// VECTOR(n) has no OID of its own (pgvector's depends on the database),
// so it travels as text in pgvector's form [1,2,3].
const (
	oidBool        = 16
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidJSONB       = 3802
	oidFloat4      = 700
	oidFloat8      = 701
	oidDate        = 1082
	oidTimestamptz = 1184
	oidUUID        = 2950
)

// typeOID is the OID a column of type t is described with; a score (no
// type) is a float8.
func typeOID(t lake.Type) uint32 {
	switch t.Kind {
	case lake.KindBoolean:
		return oidBool
	case lake.KindSmallInt:
		return oidInt2
	case lake.KindInt:
		return oidInt4
	case lake.KindBigInt:
		return oidInt8
	case lake.KindReal:
		return oidFloat4
	case lake.KindDouble:
		return oidFloat8
	case lake.KindDate:
		return oidDate
	case lake.KindTimestamp:
		return oidTimestamptz
	case lake.KindUUID:
		return oidUUID
	case lake.KindJSONB:
		return oidJSONB
	case lake.KindText:
		return oidText
	}
	if t == (lake.Type{}) {
		return oidFloat8
	}
	return oidText
}

// textValue is a value of type t in PostgreSQL's text format; nil for
// NULL.
func textValue(v any, t lake.Type) []byte {
	if d, ok := v.(time.Time); ok && t.Kind == lake.KindDate {
		return []byte(d.UTC().Format("2006-01-02"))
	}
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		if x {
			return []byte("t")
		}
		return []byte("f")
	case int64:
		return strconv.AppendInt(nil, x, 10)
	case float32:
		return strconv.AppendFloat(nil, float64(x), 'g', -1, 32)
	case float64:
		return strconv.AppendFloat(nil, x, 'g', -1, 64)
	case time.Time:
		return []byte(x.UTC().Format("2006-01-02 15:04:05.999999Z07:00"))
	case uuid.UUID:
		return []byte(x.String())
	case []float32:
		var b strings.Builder
		b.WriteByte('[')
		for i, f := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatFloat(float64(f), 'g', -1, 32))
		}
		b.WriteByte(']')
		return []byte(b.String())
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if e == nil {
				parts[i] = "NULL"
				continue
			}
			s := string(textValue(e, t.ElemType()))
			if strings.ContainsAny(s, `,{}" \`) || s == "" {
				s = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
			}
			parts[i] = s
		}
		return []byte("{" + strings.Join(parts, ",") + "}")
	case string:
		return []byte(x)
	case json.RawMessage:
		return []byte(x)
	}
	return []byte(fmt.Sprint(v))
}
