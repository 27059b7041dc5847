package objstore

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

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
	var t partitionTyper
	for _, v := range values {
		t.add(v)
	}
	return t.typ()
}

// partitionTyper is PartitionType over a stream of values.
type partitionTyper struct{ notInt, notDate bool }

func (t *partitionTyper) add(v string) {
	if v == hiveNull {
		return
	}
	if !t.notInt {
		_, err := strconv.ParseInt(v, 10, 64)
		t.notInt = err != nil
	}
	if !t.notDate {
		_, err := time.Parse("2006-01-02", v)
		t.notDate = err != nil
	}
}

func (t partitionTyper) typ() lake.Type {
	switch {
	case !t.notInt:
		return lake.BigInt
	case !t.notDate:
		return lake.Date
	}
	return lake.Text
}

// InferPartitions types the partition columns from the keys of every
// object the patterns match (PartitionType), streaming the listing, and
// counts the objects. An object without one of the columns is an error
// naming it.
func InferPartitions(ctx context.Context, pats []Pattern, columns []string) ([]lake.Column, int, error) {
	typers := make([]partitionTyper, len(columns))
	n := 0
	err := List(ctx, pats, func(o Object) error {
		vals, err := PartitionValues(o, columns)
		if err != nil {
			return err
		}
		for i, c := range columns {
			typers[i].add(vals[c])
		}
		n++
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]lake.Column, len(columns))
	for i, c := range columns {
		out[i] = lake.Column{Name: c, Type: typers[i].typ()}
	}
	return out, n, nil
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
