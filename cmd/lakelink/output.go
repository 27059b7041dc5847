package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/vectorops"
)

type writer struct {
	format string
	w      io.Writer
}

func newWriter(format string, w io.Writer) (*writer, error) {
	switch format {
	case "table", "csv", "json":
		return &writer{format, w}, nil
	}
	return nil, fmt.Errorf("unknown format %q (table, csv, json)", format)
}

// text renders a value of type t as lake.Render does (vectors and arrays
// as JSON arrays; NaN, Infinity and -Infinity by name), with null for
// NULL: empty in csv, NULL in tables. A DATE is its day; a TIMESTAMP, or
// a time of unknown type, is RFC 3339 with its time, even at midnight.
func text(t lake.Type, v any, null string) string {
	if v == nil {
		return null
	}
	if x, ok := v.(time.Time); ok {
		return lake.FormatTime(t, x)
	}
	if x, ok := v.([]any); ok && (t.Elem == lake.KindDate || t.Elem == lake.KindTimestamp) {
		return string(lake.AppendJSON(nil, t, x))
	}
	return lake.Render(v)
}

// jsonValue is a value of type t as JSON output carries it: times as
// text() writes them, UUIDs as strings, and floats JSON cannot hold
// (NaN, Infinity, -Infinity) as those strings, also inside vectors and
// arrays.
func jsonValue(t lake.Type, v any) any {
	switch x := v.(type) {
	case time.Time:
		return lake.FormatTime(t, x)
	case uuid.UUID:
		return x.String()
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return lake.Render(x)
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return lake.Render(x)
		}
	case []float32:
		if !vectorops.Finite(x) {
			return json.RawMessage(lake.Render(x))
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(t.ElemType(), e)
		}
		return out
	}
	return v
}

// typeOf is column i's type in r, when r says.
func typeOf(r engine.Result, i int) lake.Type {
	if i < len(r.Types) {
		return r.Types[i]
	}
	return lake.Type{}
}

func (w *writer) write(r engine.Result) error {
	if r.Columns == nil {
		// A statement other than a query: its fields (statement, job,
		// table, commit, rows, ...) and its message, as one record.
		fields := append(slices.Clip(r.Fields), engine.Field{Name: "message", Value: r.Message})
		switch w.format {
		case "json":
			var b strings.Builder
			b.WriteByte('{')
			for _, f := range fields {
				k, _ := json.Marshal(f.Name)
				v, err := json.Marshal(jsonValue(lake.Type{}, f.Value))
				if err != nil {
					return err
				}
				if b.Len() > 1 {
					b.WriteByte(',')
				}
				b.Write(k)
				b.WriteByte(':')
				b.Write(v)
			}
			b.WriteString("}\n")
			_, err := io.WriteString(w.w, b.String())
			return err
		case "csv":
			cw := csv.NewWriter(w.w)
			var names, values []string
			for _, f := range fields {
				names = append(names, f.Name)
				values = append(values, text(lake.Type{}, f.Value, ""))
			}
			_ = cw.Write(names)
			_ = cw.Write(values)
			cw.Flush()
			return cw.Error()
		}
		_, err := fmt.Fprintln(w.w, r.Message)
		return err
	}
	switch w.format {
	case "csv":
		cw := csv.NewWriter(w.w)
		_ = cw.Write(r.Columns)
		for _, row := range r.Rows {
			rec := make([]string, len(row))
			for i, v := range row {
				rec[i] = text(typeOf(r, i), v, "")
			}
			_ = cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	case "json":
		// One document per statement, on one line, so that a script of many
		// queries reads back as one document per line.
		rows := make([]map[string]any, len(r.Rows))
		for k, row := range r.Rows {
			obj := make(map[string]any, len(row))
			for i, v := range row {
				obj[r.Columns[i]] = jsonValue(typeOf(r, i), v)
			}
			rows[k] = obj
		}
		doc := map[string]any{"columns": r.Columns, "rows": rows}
		if r.Plan != "" {
			doc["plan"] = r.Plan
		}
		return json.NewEncoder(w.w).Encode(doc)
	}
	tw := tabwriter.NewWriter(w.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(r.Columns, "\t"))
	cut := false
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			var c bool
			cells[i], c = tableCell(text(typeOf(r, i), v, "NULL"))
			cut = cut || c
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	foot := fmt.Sprintf("%d rows", len(r.Rows))
	if len(r.Rows) == 1 {
		foot = "1 row"
	}
	if r.Plan != "" {
		foot += "; " + r.Plan
	}
	if cut {
		foot += fmt.Sprintf("; values past %d characters cut: --format csv or json prints them whole", cellChars)
	}
	fmt.Fprintf(tw, "(%s)\n", foot)
	return tw.Flush()
}

// cellChars is the most characters of a value a table cell shows.
const cellChars = 80

// tableCell is a value as one table cell: on one line (a line break shows
// as ↵, a tab as a space), at most cellChars characters (cut is true when
// it was cut, with "..." at its end).
func tableCell(s string) (cell string, cut bool) {
	s = strings.NewReplacer("\r\n", "↵", "\n", "↵", "\r", "↵", "\t", " ").Replace(s)
	if utf8.RuneCountInString(s) <= cellChars {
		return s, false
	}
	r := []rune(s)
	return string(r[:cellChars-3]) + "...", true
}
