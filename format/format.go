// Package format is the registry of the file formats lakelink reads and
// writes. A format is a package of its own (io/parquetio Parquet,
// io/csvio CSV, io/ndjsonio newline-delimited JSON) that registers a
// Format from its init; the engine links the formats with one blank
// import each (pipeline/formats.go). The Beam transforms are shared:
// listing, Hive partitions and filters are the same for every format
// (sources.Read), and so is writing part files (sinks.WriteFiles). A
// format only says how one object's bytes become rows and back.
//
// Every registered format runs the conformance suite in
// testing/conformance (RunFormatTests, from format's own test), on every
// kind of location.
package format

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/objstore"
)

// Format is one file format.
type Format struct {
	// Name is how statements name it: WITH (format = 'csv').
	Name string
	// Extensions are the object name endings that mean this format when
	// a statement does not say (".csv"), lower case.
	Extensions []string
	// Options are the WITH options the format takes, each declared once:
	// the declaration validates values, fills defaults, suggests names
	// and documents them.
	Options []Option
	// Inspect describes one object: its columns as Read will deliver them,
	// the types a table created from it should have (nil: the same), and
	// roughly the bytes a row takes in memory.
	Inspect func(ctx context.Context, obj objstore.Object, s Settings) (Description, error)
	// Plan returns the splits of one object that the filter may match,
	// and what reading them will cover. A format without parts inside an
	// object returns one split.
	Plan func(ctx context.Context, obj objstore.Object, req PlanRequest) ([]Split, objstore.ReadStats, error)
	// Read reads one split into batches of at most sp.BatchRows rows. A
	// record it cannot make a row of (a ragged CSV line, invalid UTF-8)
	// goes to reject, naming object, line and column, and reading goes
	// on; the import's on_error decides what rejected rows do. An error
	// that ends the object (bad quoting that never closes, a record longer
	// than the limit, an unreadable object) is returned.
	Read func(ctx context.Context, sp Split, s Settings, emit func(lake.Batch) error, reject func(lake.RowError) error) error
	// ReadOptions and WriteOptions are the options that apply only when the
	// format is read (how many records suggest a table's types) or only
	// when it is written (Parquet's compression): Bind takes the first,
	// BindWrite the second, and each refuses the other's, saying why.
	ReadOptions, WriteOptions []Option
	// NewWriter encodes batches of the given schema into one object, with
	// settings from BindWrite. nil: the format is read, not written.
	NewWriter func(w io.Writer, schema lake.Schema, s Settings) (Writer, error)
	// ContentType is the media type of the objects it writes ("": left to
	// the bucket).
	ContentType string
}

// Description is what Inspect tells of one object.
type Description struct {
	// Schema is the columns as Read delivers them.
	Schema lake.Schema
	// Suggested are the types a table created from the object gets,
	// column by column (text formats read text and suggest what the
	// values look like); nil: Schema's own.
	Suggested []lake.Type
	// RowBytes is the in-memory size of a row, roughly (0: unknown).
	RowBytes int64
	// Unreadable says why no column can be read, when none can.
	Unreadable string
	// Vectors, when set, finds the list columns that hold embeddings (a
	// list of floats of one length in every row) and gives their
	// dimensions. It reads data, so it is asked only when an import
	// creates a table (COPY's detect_vectors).
	Vectors func(ctx context.Context) (map[string]int, error)
}

// PlanRequest is what Plan needs besides the object.
type PlanRequest struct {
	ObjectIndex int
	Columns     []string // the columns to read
	BatchRows   int
	Filter      *filter.Expr // nil: every row
	// Partitions are the object's Hive partition values.
	Partitions []objstore.PartitionValue
	Settings   Settings
}

// Split is one unit of reading: a row group of a Parquet object, or a
// whole object of a text format.
type Split struct {
	Object      objstore.Object `json:"object"`
	ObjectIndex int             `json:"object_index"`
	// RowGroup is the Parquet row group; -1 for text formats, whose rows
	// are numbered by line (lake.Origin.RowGroup < 0).
	RowGroup  int      `json:"row_group"`
	Columns   []string `json:"columns"` // columns read from the object
	BatchRows int      `json:"batch_rows"`
	Bytes     int64    `json:"bytes"` // the split's size in the object
	Rows      int64    `json:"rows"`  // and its rows, when known (0: not)
	// Partitions are appended to every batch as constant columns.
	Partitions []objstore.PartitionValue `json:"partitions,omitempty"`
}

// Writer writes batches into one object.
type Writer interface {
	Write(b lake.Batch) error
	// Close finishes the object; it does not close the underlying writer.
	Close() error
}

// Sizer is a Writer that knows the bytes its object has so far, those it
// still buffers included (Parquet's pages before a row group ends). A
// writer that is not one is measured by the bytes it has written.
type Sizer interface {
	Size() int64
}

// Aborter is a Writer that holds resources of its own (a temporary file)
// to give up when its object will not be finished.
type Aborter interface {
	Abort()
}

var (
	mu      sync.RWMutex
	formats = map[string]Format{}
)

// Register makes a format known. A duplicate name, or a format without
// Inspect, Plan and Read, panics: a programming error found at init.
func Register(f Format) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := formats[f.Name]; dup || f.Name == "" || f.Inspect == nil || f.Plan == nil || f.Read == nil {
		panic(fmt.Sprintf("format: %q registered twice, without a name, or without Inspect, Plan and Read", f.Name))
	}
	for _, o := range f.Options {
		if err := o.Validate(); err != nil {
			panic(fmt.Sprintf("format %s: %v", f.Name, err))
		}
	}
	formats[f.Name] = f
}

// Lookup returns the format of that name (in any case).
func Lookup(name string) (Format, error) {
	mu.RLock()
	defer mu.RUnlock()
	if f, ok := formats[strings.ToLower(name)]; ok {
		return f, nil
	}
	return Format{}, fmt.Errorf("format %q is not supported (%s)", name, strings.Join(namesLocked(), ", "))
}

// Names lists the registered formats, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	return namesLocked()
}

func namesLocked() []string {
	out := make([]string, 0, len(formats))
	for n := range formats {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// ForName picks a format by an object name's ending; "parquet" when none
// claims it.
func ForName(name string) string {
	name = strings.ToLower(name)
	if i := strings.IndexByte(name, '?'); i >= 0 && strings.Contains(name, "://") {
		name = name[:i]
	}
	mu.RLock()
	defer mu.RUnlock()
	for _, n := range namesLocked() {
		for _, ext := range formats[n].Extensions {
			if strings.HasSuffix(name, ext) {
				return n
			}
		}
	}
	return "parquet"
}

// Claims reports whether an object name ends in one of the format's
// extensions.
func (f Format) Claims(name string) bool {
	name = strings.ToLower(name)
	for _, ext := range f.Extensions {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// OptionNames lists every format's option names, sorted and without
// repeats: what a statement's options are checked against.
func OptionNames() []string {
	mu.RLock()
	defer mu.RUnlock()
	var out []string
	for _, f := range formats {
		opts, _ := f.AllOptions()
		for _, o := range opts {
			if !slices.Contains(out, o.Name) {
				out = append(out, o.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// DefaultBatchRows is the rows a batch holds when an import gives no
// batch size.
const DefaultBatchRows = 4096
