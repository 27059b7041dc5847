package parquetio

import (
	"encoding/binary"
	"math"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/lake/filter"
)

// RowGroupRange is what the footer's statistics say about one column of a
// row group, for filter.Expr.MayMatch. ok is false when there are no
// statistics lakelink can trust for the column: lists, unsigned and
// decimal integers, binary, JSON, UUID, INT96 and NaN bounds all count as
// unknown, so a row group is never skipped on their account.
func (f *File) RowGroupRange(rg int, column string) (filter.Range, bool) {
	ci, ok := findColumn(f.Columns, column)
	if !ok || ci.Unsupported != "" || ci.maxRep > 0 || ci.binary || ci.conv == convUnsigned || ci.conv == convDecimal {
		return filter.Range{}, false
	}
	groups := f.pf.Metadata().RowGroups
	if rg >= len(groups) || ci.leaf >= len(groups[rg].Columns) {
		return filter.Range{}, false
	}
	md := groups[rg].Columns[ci.leaf].MetaData
	st := md.Statistics
	lo, hi := st.MinValue, st.MaxValue
	if lo == nil || hi == nil {
		if ci.phys == parquet.ByteArray {
			// The deprecated min and max of byte arrays used signed bytes.
			lo, hi = nil, nil
		} else {
			lo, hi = st.Min, st.Max
		}
	}
	if lo == nil || hi == nil {
		if md.NumValues > 0 && st.NullCount == md.NumValues {
			return filter.Range{AllNull: true}, true
		}
		return filter.Range{}, false
	}
	min, okMin := statValue(ci, lo)
	max, okMax := statValue(ci, hi)
	if !okMin || !okMax {
		return filter.Range{}, false
	}
	return filter.Range{Min: min, Max: max}, true
}

// statValue decodes one PLAIN-encoded statistics bound.
func statValue(ci ColumnInfo, b []byte) (filter.Value, bool) {
	switch ci.phys {
	case parquet.Boolean:
		if len(b) < 1 {
			return filter.Value{}, false
		}
		return filter.Bool(b[0]&1 == 1), true
	case parquet.Int32:
		if len(b) != 4 {
			return filter.Value{}, false
		}
		v := int64(int32(binary.LittleEndian.Uint32(b)))
		if ci.conv == convDateDays {
			return filter.Value{D: filter.DomainTime, I: v * 86400e6}, true
		}
		return filter.Int(v), ci.conv == convNone
	case parquet.Int64:
		if len(b) != 8 {
			return filter.Value{}, false
		}
		v := int64(binary.LittleEndian.Uint64(b))
		switch ci.conv {
		case convNone:
			return filter.Int(v), true
		case convTsMillis:
			return filter.Value{D: filter.DomainTime, I: v * 1000}, true
		case convTsMicros:
			return filter.Value{D: filter.DomainTime, I: v}, true
		case convTsNanos:
			return filter.Value{D: filter.DomainTime, I: floorDiv(v, 1000)}, true
		}
	case parquet.Float:
		if len(b) != 4 || ci.conv != convNone {
			return filter.Value{}, false
		}
		f := float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		return filter.Float(f), !math.IsNaN(f)
	case parquet.Double:
		if len(b) != 8 {
			return filter.Value{}, false
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(b))
		return filter.Float(f), !math.IsNaN(f)
	case parquet.ByteArray:
		if ci.Type.Kind == 0 || ci.conv != convNone {
			return filter.Value{}, false
		}
		if d, ok := filter.DomainOf(ci.Type); ok && d == filter.DomainText {
			return filter.Text(string(b)), true
		}
	}
	return filter.Value{}, false
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
