// Package ndjsonio reads and writes newline-delimited JSON (one object a
// line) for lakelink: it registers the "ndjson" format, so COPY reads
// .ndjson and .jsonl objects (or any, WITH (format = 'ndjson')) from every
// object store, and COPY ... TO writes them.
//
// A line's keys are its columns; a key missing from a line is NULL, a key
// the import does not read is ignored. Every column reads as text (a
// string as it is, anything else as its JSON), and a table that COPY
// creates takes the types the JSON values have across the first
// sample_rows lines: whole numbers BIGINT, other numbers DOUBLE
// PRECISION (the strings "NaN", "Infinity" and "-Infinity" among them),
// true/false BOOLEAN, arrays by their elements (format.SuggestArray:
// VECTOR(n), REAL[], BIGINT[], TEXT[], ...), objects JSONB, strings DATE,
// TIMESTAMP or UUID when they all read so, else TEXT.
//
// A line that is not a JSON object, or holds invalid UTF-8, is rejected
// with its line number; a line longer than max_record_bytes fails the
// object. An object is one split.
package ndjsonio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
)

func init() {
	format.Register(format.Format{
		Name:        "ndjson",
		Extensions:  []string{".ndjson", ".jsonl", ".ldjson"},
		ReadOptions: format.TextOptions("lines"),
		Inspect:     inspect,
		Plan:        format.WholeObject,
		Read:        read,
		NewWriter:   newWriter,
	})
}

// lines reads an object line by line, refusing lines longer than max.
type lines struct {
	r    *bufio.Reader
	max  int
	line int64 // the line last read, from 1
	buf  []byte
	name string
}

// next returns the next line without its line break, or io.EOF.
func (l *lines) next() ([]byte, error) {
	l.buf = l.buf[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		l.buf = append(l.buf, chunk...)
		if len(l.buf) > l.max {
			return nil, fmt.Errorf("object %s: line %d: longer than %d bytes (max_record_bytes)", l.name, l.line+1, l.max)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && len(l.buf) > 0 {
			err = nil
		}
		if err != nil {
			if err != io.EOF {
				err = fmt.Errorf("object %s: line %d: %w", l.name, l.line+1, err)
			}
			return nil, err
		}
		l.line++
		return bytes.TrimRight(l.buf, "\r\n"), nil
	}
}

// field is one key's value: its text (nil for null) and its JSON kind.
type field struct {
	text *string
	kind byte // 's' string, 'n' number, 'b' bool, 'a' array, 'o' object, 0 null
	raw  json.RawMessage
}

// jsonError words a decoding error for a line.
func jsonError(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "invalid JSON: the line ends inside the object"
	}
	return "invalid JSON: " + err.Error()
}

// parse reads one line's object, keys in order; reason says why a line is
// not a row.
func parse(line []byte) (keys []string, fields []field, reason string) {
	if !utf8.Valid(line) {
		return nil, nil, "invalid UTF-8"
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, "not a JSON object"
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, jsonError(err)
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, jsonError(err)
		}
		f := field{raw: raw}
		switch raw[0] {
		case 'n':
		case '"':
			var s string
			json.Unmarshal(raw, &s)
			f.text, f.kind = &s, 's'
		case 't', 'f':
			s := string(raw)
			f.text, f.kind = &s, 'b'
		case '[', '{':
			var b bytes.Buffer
			json.Compact(&b, raw)
			s := b.String()
			f.text, f.kind = &s, raw[0]
			if raw[0] == '[' {
				f.kind = 'a'
			} else {
				f.kind = 'o'
			}
		default:
			s := string(raw)
			f.text, f.kind = &s, 'n'
		}
		if i := indexFold(keys, key); i >= 0 { // a repeated key: the last wins
			fields[i] = f
			continue
		}
		keys, fields = append(keys, key), append(fields, f)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, jsonError(err)
	}
	if dec.More() {
		return nil, nil, "text after the object"
	}
	return keys, fields, ""
}

func indexFold(names []string, name string) int {
	for i, n := range names {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

func open(ctx context.Context, obj objstore.Object, s format.Settings) (*lines, func() error, error) {
	rc, err := objstore.Open(ctx, obj)
	if err != nil {
		return nil, nil, err
	}
	return &lines{r: bufio.NewReaderSize(rc, 1<<20), max: int(s.Int("max_record_bytes")), name: obj.Name}, rc.Close, nil
}

func inspect(ctx context.Context, obj objstore.Object, s format.Settings) (format.Description, error) {
	l, done, err := open(ctx, obj, s)
	if err != nil {
		return format.Description{}, err
	}
	defer done()
	var names []string
	var samples [][]field
	var bytesRead int64
	rows := 0
	for rows < int(s.Int("sample_rows")) {
		line, err := l.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return format.Description{}, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		keys, fields, reason := parse(line)
		if reason != "" {
			continue
		}
		for i, k := range keys {
			j := indexFold(names, k)
			if j < 0 {
				names, samples = append(names, k), append(samples, nil)
				j = len(names) - 1
			}
			if fields[i].text != nil {
				samples[j] = append(samples[j], fields[i])
			}
		}
		bytesRead += int64(len(line))
		rows++
	}
	if len(names) == 0 {
		return format.Description{Unreadable: "no line holds a JSON object with keys"}, nil
	}
	var d format.Description
	for i, n := range names {
		d.Schema.Columns = append(d.Schema.Columns, lake.Column{Name: n, Type: lake.Text})
		d.Suggested = append(d.Suggested, suggest(samples[i]))
	}
	d.RowBytes = bytesRead/int64(max(rows, 1)) + 16*int64(len(names))
	return d, nil
}

// suggest types a column by the JSON kinds of its values. The strings
// "NaN", "Infinity" and "-Infinity" among numbers are numbers: they are
// how the writer carries a float that JSON cannot.
func suggest(vals []field) lake.Type {
	if len(vals) == 0 {
		return lake.Text
	}
	kindOf := func(v field) byte {
		if _, ok := lake.NonFinite(*v.text); ok && v.kind == 's' {
			return 'n'
		}
		return v.kind
	}
	kind := kindOf(vals[0])
	texts := make([]string, len(vals))
	for i, v := range vals {
		if kindOf(v) != kind {
			return lake.Text
		}
		texts[i] = *v.text
	}
	switch kind {
	case 'n':
		if t := format.Suggest(texts); t.Kind == lake.KindBigInt || t.Kind == lake.KindDouble {
			return t
		}
	case 'a':
		if t := format.SuggestArray(texts); t.Kind != lake.KindText {
			return t
		}
		return lake.JSONB
	case 'b':
		return lake.Boolean
	case 'o':
		return lake.JSONB
	case 's':
		if t := format.Suggest(texts); t.Kind == lake.KindDate || t.Kind == lake.KindTimestamp || t.Kind == lake.KindUUID {
			return t
		}
	}
	return lake.Text
}

func read(ctx context.Context, sp format.Split, s format.Settings, emit func(lake.Batch) error, reject func(lake.RowError) error) error {
	l, done, err := open(ctx, sp.Object, s)
	if err != nil {
		return err
	}
	defer done()
	b := &format.TextBatcher{Object: sp.Object.Name, ObjectIndex: sp.ObjectIndex, Columns: sp.Columns, BatchRows: sp.BatchRows, Emit: emit}
	row := make([]*string, len(sp.Columns))
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, err := l.next()
		if err == io.EOF {
			return b.Flush()
		}
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		keys, fields, reason := parse(line)
		if reason != "" {
			value := string(line)
			if !utf8.ValidString(value) {
				value = strings.ToValidUTF8(value, "\uFFFD")
			}
			if err := reject(lake.RowError{Object: sp.Object.Name, RowGroup: -1, Row: l.line, Value: lake.Truncate(value), Reason: reason}); err != nil {
				return err
			}
			continue
		}
		for i, c := range sp.Columns {
			row[i] = nil
			if j := indexFold(keys, c); j >= 0 {
				row[i] = fields[j].text
			}
		}
		if err := b.Add(l.line, row); err != nil {
			return err
		}
	}
}
