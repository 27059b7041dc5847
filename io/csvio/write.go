package csvio

import (
	"bufio"
	"bytes"
	"io"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/lake"
)

// writer writes batches as CSV: a header line (with header = true), then
// one line a row. A field is quoted when it holds the delimiter, the
// quote, the escape or a line break, has spaces at its ends, or reads as
// the null text; NULL is the null text unquoted. Values are written as
// lake.FormatText writes them: vectors and arrays as JSON (NaN and the
// infinities as strings inside), TIMESTAMP as RFC 3339 with its time,
// DATE as 2006-01-02, floats in their shortest exact form with ".0" when
// whole, NaN, Infinity and -Infinity by name.
type writer struct {
	w      *bufio.Writer
	d      dialect
	schema lake.Schema
	header bool
}

func newWriter(w io.Writer, schema lake.Schema, s format.Settings) (format.Writer, error) {
	d, err := dialectOf(s)
	if err != nil {
		return nil, err
	}
	return &writer{w: bufio.NewWriterSize(w, 1<<20), d: d, schema: schema, header: d.header}, nil
}

func (w *writer) field(v string, null bool) {
	if null {
		w.w.WriteString(w.d.null)
		return
	}
	needs := v == w.d.null || len(v) > 0 && (v[0] == ' ' || v[len(v)-1] == ' ') ||
		bytes.ContainsAny([]byte(v), string([]byte{w.d.delim, w.d.quote, w.d.escape, '\n', '\r'}))
	if !needs {
		w.w.WriteString(v)
		return
	}
	w.w.WriteByte(w.d.quote)
	for i := 0; i < len(v); i++ {
		if v[i] == w.d.quote || v[i] == w.d.escape && w.d.escape != w.d.quote {
			w.w.WriteByte(w.d.escape)
		}
		w.w.WriteByte(v[i])
	}
	w.w.WriteByte(w.d.quote)
}

func (w *writer) writeHeader() {
	if !w.header {
		return
	}
	for i, c := range w.schema.Columns {
		if i > 0 {
			w.w.WriteByte(w.d.delim)
		}
		w.field(c.Name, false)
	}
	w.w.WriteByte('\n')
	w.header = false
}

func (w *writer) Write(b lake.Batch) error {
	w.writeHeader()
	cols := b.Record.Columns()
	for r := 0; r < int(b.Record.NumRows()); r++ {
		for i, a := range cols {
			if i > 0 {
				w.w.WriteByte(w.d.delim)
			}
			text, ok := lake.FormatText(w.schema.Columns[i].Type, lake.ValueAt(a, r))
			w.field(text, !ok)
		}
		if err := w.w.WriteByte('\n'); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) Close() error {
	w.writeHeader() // an object without rows still names its columns
	return w.w.Flush()
}
