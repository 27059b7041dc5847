package transforms

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/lake"
)

// matrixTypes are the source and target types of the cast matrix, in the
// order of the cast table in docs/statements.md.
var matrixTypes = []string{"SMALLINT", "INT", "BIGINT", "REAL", "DOUBLE", "BOOLEAN", "TEXT", "TIMESTAMP", "DATE", "UUID", "JSONB", "VECTOR(2)", "REAL[]"}

// castGrid is which casts exist: row = source, column = target, in
// matrixTypes order. It is the cast table of docs/statements.md; a change to CanCast
// must change both.
const castGrid = `
SMALLINT  YYYYYYY..Y...
INT       YYYYYYY..Y...
BIGINT    YYYYYYY..Y...
REAL      YYYYYYY......
DOUBLE    YYYYYYY......
BOOLEAN   YYYYYYY......
TEXT      YYYYYYYYYYYYY
TIMESTAMP ......YYY....
DATE      ......YYY....
UUID      ......Y..Y...
JSONB     ......Y...Y..
VECTOR(2) ......Y....YY
REAL[]    ...........YY`

func TestCastGrid(t *testing.T) {
	var got strings.Builder
	for _, f := range matrixTypes {
		from, _ := lake.ParseType(f)
		fmt.Fprintf(&got, "\n%-9s ", f)
		for _, tt := range matrixTypes {
			to, _ := lake.ParseType(tt)
			got.WriteString(map[bool]string{true: "Y", false: "."}[CanCast(from, to)])
		}
	}
	if got.String() != castGrid {
		t.Errorf("CanCast grid:%s\nwant:%s", got.String(), castGrid)
	}
}

// cell is one case of the matrix: a source value and the rendered result,
// or "error: <reason>".
type cell struct {
	in   any
	want string
}

var (
	ts  = time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)
	day = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	uid = uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
)

// matrixCells lists, for every allowed cast, a value that converts and,
// where a value of the source type can fail, one that does, with why.
var matrixCells = map[string][]cell{
	// Integers to integers: range checks.
	"SMALLINT>SMALLINT": {{int64(-7), "-7"}}, "SMALLINT>INT": {{int64(7), "7"}}, "SMALLINT>BIGINT": {{int64(7), "7"}},
	"INT>SMALLINT": {{int64(7), "7"}, {int64(40000), "error: 40000 is out of range for SMALLINT"}},
	"INT>INT":      {{int64(-7), "-7"}}, "INT>BIGINT": {{int64(7), "7"}},
	"BIGINT>SMALLINT": {{int64(7), "7"}, {int64(-40000), "error: out of range for SMALLINT"}},
	"BIGINT>INT":      {{int64(7), "7"}, {int64(3_000_000_000), "error: 3000000000 is out of range for INT"}},
	"BIGINT>BIGINT":   {{int64(1 << 62), "4611686018427387904"}},
	// Integers to floats and booleans, text and UUID.
	"SMALLINT>REAL": {{int64(3), "3"}}, "SMALLINT>DOUBLE": {{int64(3), "3"}},
	"INT>REAL": {{int64(3), "3"}}, "INT>DOUBLE": {{int64(3), "3"}},
	"BIGINT>REAL":      {{int64(16777216), "1.6777216e+07"}, {int64(16777217), "error: 16777217 cannot be held exactly by a float32"}},
	"BIGINT>DOUBLE":    {{int64(3), "3"}, {int64(1<<53 + 1), "error: 9007199254740993 cannot be held exactly by a float64"}},
	"SMALLINT>BOOLEAN": {{int64(0), "false"}}, "INT>BOOLEAN": {{int64(2), "true"}}, "BIGINT>BOOLEAN": {{int64(-1), "true"}},
	"SMALLINT>TEXT": {{int64(-3), "-3"}}, "INT>TEXT": {{int64(3), "3"}}, "BIGINT>TEXT": {{int64(3), "3"}},
	"SMALLINT>UUID": {{int64(1), "00000000-0000-0000-0000-000000000001"}},
	"INT>UUID":      {{int64(255), "00000000-0000-0000-0000-0000000000ff"}},
	"BIGINT>UUID":   {{int64(42), "00000000-0000-0000-0000-00000000002a"}},
	// Floats: integral values only to integers.
	"REAL>SMALLINT":   {{float32(12), "12"}, {float32(1.5), "error: 1.5 is not an integer"}},
	"REAL>INT":        {{float32(12), "12"}, {float32(3e9), "error: out of range for INT"}},
	"REAL>BIGINT":     {{float32(12), "12"}, {float32(1e20), "error: is not an integer"}},
	"DOUBLE>SMALLINT": {{12.0, "12"}, {0.5, "error: 0.5 is not an integer"}},
	"DOUBLE>INT":      {{12.0, "12"}, {-3e9, "error: out of range for INT"}},
	"DOUBLE>BIGINT":   {{12.0, "12"}, {1e19, "error: is not an integer"}},
	"REAL>REAL":       {{float32(0.25), "0.25"}}, "REAL>DOUBLE": {{float32(0.25), "0.25"}},
	"DOUBLE>REAL": {{0.1, "0.1"}}, "DOUBLE>DOUBLE": {{0.1, "0.1"}},
	"REAL>BOOLEAN": {{float32(0), "false"}}, "DOUBLE>BOOLEAN": {{0.5, "error: is not an integer"}},
	"REAL>TEXT": {{float32(0.5), "0.5"}}, "DOUBLE>TEXT": {{0.5, "0.5"}},
	// Booleans.
	"BOOLEAN>SMALLINT": {{true, "1"}}, "BOOLEAN>INT": {{false, "0"}}, "BOOLEAN>BIGINT": {{true, "1"}},
	"BOOLEAN>REAL": {{true, "1"}}, "BOOLEAN>DOUBLE": {{false, "0"}}, "BOOLEAN>BOOLEAN": {{true, "true"}},
	"BOOLEAN>TEXT": {{false, "false"}},
	// Text parses into everything it can.
	"TEXT>SMALLINT": {{" 12 ", "12"}, {"12.5", "error: not an integer"}, {"99999", "error: out of range"}},
	"TEXT>INT":      {{"-12", "-12"}, {"twelve", "error: not an integer"}},
	"TEXT>BIGINT":   {{"9223372036854775807", "9223372036854775807"}, {"9223372036854775808", "error: 9223372036854775808 is out of range for BIGINT"}},
	"TEXT>REAL": {{"1.5", "1.5"}, {"1,5", "error: not a number"}, {"NaN", "NaN"}, {"-Infinity", "-Infinity"},
		{"16777217", "error: 16777217 cannot be held exactly"}, {"1e39", "error: out of range for REAL"}},
	"TEXT>DOUBLE": {{"-2e3", "-2000"}, {"", "error: not a number"}, {"Infinity", "Infinity"}, {"9007199254740993", "error: cannot be held exactly"},
		{"0x10", "error: not a number"}},
	"TEXT>BOOLEAN":   {{"t", "true"}, {"FALSE", "false"}, {"yes", "error: not a boolean"}},
	"TEXT>TEXT":      {{"é", "é"}},
	"TEXT>TIMESTAMP": {{"2024-03-01T12:30:00+01:00", "2024-03-01T11:30:00Z"}, {"2024-13-01", "error: not a timestamp or date"}},
	"TEXT>DATE":      {{"2024-03-01 23:59:59", "2024-03-01"}, {"01/03/2024", "error: not a timestamp or date"}},
	"TEXT>UUID":      {{"6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"}, {"6ba7b810", "error: not a UUID"}},
	"TEXT>JSONB":     {{`{ "a" : [1, 2] }`, `{"a":[1,2]}`}, {`{"a":}`, "error: invalid JSON"}},
	// Text is text: a vector is the text of a JSON array, never its bytes
	// (only binary columns are, TestBinaryVectors).
	"TEXT>VECTOR(2)": {{" [0.5, -2] ", "[0.5,-2]"}, {"[1, 2, 3]", "error: vector has 3 dimensions, expected 2"}, {"[1, 1e39]", "error: 1e+39 is out of range for REAL"},
		{"[0.1,null]", "error: vector has a NULL element"}, {"abcdefgh", "error: not a JSON array"}, {"[1.0,xx]", "error: not a JSON array"},
		{"\x00\x00\x80\x3f\x00\x00\x00\x40", "error: not a JSON array"}, {`[1,"NaN"]`, "error: vector has a NaN or infinite value (element 2)"},
		{"[1, 16777217]", "error: element 2 (16777217): 16777217 cannot be held exactly"}, {`[1,"x"]`, "error: element 2 (x): not a number"}},
	"TEXT>REAL[]": {{`[1.5, null, -2]`, "[1.5,null,-2]"}, {`[]`, "[]"}, {`["x"]`, "error: element 1: not a number"}, {`[[1]]`, "error: not a scalar"}, {"1.5", "error: not a JSON array"},
		{`[0.1,"NaN",null,"-Infinity"]`, `[0.1,"NaN",null,"-Infinity"]`}, {`[16777217]`, "error: element 1: 16777217 cannot be held exactly"}},
	// Times.
	"TIMESTAMP>TIMESTAMP": {{ts, "2024-03-01T12:30:00Z"}}, "TIMESTAMP>DATE": {{ts, "2024-03-01"}},
	"TIMESTAMP>TEXT": {{ts, "2024-03-01T12:30:00Z"}},
	"DATE>DATE":      {{day, "2024-03-01"}}, "DATE>TIMESTAMP": {{day, "2024-03-01T00:00:00Z"}}, "DATE>TEXT": {{day, "2024-03-01"}},
	// The rest.
	"UUID>UUID": {{uid, uid.String()}}, "UUID>TEXT": {{uid, uid.String()}},
	"JSONB>JSONB": {{`{"a":1}`, `{"a":1}`}}, "JSONB>TEXT": {{`{"a":1}`, `{"a":1}`}},
	"VECTOR(2)>VECTOR(2)": {{[]float32{1, 2}, "[1,2]"}}, "VECTOR(2)>TEXT": {{[]float32{1, 0.5}, "[1,0.5]"}},
	"VECTOR(2)>REAL[]": {{[]float32{1, 2}, "[1,2]"}},
	"REAL[]>VECTOR(2)": {{[]any{float32(1), float32(2)}, "[1,2]"}, {[]any{float32(1)}, "error: vector has 1 dimensions, expected 2"}, {[]any{float32(1), nil}, "error: vector has a NULL element"}},
	"REAL[]>REAL[]":    {{[]any{float32(1), nil}, "[1,null]"}},
}

// Every allowed cast has cases, every case runs through castArray (the
// path an import takes: one source column into one target column), and
// a failing value becomes a row error that says why, with the row NULL.
func TestCastMatrix(t *testing.T) {
	for _, f := range matrixTypes {
		for _, tt := range matrixTypes {
			from, _ := lake.ParseType(f)
			to, _ := lake.ParseType(tt)
			cells, listed := matrixCells[f+">"+tt]
			if CanCast(from, to) != listed {
				t.Errorf("%s -> %s: CanCast %v, but the matrix lists %d cases", f, tt, CanCast(from, to), len(cells))
				continue
			}
			for _, c := range cells {
				rec, err := lake.NewRecord(lake.Schema{Columns: []lake.Column{{Name: "c", Type: from}}}, [][]any{{c.in}})
				if err != nil {
					t.Fatalf("%s -> %s: building %v: %v", f, tt, c.in, err)
				}
				out, errs := castArray(rec.Column(0), from, to, false)
				switch {
				case strings.HasPrefix(c.want, "error: "):
					if len(errs) != 1 || !strings.Contains(errs[0].reason, c.want[7:]) || !out.IsNull(0) {
						t.Errorf("%s -> %s (%v): errors %+v, want %q", f, tt, c.in, errs, c.want)
					}
				case len(errs) > 0:
					t.Errorf("%s -> %s (%v): %s", f, tt, c.in, errs[0].reason)
				default:
					got := lake.Render(lake.ValueAt(out, 0))
					if tm, ok := lake.ValueAt(out, 0).(time.Time); ok {
						got = tm.Format(time.RFC3339)
						if to.Kind == lake.KindDate {
							got = tm.Format("2006-01-02")
						}
					}
					if got != c.want {
						t.Errorf("%s -> %s (%v) = %s, want %s", f, tt, c.in, got, c.want)
					}
				}
			}
		}
	}
	_ = lake.UUIDFromInt // the integer mapping the UUID cells check
}

// Only a column marked binary (lake.BinaryMetaKey: a Parquet byte array
// without a string annotation) casts to VECTOR(n) from its bytes, as 4n
// little-endian float32s.
func TestBinaryVectors(t *testing.T) {
	to := lake.Vector(2)
	for _, c := range []cell{
		{"\x00\x00\x80\x3f\x00\x00\x00\x40", "[1,2]"},
		{"\x00\x00\x80", "error: binary vector of 3 bytes, expected 8"},
		{"\x00\x00\x80\x3f", "error: binary vector of 4 bytes, expected 8"},
		{"[1, 2]\x00\x00", "[1.4585297e-19,3.3432e-41]"}, // bytes, even when they look like text
	} {
		rec, err := lake.NewRecord(lake.Schema{Columns: []lake.Column{{Name: "c", Type: lake.Text}}}, [][]any{{c.in}})
		if err != nil {
			t.Fatal(err)
		}
		out, errs := castArray(rec.Column(0), lake.Text, to, true)
		switch {
		case strings.HasPrefix(c.want, "error: "):
			if len(errs) != 1 || !strings.Contains(errs[0].reason, c.want[7:]) || !out.IsNull(0) {
				t.Errorf("%q: errors %+v, want %q", c.in, errs, c.want)
			}
		case len(errs) > 0:
			t.Errorf("%q: %s", c.in, errs[0].reason)
		case lake.Render(lake.ValueAt(out, 0)) != c.want:
			t.Errorf("%q: %s, want %s", c.in, lake.Render(lake.ValueAt(out, 0)), c.want)
		}
	}
}
