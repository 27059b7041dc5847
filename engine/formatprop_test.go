package engine_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

// The formats' property: a random table of every lakelink type, with
// NULLs, NULL elements, NaN, ±Inf, -0, extreme integers and floats,
// empty strings and arrays, Unicode, and newlines and quotes in text,
// keyed and keyless, is exported to Parquet (in each vector layout), CSV
// and NDJSON, and each file is imported
//
//	(a) into a table of the same schema: the digest is the source's;
//	(b) into a table COPY creates from the file: Parquet gives the same
//	    schema and digest (its footer carries the types); a text format
//	    gives each column the source's type or the one docs/formats.md
//	    says it infers (textInference), and every value compares equal.
//
// Nothing else is allowed: no value changes without an error.
func TestFormatsRoundTripEveryType(t *testing.T) {
	type run struct {
		runner string
		keyed  bool
		seed   uint64
	}
	runs := []run{{"direct", true, 1}, {"direct", false, 2}, {"direct", true, 3}, {"prism-process", true, 4}, {"prism-process", false, 5}}
	if testing.Short() {
		runs = runs[:2]
	}
	for _, r := range runs {
		t.Run(fmt.Sprintf("%s/keyed=%v/seed=%d", r.runner, r.keyed, r.seed), func(t *testing.T) {
			s := session(t, r.runner)
			dir := t.TempDir()
			rows := randomRows(rand.New(rand.NewPCG(r.seed, 77)), 80)
			src := filepath.Join(dir, "src.parquet")
			writeRows(t, src, rows)
			ddl := propDDL(r.keyed)
			exec(t, s, "CREATE TABLE src "+ddl)
			exec(t, s, "COPY FROM '"+src+"' INTO src")
			want := digest(t, s, "src")
			srcRows := rowsByID(t, s.Store, "src")
			created := ""
			if r.keyed {
				created = " WITH (primary_key = 'id')"
			}
			for _, f := range []struct{ name, file, with string }{
				{"parquet-list", "out.parquet", "vector_format = 'list'"},
				{"parquet-fixed_size_list", "out.parquet", "vector_format = 'fixed_size_list'"},
				{"parquet-flba", "out.parquet", "vector_format = 'fixed_len_byte_array'"},
				{"csv", "out.csv", ""},
				{"ndjson", "out.ndjson", ""},
			} {
				path := filepath.Join(dir, f.name, f.file)
				os.MkdirAll(filepath.Dir(path), 0o755)
				with := ""
				if f.with != "" {
					with = " WITH (" + f.with + ")"
				}
				exec(t, s, "COPY src TO '"+path+"'"+with)
				same, made := strings.ReplaceAll("a_"+f.name, "-", "_"), strings.ReplaceAll("b_"+f.name, "-", "_")
				// (a) the same schema: the same digest.
				exec(t, s, "CREATE TABLE "+same+" "+ddl)
				exec(t, s, "COPY FROM '"+path+"' INTO "+same)
				if got := digest(t, s, same); got != want {
					t.Errorf("%s into the same schema: digest %s, source %s", f.name, got, want)
					diffRows(t, f.name, srcRows, rowsByID(t, s.Store, same), nil)
				}
				// (b) a table COPY creates.
				exec(t, s, "COPY FROM '"+path+"' INTO "+made+created)
				if strings.HasPrefix(f.name, "parquet") {
					if a, b := schemaOf(t, s.Store, "src"), schemaOf(t, s.Store, made); a != b && r.keyed {
						t.Errorf("%s: created schema %s, source %s", f.name, b, a)
					}
					if got := digest(t, s, made); got != want {
						t.Errorf("%s into a created table: digest %s, source %s", f.name, got, want)
					}
					continue
				}
				srcT, madeT := tableOf(t, s.Store, "src"), tableOf(t, s.Store, made)
				types := map[string]lake.Type{}
				for _, c := range srcT.Schema.Columns {
					i := madeT.Schema.Index(c.Name)
					if i < 0 {
						t.Errorf("%s: the created table has no column %s", f.name, c.Name)
						continue
					}
					got := madeT.Schema.Columns[i].Type
					types[c.Name] = got
					if !got.Equal(c.Type) && !textInference(c.Type, got) {
						t.Errorf("%s: column %s is %s, source %s: not an inference docs/formats.md states", f.name, c.Name, got, c.Type)
					}
				}
				diffRows(t, f.name, srcRows, rowsByID(t, s.Store, made), types)
			}
		})
	}
}

// textInference lists the type changes a text format's COPY-created table
// may make (docs/formats.md, "Types"): the text has no type, so integers
// are BIGINT, floats DOUBLE, float lists REAL[] (or VECTOR(n) or
// DOUBLE[]), JSON that is not an object TEXT.
func textInference(from, to lake.Type) bool {
	switch {
	case from.Kind == lake.KindSmallInt || from.Kind == lake.KindInt:
		return to.Kind == lake.KindBigInt
	case from.Kind == lake.KindReal:
		return to.Kind == lake.KindDouble
	case from.Kind == lake.KindJSONB:
		return to.Kind == lake.KindText
	case from.Kind == lake.KindArray && (from.Elem == lake.KindReal || from.Elem == lake.KindDouble):
		return to.Kind == lake.KindVector || to.Kind == lake.KindArray && (to.Elem == lake.KindReal || to.Elem == lake.KindDouble)
	case from.Kind == lake.KindArray && (from.Elem == lake.KindSmallInt || from.Elem == lake.KindInt):
		return to.Kind == lake.KindArray && to.Elem == lake.KindBigInt
	}
	return false
}

func propDDL(keyed bool) string {
	key := ""
	if keyed {
		key = " PRIMARY KEY"
	}
	return "(id BIGINT" + key + `, t TEXT, s SMALLINT, i INT, b BIGINT, r REAL, d DOUBLE, ok BOOLEAN, ts TIMESTAMP, day DATE,
		u UUID, j JSONB, v VECTOR(4), ra REAL[], da DOUBLE[], ta TEXT[], ba BIGINT[], bo BOOLEAN[], dta DATE[], tsa TIMESTAMP[], ua UUID[])`
}

var propColumns = []lake.Column{{Name: "id", Type: lake.BigInt}, {Name: "t", Type: lake.Text}, {Name: "s", Type: lake.SmallInt},
	{Name: "i", Type: lake.Int}, {Name: "b", Type: lake.BigInt}, {Name: "r", Type: lake.Real}, {Name: "d", Type: lake.Double},
	{Name: "ok", Type: lake.Boolean}, {Name: "ts", Type: lake.Timestamp}, {Name: "day", Type: lake.Date}, {Name: "u", Type: lake.UUID},
	{Name: "j", Type: lake.JSONB}, {Name: "v", Type: lake.Vector(4)}, {Name: "ra", Type: lake.ArrayOf(lake.Real)},
	{Name: "da", Type: lake.ArrayOf(lake.Double)}, {Name: "ta", Type: lake.ArrayOf(lake.Text)}, {Name: "ba", Type: lake.ArrayOf(lake.BigInt)},
	{Name: "bo", Type: lake.ArrayOf(lake.Boolean)}, {Name: "dta", Type: lake.ArrayOf(lake.Date)}, {Name: "tsa", Type: lake.ArrayOf(lake.Timestamp)},
	{Name: "ua", Type: lake.ArrayOf(lake.UUID)}}

// randomRows makes n rows of propColumns: each value NULL one time in
// seven, otherwise drawn from the edges of its type or at random.
func randomRows(r *rand.Rand, n int) [][]any {
	texts := []string{"", "plain", `a "quoted" word`, "comma, semicolon; tab\tend", "two\nlines", "crlf\r\nline", " leading", "trailing ",
		"ünïcødé ✓ 日本語", "NULL", "null", "NaN", "123", "[1,2]", `{"a":1}`, "2024-01-02", "\\backslash\\", "emoji 🦆"}
	jsons := []string{`{}`, `{"a":1}`, `{"k":"v\n\"q\"","n":null}`, `{"ü":[true,false,1.5]}`, `{"deep":{"x":[{"y":-0.25}]}}`}
	f32s := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0, math.MaxFloat32,
		-math.MaxFloat32, math.SmallestNonzeroFloat32, 0.1, 1.5, 16777216, -2}
	f64s := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0, math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, 0.1, 1.0 / 3, 9007199254740992, 0.30000000000000004, -2}
	i64s := []int64{math.MaxInt64, math.MinInt64, 0, -1, 1 << 53, 1<<53 + 1, 16777217}
	pick := func(k int) int { return r.IntN(k) }
	f32 := func() float32 {
		if pick(2) == 0 {
			return f32s[pick(len(f32s))]
		}
		return float32(r.NormFloat64() * 100)
	}
	finite32 := func() float32 {
		for {
			if x := f32(); !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) {
				return x
			}
		}
	}
	f64 := func() float64 {
		if pick(2) == 0 {
			return f64s[pick(len(f64s))]
		}
		return r.NormFloat64() * 1e6
	}
	i64 := func() int64 {
		if pick(2) == 0 {
			return i64s[pick(len(i64s))]
		}
		return r.Int64() - r.Int64()
	}
	ts := func() time.Time {
		if pick(5) == 0 {
			return time.Date(2024, 1, 2+pick(300), 0, 0, 0, 0, time.UTC) // a midnight
		}
		return time.UnixMicro(r.Int64N(4102444800000000)).UTC()
	}
	day := func() time.Time {
		return time.Date(1900+pick(250), time.Month(1+pick(12)), 1+pick(28), 0, 0, 0, 0, time.UTC)
	}
	id := func() uuid.UUID {
		var u uuid.UUID
		for i := range u {
			u[i] = byte(r.UintN(256))
		}
		return u
	}
	list := func(elem func() any) any {
		out := make([]any, pick(5))
		for i := range out {
			if pick(6) != 0 {
				out[i] = elem()
			}
		}
		return out
	}
	rows := make([][]any, n)
	for k := range rows {
		row := []any{int64(k*7 - 300),
			texts[pick(len(texts))], int64(pick(65536) - 32768), int64(r.Int32() - r.Int32()/2), i64(), f32(), f64(), pick(2) == 0,
			ts(), day(), id(), jsons[pick(len(jsons))],
			[]float32{finite32(), finite32(), finite32(), finite32()},
			list(func() any { return f32() }), list(func() any { return f64() }), list(func() any { return texts[pick(len(texts))] }),
			list(func() any { return i64() }), list(func() any { return pick(2) == 0 }), list(func() any { return day() }),
			list(func() any { return ts() }), list(func() any { return id() })}
		if k%11 == 3 {
			row[12] = []float32{0, float32(math.Copysign(0, -1)), math.MaxFloat32, math.SmallestNonzeroFloat32}
		}
		for c := 1; c < len(row); c++ {
			if pick(7) == 0 {
				row[c] = nil
			}
		}
		rows[k] = row
	}
	return rows
}

// writeRows writes rows of propColumns as a Parquet file.
func writeRows(t *testing.T, path string, rows [][]any) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, err := lake.NewRecord(lake.Schema{Columns: propColumns}, rows)
	if err != nil {
		t.Fatal(err)
	}
	w, err := parquetio.NewWriter(context.Background(), f, propColumns, parquetio.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(lake.Batch{Record: rec}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func tableOf(t *testing.T, st *store.Store, table string) store.TableInfo {
	t.Helper()
	ti, err := st.Table(table, st.Head())
	if err != nil {
		t.Fatal(err)
	}
	return ti
}

// rowsByID reads a table's rows by their id column, each value by name.
func rowsByID(t *testing.T, st *store.Store, table string) map[int64]map[string]any {
	t.Helper()
	ti := tableOf(t, st, table)
	out := map[int64]map[string]any{}
	err := st.Scan(table, st.Head(), func(r store.Row) error {
		m := map[string]any{}
		for i, c := range ti.Schema.Columns {
			m[c.Name] = r[i]
		}
		out[r[ti.Schema.Index("id")].(int64)] = m
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diffRows reports the values that differ between the source's rows and
// a copy's: compared as text of their own types, so that a float32 read
// back as a float64 of the same decimal (a REAL column inferred DOUBLE)
// is equal, and NaN equals NaN.
func diffRows(t *testing.T, what string, want, got map[int64]map[string]any, types map[string]lake.Type) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %d rows, source %d", what, len(got), len(want))
	}
	bad := 0
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("%s: row %d missing", what, id)
			continue
		}
		for name, wv := range w {
			if a, b := comparable(wv), comparable(g[name]); a != b {
				if bad++; bad <= 10 {
					t.Errorf("%s: row %d column %s: %s, source %s (type %s)", what, id, name, b, a, types[name])
				}
			}
		}
	}
}

// comparable is a value as text, floats in their shortest form at their
// own width and vectors as lists, so that values equal as decimals match.
func comparable(v any) string {
	switch x := v.(type) {
	case []float32:
		l := make([]any, len(x))
		for i, f := range x {
			l[i] = f
		}
		return comparable(l)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = comparable(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return lake.Render(v)
}
