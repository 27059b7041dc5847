package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/pipeline"
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

// text renders a value: vectors and arrays as JSON arrays, NULL as empty in
// csv and as NULL in tables.
func text(v any, null string) string {
	switch x := v.(type) {
	case nil:
		return null
	case string:
		return x
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case uuid.UUID:
		return x.String()
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []float32, []any:
		b, _ := json.Marshal(jsonValue(x))
		return string(b)
	}
	return fmt.Sprint(v)
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

func (w *writer) write(r pipeline.Result) error {
	if r.Columns == nil {
		if w.format == "json" {
			b, _ := json.Marshal(map[string]string{"message": r.Message})
			_, err := fmt.Fprintln(w.w, string(b))
			return err
		}
		if w.format == "csv" {
			return nil
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
		enc := json.NewEncoder(w.w)
		for _, row := range r.Rows {
			obj := make(map[string]any, len(row))
			for i, v := range row {
				obj[r.Columns[i]] = jsonValue(v)
			}
			if err := enc.Encode(obj); err != nil {
				return err
			}
		}
		return nil
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
	fmt.Fprintf(tw, "(%d rows)\n", len(r.Rows))
	return tw.Flush()
}
