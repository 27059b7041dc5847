package parquetio

import (
	"fmt"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/lakelink/lakelink/lake"
)

// conv says how a leaf's physical values become the column's logical values.
type conv uint8

const (
	convNone conv = iota
	convDateDays
	convTsMillis
	convTsMicros
	convTsNanos
	convInt96
	convDecimal
	convUnsigned
	convFloat16
	convFloatLE // FIXED_LEN_BYTE_ARRAY of little-endian float32s: a vector
	convHalfLE  // FIXED_LEN_BYTE_ARRAY of little-endian float16s: an AI-Lake F16 vector
	convI8      // FIXED_LEN_BYTE_ARRAY of signed bytes q, each q/127: an AI-Lake I8 vector
)

// ColumnInfo describes one top-level Parquet column as lakelink reads it.
type ColumnInfo struct {
	Name string
	// Type is the column's natural logical type: lists are arrays (a list of
	// floats is REAL[] here; DetectVectors decides whether it is a vector).
	Type lake.Type
	// Unsupported, when set, says why the column cannot be read (nested
	// structs, maps, ...). Such a column may exist in a file as long as no
	// import selects it.
	Unsupported string

	leaf   int // leaf column index in the file
	maxDef int
	maxRep int
	// listDef is the definition level at which a list is present (possibly
	// empty); levels below it mean the list is NULL.
	listDef int
	phys    parquet.Kind
	conv    conv
	scale   int // decimal scale
	binary  bool
}

// Columns describes the top-level columns of a Parquet schema.
func Columns(s *parquet.Schema) []ColumnInfo {
	var out []ColumnInfo
	for _, f := range s.Fields() {
		out = append(out, describe(s, f))
	}
	return out
}

func describe(s *parquet.Schema, f parquet.Field) ColumnInfo {
	ci := ColumnInfo{Name: f.Name()}
	unsupported := func(why string) ColumnInfo {
		ci.Unsupported = "unsupported " + why
		return ci
	}
	// Walk down to the single leaf, remembering the definition level at the
	// repeated node. Anything with more than one leaf, or more than one
	// repeated node, is a struct, map or nested list.
	path := []string{f.Name()}
	var node, parent parquet.Node = f, nil
	def, rep := 0, 0
	listDef := -1
	for {
		if node.Optional() {
			def++
		}
		if node.Repeated() {
			if rep == 1 {
				return unsupported("nested list")
			}
			listDef = def // present-but-empty when def equals this
			def++
			rep++
		}
		if node.Leaf() {
			break
		}
		fields := node.Fields()
		if len(fields) != 1 {
			if isMap(node) || parent != nil && isMap(parent) {
				return unsupported("map column")
			}
			return unsupported("struct column")
		}
		parent, node = node, fields[0]
		path = append(path, fields[0].Name())
	}
	leaf, ok := s.Lookup(path...)
	if !ok {
		return unsupported("column not found")
	}
	ci.leaf, ci.maxDef, ci.maxRep, ci.listDef = leaf.ColumnIndex, leaf.MaxDefinitionLevel, leaf.MaxRepetitionLevel, listDef
	if ci.maxDef != def || ci.maxRep != rep {
		return unsupported("unexpected levels")
	}
	elem, err := leafType(node.Type(), &ci)
	if err != nil {
		return unsupported(err.Error())
	}
	if rep > 0 {
		ci.Type = lake.ArrayOf(elem)
	} else {
		ci.Type = elem
	}
	return ci
}

func isMap(n parquet.Node) bool {
	if lt := n.Type().LogicalType(); lt != nil {
		if _, ok := lt.Value.(*format.MapType); ok {
			return true
		}
	}
	if ct := n.Type().ConvertedType(); ct != nil {
		return *ct == deprecated.Map || *ct == deprecated.MapKeyValue
	}
	return false
}

// leafType maps a leaf's physical and logical type to a lake type and
// records the conversion on ci.
func leafType(t parquet.Type, ci *ColumnInfo) (lake.Type, error) {
	ci.phys = t.Kind()
	var lv format.LogicalTypeValue
	if lt := t.LogicalType(); lt != nil {
		lv = lt.Value
	}
	var ct deprecated.ConvertedType = -1
	if c := t.ConvertedType(); c != nil {
		ct = *c
	}
	switch ci.phys {
	case parquet.Boolean:
		return lake.Boolean, nil
	case parquet.Int32:
		switch l := lv.(type) {
		case *format.DateType:
			ci.conv = convDateDays
			return lake.Date, nil
		case *format.IntType:
			if !l.IsSigned {
				ci.conv = convUnsigned
				if l.BitWidth <= 16 {
					return lake.Int, nil
				}
				return lake.BigInt, nil
			}
			if l.BitWidth <= 16 {
				return lake.SmallInt, nil
			}
		case *format.DecimalType:
			ci.conv, ci.scale = convDecimal, int(l.Scale)
			return lake.Double, nil
		}
		switch ct {
		case deprecated.Date:
			ci.conv = convDateDays
			return lake.Date, nil
		case deprecated.Int8, deprecated.Int16:
			return lake.SmallInt, nil
		case deprecated.Uint8, deprecated.Uint16:
			ci.conv = convUnsigned
			return lake.Int, nil
		case deprecated.Uint32:
			ci.conv = convUnsigned
			return lake.BigInt, nil
		}
		return lake.Int, nil
	case parquet.Int64:
		switch l := lv.(type) {
		case *format.TimestampType:
			switch l.Unit.Value.(type) {
			case *format.MilliSeconds:
				ci.conv = convTsMillis
			case *format.NanoSeconds:
				ci.conv = convTsNanos
			default:
				ci.conv = convTsMicros
			}
			return lake.Timestamp, nil
		case *format.DecimalType:
			ci.conv, ci.scale = convDecimal, int(l.Scale)
			return lake.Double, nil
		case *format.IntType:
			if !l.IsSigned {
				ci.conv = convUnsigned // BIGINT; values past its range fail
			}
		}
		switch ct {
		case deprecated.Uint64:
			ci.conv = convUnsigned
		case deprecated.TimestampMillis:
			ci.conv = convTsMillis
			return lake.Timestamp, nil
		case deprecated.TimestampMicros:
			ci.conv = convTsMicros
			return lake.Timestamp, nil
		}
		return lake.BigInt, nil
	case parquet.Int96:
		ci.conv = convInt96
		return lake.Timestamp, nil
	case parquet.Float:
		return lake.Real, nil
	case parquet.Double:
		return lake.Double, nil
	case parquet.ByteArray:
		switch l := lv.(type) {
		case *format.JsonType:
			return lake.JSONB, nil
		case *format.DecimalType:
			ci.conv, ci.scale = convDecimal, int(l.Scale)
			return lake.Double, nil
		case *format.StringType, *format.EnumType:
			return lake.Text, nil
		}
		if ct == deprecated.Json {
			return lake.JSONB, nil
		}
		if ct != deprecated.UTF8 && ct != deprecated.Enum {
			ci.binary = true
		}
		return lake.Text, nil
	case parquet.FixedLenByteArray:
		switch l := lv.(type) {
		case *format.UUIDType:
			return lake.UUID, nil
		case *format.DecimalType:
			ci.conv, ci.scale = convDecimal, int(l.Scale)
			return lake.Double, nil
		case *format.Float16Type:
			ci.conv = convFloat16
			return lake.Real, nil
		}
		ci.binary = true
		return lake.Text, nil
	}
	return lake.Type{}, fmt.Errorf("unknown physical type")
}

// SourceSchema is the lake schema of the readable columns of a file, with
// no primary key.
func SourceSchema(cols []ColumnInfo) lake.Schema {
	var s lake.Schema
	for _, c := range cols {
		if c.Unsupported == "" {
			s.Columns = append(s.Columns, lake.Column{Name: c.Name, Type: c.Type})
		}
	}
	return s
}

// findColumn returns the column named name (case-insensitive).
func findColumn(cols []ColumnInfo, name string) (ColumnInfo, bool) {
	for _, c := range cols {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return ColumnInfo{}, false
}
