package parquetio_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/lakelink/lakelink/lake"
)

// everyType has a column of each Parquet type the README's "Parquet types
// as read" table lists.
type everyType struct {
	I8    int8              `parquet:"i8"`
	U8    uint8             `parquet:"u8"`
	I16   int16             `parquet:"i16"`
	U16   uint16            `parquet:"u16"`
	I32   int32             `parquet:"i32"`
	U32   uint32            `parquet:"u32"`
	I64   int64             `parquet:"i64"`
	U64   uint64            `parquet:"u64"`
	F32   float32           `parquet:"f32"`
	F64   float64           `parquet:"f64"`
	Dec32 int32             `parquet:"dec32,decimal(2:9)"`
	Dec64 int64             `parquet:"dec64,decimal(4:18)"`
	S     string            `parquet:"s"`
	Dict  string            `parquet:"dict,dict"`
	Enum  string            `parquet:"enum,enum"`
	JSON  string            `parquet:"js,json"`
	Bin   []byte            `parquet:"bin,bytes"`
	Bool  bool              `parquet:"bool"`
	Date  int32             `parquet:"date,date"`
	TsMs  time.Time         `parquet:"ts_ms,timestamp(millisecond)"`
	TsUs  time.Time         `parquet:"ts_us,timestamp(microsecond)"`
	TsNs  time.Time         `parquet:"ts_ns,timestamp(nanosecond)"`
	I96   deprecated.Int96  `parquet:"i96"`
	UUID  [16]byte          `parquet:"uuid,uuid"`
	List  []float32         `parquet:"list,list"`
	Opt   *int64            `parquet:"opt,optional"`
	Rep   []int32           `parquet:"rep"`
	Map   map[string]string `parquet:"m"`
}

func TestEveryParquetType(t *testing.T) {
	ts := time.Date(2024, 3, 1, 12, 30, 15, 123456789, time.UTC)
	rows := []everyType{{
		I8: -128, U8: 255, I16: -32768, U16: 65535, I32: -2147483648, U32: 4294967295, I64: -1 << 63, U64: 1<<63 - 1,
		F32: 1.5, F64: -2.25, Dec32: 12345, Dec64: -98765, S: "s", Dict: "d", Enum: "RED", JSON: `{"a":1}`, Bin: []byte{0, 1, 255},
		Bool: true, Date: 19783, TsMs: ts, TsUs: ts, TsNs: ts,
		I96:  deprecated.Int96{uint32(45015123456789 & 0xffffffff), uint32(45015123456789 >> 32), 2460371}, // 2024-03-01 12:30:15.123456789
		UUID: [16]byte{15: 42}, List: []float32{1, 2}, Rep: []int32{7, 8}, Map: map[string]string{"k": "v"},
	}, {Dict: "d", List: []float32{}}}
	path := filepath.Join(t.TempDir(), "types.parquet")
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
	f := openPath(t, path)
	want := map[string][2]string{ // column: type, value of row 0
		"i8": {"SMALLINT", "-128"}, "u8": {"INT", "255"}, "i16": {"SMALLINT", "-32768"}, "u16": {"INT", "65535"},
		"i32": {"INT", "-2147483648"}, "u32": {"BIGINT", "4294967295"}, "i64": {"BIGINT", "-9223372036854775808"},
		"u64": {"BIGINT", "9223372036854775807"}, "f32": {"REAL", "1.5"}, "f64": {"DOUBLE", "-2.25"},
		"dec32": {"DOUBLE", "123.45"}, "dec64": {"DOUBLE", "-9.8765"}, "s": {"TEXT", "s"}, "dict": {"TEXT", "d"},
		"enum": {"TEXT", "RED"}, "js": {"JSONB", `{"a":1}`}, "bin": {"TEXT", "\x00\x01\xff"}, "bool": {"BOOLEAN", "true"},
		"date": {"DATE", "2024-03-01"}, "ts_ms": {"TIMESTAMP", "2024-03-01T12:30:15.123Z"},
		"ts_us": {"TIMESTAMP", "2024-03-01T12:30:15.123456Z"}, "ts_ns": {"TIMESTAMP", "2024-03-01T12:30:15.123456Z"},
		"i96": {"TIMESTAMP", "2024-03-01T12:30:15.123456Z"}, "uuid": {"UUID", "00000000-0000-0000-0000-00000000002a"},
		"list": {"REAL[]", "[1,2]"}, "opt": {"BIGINT", "NULL"}, "rep": {"INT[]", "[7,8]"},
	}
	cols, err := f.Select(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Columns {
		if c.Name == "m" && !strings.Contains(c.Unsupported, "map") {
			t.Errorf("a map column: %q, want unsupported", c.Unsupported)
		}
	}
	got := map[string][2]string{}
	err = f.ReadRowGroup(0, cols, 10, 0, func(b lake.Batch) error {
		for i, c := range cols {
			v := lake.ValueAt(b.Record.Column(i), 0)
			s := lake.Render(v)
			if tm, ok := v.(time.Time); ok {
				s = tm.Format(time.RFC3339Nano)
				if c.Type.Kind == lake.KindDate {
					s = tm.Format("2006-01-02")
				}
			}
			got[c.Name] = [2]string{c.Type.String(), s}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: read as %s %q, want %s %q", name, got[name][0], got[name][1], w[0], w[1])
		}
	}
}
