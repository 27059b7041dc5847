// Package csvio reads and writes CSV for lakelink: it registers the "csv"
// format (format.Register), so COPY reads .csv objects (or any, WITH
// (format = 'csv')) from every object store, and COPY ... TO writes them.
//
// Every column reads as TEXT; a table that COPY creates takes the types
// the values look like (format.Suggest over the first sample_rows
// records), only a type that holds every value unchanged: BIGINT, DOUBLE
// PRECISION, BOOLEAN, DATE, TIMESTAMP, UUID, JSONB for JSON objects,
// VECTOR(n), REAL[], DOUBLE[], BIGINT[], ... for JSON arrays
// (format.SuggestArray), else TEXT. An existing table's types rule
// instead, through the usual casts. Values are written and read by the
// rules of lake/text.go (NaN as a word, DATE as a day, arrays as JSON). A value that does not convert
// is a row error naming the object, its line and the column.
//
// Records are split by a reader of its own (record.go) with the
// delimiter, quote and escape the options give, counting lines. A record
// whose fields do not match the header, or that holds invalid UTF-8, is
// rejected with its line (and column); a quote that never closes, or a
// record longer than max_record_bytes, fails the object. An object is one
// split: it is read from start to end by one worker.
package csvio

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
)

func init() {
	format.Register(format.Format{
		Name:       "csv",
		Extensions: []string{".csv"},
		Options: []format.Option{
			{Name: "header", Kind: format.Bool, Default: true, Help: "the first record names the columns (else they are column1, column2, ...)"},
			{Name: "delimiter", Kind: format.Char, Default: ",", Help: "the character between fields (a tab is given as itself: there are no escapes in a quoted string)"},
			{Name: "quote", Kind: format.Char, Default: `"`, Help: "the character that quotes a field holding delimiters, quotes or line breaks"},
			{Name: "escape", Kind: format.Char, Default: `"`, Help: "the character before a quote inside a quoted field; equal to quote, a quote is doubled"},
			{Name: "null", Kind: format.String, Default: "", Help: "the unquoted text that is NULL (a quoted field is never NULL)"},
		},
		ReadOptions: format.TextOptions("records"),
		Inspect:     inspect,
		Plan:        format.WholeObject,
		Read:        read,
		NewWriter:   newWriter,
	})
}

// dialect is the bound options.
type dialect struct {
	header               bool
	delim, quote, escape byte
	null                 string
	sample               int
	maxBytes             int
}

func dialectOf(s format.Settings) (dialect, error) {
	d := dialect{header: s.Bool("header"), null: s.String("null"), sample: int(s.Int("sample_rows")), maxBytes: int(s.Int("max_record_bytes"))}
	for _, c := range []struct {
		name string
		to   *byte
	}{{"delimiter", &d.delim}, {"quote", &d.quote}, {"escape", &d.escape}} {
		v := s.String(c.name)
		if len(v) != 1 || v[0] >= utf8.RuneSelf || v[0] == '\n' || v[0] == '\r' {
			return d, fmt.Errorf("csv: %s must be one ASCII character other than a line break, not %q", c.name, v)
		}
		*c.to = v[0]
	}
	if d.delim == d.quote {
		return d, fmt.Errorf("csv: delimiter and quote are both %q", string(d.delim))
	}
	return d, nil
}

// object is an open CSV object: its reader and its column names.
type object struct {
	rr      *recordReader
	close   func() error
	columns []string
	d       dialect
}

func open(ctx context.Context, obj objstore.Object, s format.Settings) (*object, error) {
	d, err := dialectOf(s)
	if err != nil {
		return nil, err
	}
	rc, err := objstore.Open(ctx, obj)
	if err != nil {
		return nil, err
	}
	o := &object{close: rc.Close, d: d,
		rr: &recordReader{r: bufio.NewReaderSize(rc, 1<<20), delim: d.delim, quote: d.quote, escape: d.escape, maxBytes: d.maxBytes, line: 1, name: obj.Name}}
	if bom, _ := o.rr.r.Peek(3); string(bom) == "\xef\xbb\xbf" {
		o.rr.r.Discard(3)
	}
	if !d.header {
		return o, nil
	}
	_, bad, err := o.rr.next()
	if err == io.EOF {
		rc.Close()
		return nil, fmt.Errorf("object %s: empty: no header line", obj.Name)
	}
	if err == nil && bad != nil {
		err = fmt.Errorf("object %s: line 1 (the header): %w", obj.Name, bad)
	}
	if err != nil {
		rc.Close()
		return nil, err
	}
	seen := map[string]bool{}
	for i, name := range o.rr.fields {
		name = strings.TrimSpace(name)
		if !utf8.ValidString(name) {
			rc.Close()
			return nil, fmt.Errorf("object %s: line 1 (the header), field %d: invalid UTF-8", obj.Name, i+1)
		}
		if name == "" {
			name = "column" + strconv.Itoa(i+1)
		}
		if seen[strings.ToLower(name)] {
			rc.Close()
			return nil, fmt.Errorf("object %s: line 1 (the header): two columns named %q", obj.Name, name)
		}
		seen[strings.ToLower(name)] = true
		o.columns = append(o.columns, name)
	}
	return o, nil
}

// record reads the next record; its values (nil for NULL) in the order
// of the object's columns. rejected, when set, is why the record is not
// a row.
func (o *object) record() (line int64, values []*string, rejected *lake.RowError, err error) {
	line, bad, err := o.rr.next()
	if err != nil {
		return line, nil, nil, err
	}
	if o.columns == nil { // no header: the first record says how many
		for i := range o.rr.fields {
			o.columns = append(o.columns, "column"+strconv.Itoa(i+1))
		}
	}
	reject := func(column, value, reason string) (int64, []*string, *lake.RowError, error) {
		return line, nil, &lake.RowError{Object: o.rr.name, RowGroup: -1, Row: line, Column: column, Value: lake.Truncate(value), Reason: reason}, nil
	}
	if bad != nil {
		return reject("", "", bad.Error())
	}
	if len(o.rr.fields) != len(o.columns) {
		return reject("", "", fmt.Sprintf("%d fields where the header has %d", len(o.rr.fields), len(o.columns)))
	}
	values = make([]*string, len(o.columns))
	for i, f := range o.rr.fields {
		if !utf8.ValidString(f) {
			return reject(o.columns[i], strings.ToValidUTF8(f, "\uFFFD"), "invalid UTF-8")
		}
		if !o.rr.quoted[i] && f == o.d.null {
			continue
		}
		v := f
		values[i] = &v
	}
	return line, values, nil, nil
}

func inspect(ctx context.Context, obj objstore.Object, s format.Settings) (format.Description, error) {
	o, err := open(ctx, obj, s)
	if err != nil {
		return format.Description{}, err
	}
	defer o.close()
	var samples [][]string
	var bytes int64
	rows := 0
	for rows < o.d.sample {
		_, values, rejected, err := o.record()
		if err == io.EOF {
			break
		}
		if err != nil {
			return format.Description{}, err
		}
		if rejected != nil {
			continue
		}
		if samples == nil {
			samples = make([][]string, len(o.columns))
		}
		for i, v := range values {
			if v != nil {
				samples[i] = append(samples[i], *v)
				bytes += int64(len(*v))
			}
		}
		rows++
	}
	var d format.Description
	for i, name := range o.columns {
		d.Schema.Columns = append(d.Schema.Columns, lake.Column{Name: name, Type: lake.Text})
		var vals []string
		if i < len(samples) {
			vals = samples[i]
		}
		d.Suggested = append(d.Suggested, format.Suggest(vals))
	}
	if rows > 0 {
		d.RowBytes = bytes/int64(rows) + 16*int64(len(o.columns))
	}
	return d, nil
}

func read(ctx context.Context, sp format.Split, s format.Settings, emit func(lake.Batch) error, reject func(lake.RowError) error) error {
	o, err := open(ctx, sp.Object, s)
	if err != nil {
		return err
	}
	defer o.close()
	var pick []int // the object's column of each column read
	b := &format.TextBatcher{Object: sp.Object.Name, ObjectIndex: sp.ObjectIndex, Columns: sp.Columns, BatchRows: sp.BatchRows, Emit: emit}
	row := make([]*string, len(sp.Columns))
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, values, rejected, err := o.record()
		if err == io.EOF {
			return b.Flush()
		}
		if err != nil {
			return err
		}
		if pick == nil {
			if pick, err = columnsOf(sp, o.columns); err != nil {
				return err
			}
		}
		if rejected != nil {
			if err := reject(*rejected); err != nil {
				return err
			}
			continue
		}
		for i, c := range pick {
			row[i] = values[c]
		}
		if err := b.Add(line, row); err != nil {
			return err
		}
	}
}

// columnsOf finds the split's columns among the object's (by name, in any
// case).
func columnsOf(sp format.Split, columns []string) ([]int, error) {
	pick := make([]int, len(sp.Columns))
	for i, want := range sp.Columns {
		pick[i] = -1
		for j, c := range columns {
			if strings.EqualFold(c, want) {
				pick[i] = j
			}
		}
		if pick[i] < 0 {
			return nil, fmt.Errorf("object %s has no column %q (it has %s)", sp.Object.Name, want, strings.Join(columns, ", "))
		}
	}
	return pick, nil
}
