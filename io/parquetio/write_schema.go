package parquetio

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/lake"
)

// Vector layouts in exported Parquet. Every layout holds little-endian
// float32s; they differ in how other readers see them.
const (
	// VectorList is LIST<FLOAT>: what every reader understands, and what
	// lakelink's import detects as VECTOR(n) (the default).
	VectorList = "list"
	// VectorFixedSizeList is the same LIST, with the Arrow schema stored
	// in the file (ARROW:schema) so that Arrow readers see
	// fixed_size_list<float>[n].
	VectorFixedSizeList = "fixed_size_list"
	// VectorFixedLenByteArray is FIXED_LEN_BYTE_ARRAY(4n): one value per
	// row, the densest layout, opaque to readers that do not know it.
	VectorFixedLenByteArray = "fixed_len_byte_array"
)

// Vector precisions of the FIXED_LEN_BYTE_ARRAY layout, named as the
// AI-Lake field metadata names them (ailake.precision): f32 is 4 bytes per
// element, f16 IEEE half precision (2 bytes), i8 a signed byte q standing
// for q/127 (symmetric scalar quantisation of values in [-1, 1]; a value
// outside that range is an error, not a clamp). All little-endian.
const (
	PrecisionF32 = "f32"
	PrecisionF16 = "f16"
	PrecisionI8  = "i8"
)

// VectorPrecisions lists the precisions WriterOptions.VectorPrecision
// accepts.
var VectorPrecisions = []string{PrecisionF32, PrecisionF16, PrecisionI8}

// elemBytes is the bytes per element of a precision.
func elemBytes(precision string) int {
	switch precision {
	case PrecisionF16:
		return 2
	case PrecisionI8:
		return 1
	}
	return 4
}

// VectorLayouts lists the layouts WriterOptions.VectorLayout accepts.
var VectorLayouts = []string{VectorList, VectorFixedSizeList, VectorFixedLenByteArray}

// orderedGroup is a Parquet group whose fields keep the table's column
// order (parquet.Group sorts them by name).
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

func (g orderedGroup) Fields() []parquet.Field { return g.fields }

type namedField struct {
	parquet.Node
	name string
}

func (f namedField) Name() string                           { return f.name }
func (f namedField) Value(base reflect.Value) reflect.Value { return reflect.Value{} }

// parquetSchema is the Parquet schema of an export of columns: each
// column's logical type is kept (UUID, JSON, TIMESTAMP(µs, UTC), DATE,
// LIST), and vectors take the given layout.
func parquetSchema(columns []lake.Column, layout, precision string) (*parquet.Schema, error) {
	g := orderedGroup{Group: parquet.Group{}}
	for _, c := range columns {
		n, err := parquetNode(c.Type, layout, precision)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", c.Name, err)
		}
		if c.NotNull {
			n = parquet.Required(n)
		} else {
			n = parquet.Optional(n)
		}
		g.Group[c.Name] = n
		g.fields = append(g.fields, namedField{Node: n, name: c.Name})
	}
	return parquet.NewSchema("lakelink", g), nil
}

func parquetNode(t lake.Type, layout, precision string) (parquet.Node, error) {
	switch t.Kind {
	case lake.KindText:
		return parquet.String(), nil
	case lake.KindJSONB:
		return parquet.JSON(), nil
	case lake.KindSmallInt:
		return parquet.Int(16), nil
	case lake.KindInt:
		return parquet.Int(32), nil
	case lake.KindBigInt:
		return parquet.Int(64), nil
	case lake.KindReal:
		return parquet.Leaf(parquet.FloatType), nil
	case lake.KindDouble:
		return parquet.Leaf(parquet.DoubleType), nil
	case lake.KindBoolean:
		return parquet.Leaf(parquet.BooleanType), nil
	case lake.KindTimestamp:
		return parquet.Timestamp(parquet.Microsecond), nil
	case lake.KindDate:
		return parquet.Date(), nil
	case lake.KindUUID:
		return parquet.UUID(), nil
	case lake.KindVector:
		if layout == VectorFixedLenByteArray {
			return parquet.Leaf(parquet.FixedLenByteArrayType(elemBytes(precision) * t.Dim)), nil
		}
		return parquet.List(parquet.Required(parquet.Leaf(parquet.FloatType))), nil
	case lake.KindArray:
		e, err := parquetNode(t.ElemType(), layout, precision)
		if err != nil {
			return nil, err
		}
		return parquet.List(parquet.Optional(e)), nil
	}
	return nil, fmt.Errorf("type %s cannot be exported", t)
}

// arrowSchemaMeta is the ARROW:schema footer entry that makes Arrow
// readers read vectors as fixed_size_list<float>[n]: the base64 of an
// Arrow IPC stream holding the schema alone, as Arrow's own Parquet writer
// stores it.
func arrowSchemaMeta(columns []lake.Column) (string, error) {
	fields := make([]arrow.Field, len(columns))
	for i, c := range columns {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.ArrowType(), Nullable: !c.NotNull}
		if c.Type.Kind == lake.KindUUID {
			// Arrow's Parquet reader maps the UUID logical type itself.
			fields[i].Type = &arrow.FixedSizeBinaryType{ByteWidth: 16}
		}
	}
	var b strings.Builder
	enc := base64.NewEncoder(base64.StdEncoding, &b)
	w := ipc.NewWriter(enc, ipc.WithSchema(arrow.NewSchema(fields, nil)))
	if err := w.Close(); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}
