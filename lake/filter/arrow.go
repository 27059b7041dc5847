package filter

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Runs evaluates e on every row of rec and returns the runs of rows for
// which it is true, as half-open [start, end) pairs in row order.
func (e Expr) Runs(rec arrow.RecordBatch) ([][2]int, error) {
	getters := map[string]func(int) (Value, bool){}
	for _, c := range e.Columns() {
		idx := rec.Schema().FieldIndices(c)
		if len(idx) == 0 {
			return nil, fmt.Errorf("filter: no column %q in the batch", c)
		}
		g, err := getter(rec.Column(idx[0]))
		if err != nil {
			return nil, fmt.Errorf("filter: column %q: %w", c, err)
		}
		getters[c] = g
	}
	var runs [][2]int
	n := int(rec.NumRows())
	var row int
	get := func(c string) (Value, bool) { return getters[c](row) }
	for row = 0; row < n; row++ {
		if e.Eval(get) != True {
			continue
		}
		if k := len(runs); k > 0 && runs[k-1][1] == row {
			runs[k-1][1] = row + 1
		} else {
			runs = append(runs, [2]int{row, row + 1})
		}
	}
	return runs, nil
}

// getter reads row i of an array as a Value; false for NULL.
func getter(a arrow.Array) (func(int) (Value, bool), error) {
	valid := func(i int) bool { return a.IsValid(i) }
	switch x := a.(type) {
	case *array.Int8:
		return func(i int) (Value, bool) { return Int(int64(x.Value(i))), valid(i) }, nil
	case *array.Int16:
		return func(i int) (Value, bool) { return Int(int64(x.Value(i))), valid(i) }, nil
	case *array.Int32:
		return func(i int) (Value, bool) { return Int(int64(x.Value(i))), valid(i) }, nil
	case *array.Int64:
		return func(i int) (Value, bool) { return Int(x.Value(i)), valid(i) }, nil
	case *array.Float32:
		return func(i int) (Value, bool) { return Float(float64(x.Value(i))), valid(i) }, nil
	case *array.Float64:
		return func(i int) (Value, bool) { return Float(x.Value(i)), valid(i) }, nil
	case *array.Boolean:
		return func(i int) (Value, bool) { return Bool(x.Value(i)), valid(i) }, nil
	case *array.String:
		return func(i int) (Value, bool) { return Text(x.Value(i)), valid(i) }, nil
	case *array.LargeString:
		return func(i int) (Value, bool) { return Text(x.Value(i)), valid(i) }, nil
	case *array.Date32:
		return func(i int) (Value, bool) { return micros(int64(x.Value(i)) * 86400e6), valid(i) }, nil
	case *array.Timestamp:
		unit := x.DataType().(*arrow.TimestampType).Unit
		return func(i int) (Value, bool) { return micros(toMicros(int64(x.Value(i)), unit)), valid(i) }, nil
	}
	return nil, fmt.Errorf("cannot filter on %s values", a.DataType())
}

func toMicros(v int64, unit arrow.TimeUnit) int64 {
	switch unit {
	case arrow.Second:
		return v * 1e6
	case arrow.Millisecond:
		return v * 1e3
	case arrow.Nanosecond:
		return v / 1e3
	}
	return v
}
