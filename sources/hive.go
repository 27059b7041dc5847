package sources

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/lakelink/lakelink/lake"
)

// hiveNull is the value Hive writes for a NULL partition.
const hiveNull = "__HIVE_DEFAULT_PARTITION__"

// PartitionValues reads the Hive-style partition values (folders named
// name=value) of the given columns from an object key. A column missing from
// the key is an error naming the object.
func PartitionValues(obj Object, columns []string) (map[string]string, error) {
	found := map[string]string{}
	segs := strings.Split(obj.Key, "/")
	for _, seg := range segs[:max(len(segs)-1, 0)] {
		k, v, ok := strings.Cut(seg, "=")
		if !ok {
			continue
		}
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		found[strings.ToLower(k)] = v
	}
	out := make(map[string]string, len(columns))
	for _, c := range columns {
		v, ok := found[strings.ToLower(c)]
		if !ok {
			return nil, fmt.Errorf("object %s has no partition folder %s=...", obj.Name, c)
		}
		out[c] = v
	}
	return out, nil
}

// PartitionType is the type of a partition column, from all its values:
// BIGINT when every non-NULL value is an integer, DATE when every one is a
// date (2024-03-01), TEXT otherwise.
func PartitionType(values []string) lake.Type {
	isInt, isDate := true, true
	for _, v := range values {
		if v == hiveNull {
			continue
		}
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			isInt = false
		}
		if _, err := time.Parse("2006-01-02", v); err != nil {
			isDate = false
		}
	}
	switch {
	case isInt:
		return lake.BigInt
	case isDate:
		return lake.Date
	}
	return lake.Text
}

// PartitionValue is one partition column's value for a split.
type PartitionValue struct {
	Name  string    `json:"name"`
	Type  lake.Type `json:"type"`
	Value string    `json:"value"` // as in the folder name; hiveNull for NULL
}

// Typed returns the value as a Go value of its type (nil for NULL).
func (p PartitionValue) Typed() (any, error) {
	if p.Value == hiveNull {
		return nil, nil
	}
	switch p.Type.Kind {
	case lake.KindBigInt:
		return strconv.ParseInt(p.Value, 10, 64)
	case lake.KindDate:
		return time.Parse("2006-01-02", p.Value)
	}
	return p.Value, nil
}

// withPartitions appends one constant column per partition value to rec.
func withPartitions(rec arrow.RecordBatch, parts []PartitionValue) (arrow.RecordBatch, error) {
	if len(parts) == 0 {
		return rec, nil
	}
	n := int(rec.NumRows())
	fields := append([]arrow.Field(nil), rec.Schema().Fields()...)
	cols := append([]arrow.Array(nil), rec.Columns()...)
	for _, p := range parts {
		col := lake.Column{Name: p.Name, Type: p.Type}
		v, err := p.Typed()
		if err != nil {
			return nil, fmt.Errorf("partition %s=%s: %w", p.Name, p.Value, err)
		}
		b := array.NewBuilder(memory.DefaultAllocator, p.Type.ArrowType())
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if err := lake.AppendValue(b, p.Type, v); err != nil {
				b.Release()
				return nil, err
			}
		}
		fields = append(fields, col.Field())
		cols = append(cols, b.NewArray())
		b.Release()
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n)), nil
}

// opened counts the objects this process has opened for reading.
var opened atomic.Int64

// ObjectsOpened is the number of objects this process has opened for
// reading (footers and row groups alike): a figure for progress reports,
// and how tests show that pruned objects are never touched.
func ObjectsOpened() int64 { return opened.Load() }
