package ndjsonio

import (
	"bufio"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/lake"
)

// writer writes one JSON object a row, its keys in the schema's order:
// numbers and booleans as JSON's, vectors and arrays as arrays, JSONB as
// the JSON it holds, NULL as null, and the rest as strings as lake.Render
// writes them (timestamps in RFC 3339; a float that JSON cannot hold,
// NaN or infinite, as its name in a string).
type writer struct {
	w      *bufio.Writer
	schema lake.Schema
	keys   [][]byte
	buf    []byte
}

func newWriter(w io.Writer, schema lake.Schema, _ format.Settings) (format.Writer, error) {
	wr := &writer{w: bufio.NewWriterSize(w, 1<<20), schema: schema}
	for _, c := range schema.Columns {
		k, _ := json.Marshal(c.Name)
		wr.keys = append(wr.keys, append(k, ':'))
	}
	return wr, nil
}

func (w *writer) value(t lake.Type, v any) {
	b := w.buf
	switch x := v.(type) {
	case nil:
		b = append(b, "null"...)
	case bool:
		b = strconv.AppendBool(b, x)
	case int64:
		b = strconv.AppendInt(b, x, 10)
	case int32:
		b = strconv.AppendInt(b, int64(x), 10)
	case int16:
		b = strconv.AppendInt(b, int64(x), 10)
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			b = strconv.AppendQuote(b, lake.Render(x))
		} else {
			b = wholeFloat(strconv.AppendFloat(b, float64(x), 'g', -1, 32))
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b = strconv.AppendQuote(b, lake.Render(x))
		} else {
			b = wholeFloat(strconv.AppendFloat(b, x, 'g', -1, 64))
		}
	case []float32, []any:
		j, _ := json.Marshal(x)
		b = append(b, j...)
	case time.Time:
		j, _ := json.Marshal(lake.Render(x))
		b = append(b, j...)
	case string:
		if t.Kind == lake.KindJSONB && json.Valid([]byte(x)) {
			b = append(b, x...)
			break
		}
		j, _ := json.Marshal(x)
		b = append(b, j...)
	default:
		j, _ := json.Marshal(lake.Render(x))
		b = append(b, j...)
	}
	w.buf = b
}

// wholeFloat writes 2 as 2.0, so that a new table reads a float column
// back as a float; b ends with the number just appended.
func wholeFloat(b []byte) []byte {
	i := len(b) - 1
	for i >= 0 && (b[i] >= '0' && b[i] <= '9' || b[i] == '-') {
		i--
	}
	if i >= 0 && (b[i] == '.' || b[i] == 'e' || b[i] == 'E' || b[i] == '+') {
		return b
	}
	return append(b, '.', '0')
}

func (w *writer) Write(bt lake.Batch) error {
	cols := bt.Record.Columns()
	for r := 0; r < int(bt.Record.NumRows()); r++ {
		w.buf = append(w.buf[:0], '{')
		for i, a := range cols {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = append(w.buf, w.keys[i]...)
			w.value(w.schema.Columns[i].Type, lake.ValueAt(a, r))
		}
		w.buf = append(w.buf, '}', '\n')
		if _, err := w.w.Write(w.buf); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) Close() error { return w.w.Flush() }
