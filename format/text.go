package format

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
)

// Text formats (CSV, NDJSON) read every column as TEXT and suggest the
// types a new table should take from what the values look like; the
// mapping's casts then convert the text, and a value that does not
// convert is a row error naming its line and column. Their batches
// number rows by line (lake.Origin.RowGroup < 0).

// WholeObject is the Plan of a format that reads an object from start to
// end: one split, RowGroup -1 (rows numbered by line).
func WholeObject(_ context.Context, obj objstore.Object, req PlanRequest) ([]Split, objstore.ReadStats, error) {
	sp := Split{Object: obj, ObjectIndex: req.ObjectIndex, RowGroup: -1, Columns: req.Columns, BatchRows: req.BatchRows,
		Bytes: obj.Size, Partitions: req.Partitions}
	return []Split{sp}, objstore.ReadStats{Index: req.ObjectIndex, Object: obj.Name, Objects: 1, Bytes: obj.Size, RowGroups: 1}, nil
}

// TextOptions are the options every text format takes: how many records
// suggest a new table's types, and the longest record read (what of
// lines: "records", "lines").
func TextOptions(what string) []Option {
	return []Option{
		{Name: "sample_rows", Kind: Int, Default: int64(1000), Min: 1, Max: 1 << 20, Help: what + " read to suggest the types of a table COPY creates"},
		{Name: "max_record_bytes", Kind: Int, Default: int64(16 << 20), Min: 1 << 10, Max: 1 << 30, Help: "the longest of the " + what + " read; a longer one fails the object"},
	}
}

// TextBatcher collects text records into batches of TEXT columns whose
// rows sit on consecutive lines, and hands each full batch to emit.
type TextBatcher struct {
	Object      string
	ObjectIndex int
	Columns     []string // the columns a batch holds, in order
	BatchRows   int
	Emit        func(lake.Batch) error

	builders []*array.StringBuilder
	first    int64 // line of the batch's first row
	next     int64 // the line a row must be on to join the batch
	rows     int
}

// Add appends a record that sits on line; values[i] is column i's value,
// nil for NULL. A record that does not sit on the line after the last
// one starts a new batch.
func (t *TextBatcher) Add(line int64, values []*string) error {
	if t.rows > 0 && (line != t.next || t.rows >= max(t.BatchRows, 1)) {
		if err := t.Flush(); err != nil {
			return err
		}
	}
	if t.builders == nil {
		t.builders = make([]*array.StringBuilder, len(t.Columns))
		for i := range t.builders {
			t.builders[i] = array.NewStringBuilder(memory.DefaultAllocator)
		}
	}
	if t.rows == 0 {
		t.first = line
	}
	for i, b := range t.builders {
		if v := values[i]; v != nil {
			b.Append(*v)
		} else {
			b.AppendNull()
		}
	}
	t.rows++
	t.next = line + 1
	return nil
}

// Flush emits the rows collected so far as one batch.
func (t *TextBatcher) Flush() error {
	if t.rows == 0 {
		return nil
	}
	fields := make([]arrow.Field, len(t.Columns))
	cols := make([]arrow.Array, len(t.Columns))
	for i, name := range t.Columns {
		fields[i] = lake.Column{Name: name, Type: lake.Text}.Field()
		cols[i] = t.builders[i].NewArray()
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(t.rows))
	for _, c := range cols {
		c.Release()
	}
	t.rows = 0
	return t.Emit(lake.Batch{Origin: lake.Origin{Object: t.Object, ObjectIndex: t.ObjectIndex, RowGroup: -1, FirstRow: t.first}, Record: rec})
}

var (
	intText  = regexp.MustCompile(`^[-+]?[0-9]+$`)
	dateText = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	timeText = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}`)
	uuidText = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// Suggest is the type that every one of values (NULLs left out) can be
// read as without a change of value: BIGINT (whole numbers that fit),
// DOUBLE PRECISION (numbers, among them NaN, Infinity and -Infinity
// beside at least one number; a whole number only where a float64 holds
// it exactly), BOOLEAN, DATE, TIMESTAMP, UUID, JSONB for JSON objects, a
// type for JSON arrays (SuggestArray), else TEXT (also when all are
// NULL, and for whole numbers beyond BIGINT).
func Suggest(values []string) lake.Type {
	if len(values) == 0 {
		return lake.Text
	}
	all := func(ok func(string) bool) bool {
		for _, v := range values {
			if !ok(v) {
				return false
			}
		}
		return true
	}
	numbers := 0
	switch {
	case all(func(v string) bool {
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil && intText.MatchString(v)
	}):
		return lake.BigInt
	case all(func(v string) bool {
		if _, ok := lake.NonFinite(v); ok {
			return true
		}
		if _, err := lake.ParseFloatText(v, 64); err != nil || v != strings.TrimSpace(v) {
			return false
		}
		numbers++
		return true
	}) && numbers > 0:
		return lake.Double
	case all(func(v string) bool { return strings.EqualFold(v, "true") || strings.EqualFold(v, "false") }):
		return lake.Boolean
	case all(func(v string) bool { _, err := lake.ParseTime(v); return err == nil && dateText.MatchString(v) }):
		return lake.Date
	case all(func(v string) bool {
		_, err := lake.ParseTime(v)
		return err == nil && (timeText.MatchString(v) || dateText.MatchString(v))
	}):
		return lake.Timestamp // dates among times: a midnight written as its day
	case all(uuidText.MatchString):
		return lake.UUID
	case all(func(v string) bool { return strings.HasPrefix(strings.TrimSpace(v), "{") && json.Valid([]byte(v)) }):
		return lake.JSONB
	case all(func(v string) bool { return strings.HasPrefix(strings.TrimSpace(v), "[") }):
		return SuggestArray(values)
	}
	return lake.Text
}

// SuggestArray is the type of a column whose values are the text of JSON
// arrays, by their elements (NULL elements and NULL values left out):
//
//   - whole numbers that fit: BIGINT[];
//   - numbers (NaN, Infinity, -Infinity among them) of which some have a
//     fraction or an exponent: VECTOR(n) when every array has the same
//     length n > 0, no NULL element, no NaN or infinity, and every number
//     reads back the same through a float32 (lake.FaithfulFloat32); else
//     REAL[] when every number does, else DOUBLE[];
//   - booleans: BOOLEAN[]; strings: DATE[], TIMESTAMP[] or UUID[] when
//     every one reads so, else TEXT[]; objects: JSONB[];
//
// and TEXT when the values are not all arrays, or mix these kinds.
func SuggestArray(values []string) lake.Type {
	var kind byte
	dim, sameLen := -1, true
	var nullElem, nonFinite, fraction, unfaithful, tooBig bool
	var strs []string
	for _, v := range values {
		elems, err := lake.ParseTextArray(v)
		if err != nil {
			return lake.Text
		}
		if dim >= 0 && len(elems) != dim {
			sameLen = false
		}
		dim = len(elems)
		for _, e := range elems {
			k := e.Kind
			if k == 0 {
				nullElem = true
				continue
			}
			if k == 's' {
				if _, ok := lake.NonFinite(e.Text); ok && kind != 's' {
					nonFinite, k = true, 'n'
				}
			}
			if kind != 0 && k != kind {
				return lake.Text
			}
			kind = k
			switch k {
			case 'n':
				if _, ok := lake.NonFinite(e.Text); ok {
					nonFinite = true
					continue
				}
				if lake.IsIntegerText(e.Text) {
					if _, err := strconv.ParseInt(e.Text, 10, 64); err != nil {
						tooBig = true
					}
				} else {
					fraction = true
				}
				unfaithful = unfaithful || !lake.FaithfulFloat32(e.Text)
			case 's':
				strs = append(strs, e.Text)
			}
		}
	}
	switch kind {
	case 'n':
		switch {
		case tooBig:
			return lake.Text
		case !fraction && !nonFinite:
			return lake.ArrayOf(lake.BigInt)
		case sameLen && dim > 0 && !nullElem && !nonFinite && !unfaithful:
			return lake.Vector(dim)
		case !unfaithful:
			return lake.ArrayOf(lake.Real)
		}
		return lake.ArrayOf(lake.Double)
	case 'b':
		return lake.ArrayOf(lake.Boolean)
	case 'j':
		return lake.ArrayOf(lake.JSONB)
	case 's':
		if t := Suggest(strs); t.Kind == lake.KindDate || t.Kind == lake.KindTimestamp || t.Kind == lake.KindUUID {
			return lake.ArrayOf(t)
		}
	}
	return lake.ArrayOf(lake.Text) // strings, or only empty arrays and NULL elements
}
