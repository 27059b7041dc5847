package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/lake"
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

// text renders a value as lake.Render does (vectors and arrays as JSON
// arrays), with null for NULL: empty in csv, NULL in tables.
func text(v any, null string) string {
	if v == nil {
		return null
	}
	if t, ok := v.(time.Time); ok {
		return t.Format(time.RFC3339Nano) // full timestamps, even at midnight
	}
	return lake.Render(v)
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case uuid.UUID:
		return x.String()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	}
	return v
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
				v, err := json.Marshal(jsonValue(f.Value))
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
				values = append(values, text(f.Value, ""))
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
				rec[i] = text(v, "")
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
				obj[r.Columns[i]] = jsonValue(v)
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
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			s := text(v, "NULL")
			if len(s) > 80 {
				s = s[:77] + "..."
			}
			cells[i] = strings.ReplaceAll(s, "\t", " ")
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if r.Plan != "" {
		fmt.Fprintf(tw, "(%d rows; %s)\n", len(r.Rows), r.Plan)
	} else {
		fmt.Fprintf(tw, "(%d rows)\n", len(r.Rows))
	}
	return tw.Flush()
}
