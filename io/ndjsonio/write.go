package ndjsonio

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/lake"
)

// writer writes one JSON object a row, its keys in the schema's order,
// each value as lake.AppendJSON writes it: numbers and booleans as JSON's
// (a whole float with ".0"; NaN, Infinity and -Infinity as those
// strings), vectors and arrays as arrays, JSONB as the JSON it holds,
// NULL as null, times and UUIDs as strings (DATE as 2006-01-02).
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

func (w *writer) Write(bt lake.Batch) error {
	cols := bt.Record.Columns()
	for r := 0; r < int(bt.Record.NumRows()); r++ {
		w.buf = append(w.buf[:0], '{')
		for i, a := range cols {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = append(w.buf, w.keys[i]...)
			w.buf = lake.AppendJSON(w.buf, w.schema.Columns[i].Type, lake.ValueAt(a, r))
		}
		w.buf = append(w.buf, '}', '\n')
		if _, err := w.w.Write(w.buf); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) Close() error { return w.w.Flush() }
