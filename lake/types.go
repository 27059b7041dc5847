package lake

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Kind is the family of a logical type.
type Kind uint8

const (
	KindInvalid Kind = iota
	KindText
	KindSmallInt
	KindInt
	KindBigInt
	KindReal
	KindDouble
	KindBoolean
	KindTimestamp
	KindDate
	KindUUID
	KindJSONB
	KindVector
	KindArray
)

// Type is a logical column type. Dim is set for VECTOR(n); Elem for arrays,
// whose elements are scalars (no arrays of arrays or of vectors), so the
// type is flat. The zero Type is invalid.
type Type struct {
	Kind Kind
	Dim  int  // VECTOR dimension, > 0
	Elem Kind // element kind of an array
}

// ElemType is the element type of an array type.
func (t Type) ElemType() Type { return Type{Kind: t.Elem} }

// Common types, for callers that build schemas in Go.
var (
	Text      = Type{Kind: KindText}
	SmallInt  = Type{Kind: KindSmallInt}
	Int       = Type{Kind: KindInt}
	BigInt    = Type{Kind: KindBigInt}
	Real      = Type{Kind: KindReal}
	Double    = Type{Kind: KindDouble}
	Boolean   = Type{Kind: KindBoolean}
	Timestamp = Type{Kind: KindTimestamp}
	Date      = Type{Kind: KindDate}
	UUID      = Type{Kind: KindUUID}
	JSONB     = Type{Kind: KindJSONB}
)

// Vector returns VECTOR(dim).
func Vector(dim int) Type { return Type{Kind: KindVector, Dim: dim} }

// ArrayOf returns elem[].
func ArrayOf(elem Type) Type { return Type{Kind: KindArray, Elem: elem.Kind} }

var kindNames = map[Kind]string{
	KindText: "TEXT", KindSmallInt: "SMALLINT", KindInt: "INT", KindBigInt: "BIGINT",
	KindReal: "REAL", KindDouble: "DOUBLE", KindBoolean: "BOOLEAN", KindTimestamp: "TIMESTAMP",
	KindDate: "DATE", KindUUID: "UUID", KindJSONB: "JSONB",
}

// typeAliases maps every accepted spelling to its kind. Lengths and
// precisions in parentheses (VARCHAR(255)) are accepted and ignored.
var typeAliases = map[string]Kind{
	"TEXT": KindText, "VARCHAR": KindText, "STRING": KindText, "CHAR": KindText,
	"SMALLINT": KindSmallInt, "INT2": KindSmallInt,
	"INT": KindInt, "INTEGER": KindInt, "INT4": KindInt,
	"BIGINT": KindBigInt, "INT8": KindBigInt,
	"REAL": KindReal, "FLOAT4": KindReal,
	"FLOAT": KindDouble, "DOUBLE": KindDouble, "FLOAT8": KindDouble, "DOUBLE PRECISION": KindDouble,
	"BOOLEAN": KindBoolean, "BOOL": KindBoolean,
	"TIMESTAMP": KindTimestamp, "TIMESTAMPTZ": KindTimestamp,
	"DATE": KindDate, "UUID": KindUUID, "JSONB": KindJSONB, "JSON": KindJSONB,
}

func (t Type) String() string {
	switch t.Kind {
	case KindVector:
		return fmt.Sprintf("VECTOR(%d)", t.Dim)
	case KindArray:
		return t.ElemType().String() + "[]"
	}
	if n, ok := kindNames[t.Kind]; ok {
		return n
	}
	return "INVALID"
}

// Equal reports whether two types are the same logical type.
func (t Type) Equal(u Type) bool { return t.String() == u.String() }

// IsNumeric reports whether values of t are numbers.
func (t Type) IsNumeric() bool {
	switch t.Kind {
	case KindSmallInt, KindInt, KindBigInt, KindReal, KindDouble:
		return true
	}
	return false
}

// MarshalText and UnmarshalText let a Type appear in JSON catalogs as "VECTOR(384)".
// MarshalText writes the SQL name; the zero Type (no type) is empty.
func (t Type) MarshalText() ([]byte, error) {
	if t.Kind == KindInvalid {
		return nil, nil
	}
	return []byte(t.String()), nil
}

func (t *Type) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*t = Type{}
		return nil
	}
	p, err := ParseType(string(b))
	if err != nil {
		return err
	}
	*t = p
	return nil
}

// ParseType parses a SQL type name: TEXT, VARCHAR(20), BIGINT, VECTOR(384),
// TEXT[], DOUBLE PRECISION, ... Case does not matter.
func ParseType(s string) (Type, error) {
	orig := s
	s = strings.ToUpper(strings.Join(strings.Fields(s), " "))
	if strings.HasSuffix(s, "[]") {
		elem, err := ParseType(s[:len(s)-2])
		if err != nil {
			return Type{}, err
		}
		if elem.Kind == KindArray || elem.Kind == KindVector {
			return Type{}, fmt.Errorf("unsupported type %q: arrays of %s", orig, elem)
		}
		return ArrayOf(elem), nil
	}
	base, arg := s, ""
	if i := strings.IndexByte(s, '('); i >= 0 {
		if !strings.HasSuffix(s, ")") {
			return Type{}, fmt.Errorf("bad type %q: unbalanced parenthesis", orig)
		}
		base, arg = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:len(s)-1])
	}
	if base == "VECTOR" {
		n, err := strconv.Atoi(arg)
		if err != nil || n <= 0 || n > 65535 {
			return Type{}, fmt.Errorf("bad type %q: VECTOR needs a dimension between 1 and 65535", orig)
		}
		return Vector(n), nil
	}
	k, ok := typeAliases[base]
	if !ok {
		return Type{}, fmt.Errorf("unknown type %q", orig)
	}
	return Type{Kind: k}, nil
}

// ArrowType is the Arrow type that carries values of t inside a Batch.
func (t Type) ArrowType() arrow.DataType {
	switch t.Kind {
	case KindText, KindJSONB:
		return arrow.BinaryTypes.String
	case KindSmallInt:
		return arrow.PrimitiveTypes.Int16
	case KindInt:
		return arrow.PrimitiveTypes.Int32
	case KindBigInt:
		return arrow.PrimitiveTypes.Int64
	case KindReal:
		return arrow.PrimitiveTypes.Float32
	case KindDouble:
		return arrow.PrimitiveTypes.Float64
	case KindBoolean:
		return arrow.FixedWidthTypes.Boolean
	case KindTimestamp:
		return arrow.FixedWidthTypes.Timestamp_us
	case KindDate:
		return arrow.FixedWidthTypes.Date32
	case KindUUID:
		return &arrow.FixedSizeBinaryType{ByteWidth: 16}
	case KindVector:
		return arrow.FixedSizeListOf(int32(t.Dim), arrow.PrimitiveTypes.Float32)
	case KindArray:
		return arrow.ListOf(t.ElemType().ArrowType())
	}
	return arrow.Null
}

// TypeMetaKey is the Arrow field metadata key holding a column's logical type.
const TypeMetaKey = "lakelink.type"

// BinaryMetaKey marks an Arrow field of TEXT that holds bytes, not text
// (a Parquet byte array without a string annotation): only such a column
// casts to VECTOR(n) from 4n little-endian bytes.
const BinaryMetaKey = "lakelink.binary"

// Field returns the Arrow field for a column, tagged with its logical type.
func (c Column) Field() arrow.Field {
	return arrow.Field{
		Name: c.Name, Type: c.Type.ArrowType(), Nullable: !c.NotNull,
		Metadata: arrow.NewMetadata([]string{TypeMetaKey}, []string{c.Type.String()}),
	}
}

// FieldType reads the logical type of an Arrow field: from its metadata when
// tagged, otherwise inferred from the Arrow type.
func FieldType(f arrow.Field) (Type, error) {
	if v, ok := f.Metadata.GetValue(TypeMetaKey); ok {
		return ParseType(v)
	}
	return typeOfArrow(f.Type)
}

func typeOfArrow(dt arrow.DataType) (Type, error) {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		return Text, nil
	case arrow.INT8, arrow.INT16, arrow.UINT8:
		return SmallInt, nil
	case arrow.INT32, arrow.UINT16:
		return Int, nil
	case arrow.INT64, arrow.UINT32, arrow.UINT64:
		return BigInt, nil
	case arrow.FLOAT16, arrow.FLOAT32:
		return Real, nil
	case arrow.FLOAT64:
		return Double, nil
	case arrow.BOOL:
		return Boolean, nil
	case arrow.TIMESTAMP:
		return Timestamp, nil
	case arrow.DATE32, arrow.DATE64:
		return Date, nil
	case arrow.FIXED_SIZE_LIST:
		l := dt.(*arrow.FixedSizeListType)
		if isFloat(l.Elem()) {
			return Vector(int(l.Len())), nil
		}
		e, err := typeOfArrow(l.Elem())
		return ArrayOf(e), err
	case arrow.LIST, arrow.LARGE_LIST:
		e, err := typeOfArrow(dt.(arrow.ListLikeType).Elem())
		if err != nil {
			return Type{}, err
		}
		return ArrayOf(e), nil
	}
	return Type{}, fmt.Errorf("unsupported Arrow type %s", dt)
}

func isFloat(dt arrow.DataType) bool {
	return dt.ID() == arrow.FLOAT32 || dt.ID() == arrow.FLOAT64 || dt.ID() == arrow.FLOAT16
}
