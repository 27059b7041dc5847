package transforms

import (
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

func TestCasts(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		in       any
		want     string // rendered result, or "error: <substring>"
	}{
		{"INT", "BIGINT", int64(7), "7"},
		{"BIGINT", "SMALLINT", int64(70000), "error: out of range"},
		{"TEXT", "TIMESTAMP", "2024-03-01 12:30:00", "2024-03-01T12:30:00Z"},
		{"TEXT", "DATE", "2024-03-01", "2024-03-01"},
		{"TEXT", "DATE", "March first", "error: not a timestamp"},
		{"TEXT", "UUID", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"},
		{"BIGINT", "UUID", int64(42), "00000000-0000-0000-0000-00000000002a"},
		{"TEXT", "UUID", "not-a-uuid", "error: not a UUID"},
		{"TEXT", "JSONB", `{"a": [1, 2]}`, `{"a":[1,2]}`},
		{"TEXT", "JSONB", `{"a": `, "error: invalid JSON"},
		{"REAL[]", "VECTOR(3)", []any{float32(1), float32(2), float32(3)}, "[1,2,3]"},
		{"REAL[]", "VECTOR(3)", []any{float32(1)}, "error: vector has 1 dimensions, expected 3"},
		{"TEXT", "VECTOR(1)", "[1]", "[1]"},
		{"TEXT", "VECTOR(1)", "\x00\x00\x80\x3f", "error: not a JSON array"},
		{"TEXT", "BIGINT", "12x", "error: not an integer"},
	} {
		from, _ := lake.ParseType(tc.from)
		to, _ := lake.ParseType(tc.to)
		if !CanCast(from, to) {
			t.Errorf("%s -> %s: CanCast false", tc.from, tc.to)
			continue
		}
		got, err := convert(tc.in, from, to)
		if strings.HasPrefix(tc.want, "error: ") {
			if err == nil || !strings.Contains(err.Error(), tc.want[7:]) {
				t.Errorf("%s -> %s (%v): error %v, want %q", tc.from, tc.to, tc.in, err, tc.want)
			}
			continue
		}
		if err != nil || lake.Render(got) != tc.want {
			t.Errorf("%s -> %s (%v) = %v, %v; want %s", tc.from, tc.to, tc.in, lake.Render(got), err, tc.want)
		}
	}
	for _, no := range [][2]string{{"VECTOR(3)", "DATE"}, {"BOOLEAN", "UUID"}, {"DATE", "JSONB"}} {
		a, _ := lake.ParseType(no[0])
		b, _ := lake.ParseType(no[1])
		if CanCast(a, b) {
			t.Errorf("%s -> %s should be impossible", no[0], no[1])
		}
	}
}

func TestApplySplitsAroundBadRows(t *testing.T) {
	src := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt}, {Name: "e", Type: lake.ArrayOf(lake.Real)}}}
	dst := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt}, {Name: "e", Type: lake.Vector(2)}}}
	m, err := PlanMapping(src, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := func(n int) []any { return make([]any, n) }
	two := []any{float32(1), float32(2)}
	rec, err := lake.NewRecord(src, [][]any{{int64(0), two}, {int64(1), v(3)}, {int64(2), two}, {int64(3), two}, {int64(4), nil}})
	if err != nil {
		t.Fatal(err)
	}
	good, errs := m.Apply(lake.Batch{Origin: lake.Origin{Object: "o.parquet", RowGroup: 2, FirstRow: 100}, Record: rec})
	if len(errs) != 1 || errs[0].Row != 101 || errs[0].Column != "e" || errs[0].RowGroup != 2 || errs[0].Object != "o.parquet" {
		t.Fatalf("errors %+v", errs)
	}
	if len(good) != 2 || good[0].Rows() != 1 || good[1].Rows() != 3 || good[1].Origin.FirstRow != 102 {
		t.Fatalf("good batches %v", good)
	}
	if got := lake.ValueAt(good[1].Record.Column(1), 1); lake.Render(got) != "[1,2]" {
		t.Errorf("sliced vector = %v", got)
	}
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]string{"varchar(255)": "TEXT", "vector(1536)": "VECTOR(1536)", "text[]": "TEXT[]",
		"double precision": "DOUBLE", "int8": "BIGINT", "jsonb": "JSONB"} {
		got, err := lake.ParseType(in)
		if err != nil || got.String() != want {
			t.Errorf("%s = %v %v, want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"VECTOR(0)", "VECTOR(x)", "BLOB", "VECTOR(3)[]", "INT[][]"} {
		if _, err := lake.ParseType(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

// list<float> => VECTOR(n) shares the list's values when every row has n
// of them; a sliced list (as after a split around a bad row) keeps its rows.
func TestListToVectorSharesValues(t *testing.T) {
	src := lake.Schema{Columns: []lake.Column{{Name: "e", Type: lake.ArrayOf(lake.Real)}}}
	rec, err := lake.NewRecord(src, [][]any{
		{[]any{float32(0), float32(1)}}, {[]any{float32(2), float32(3)}}, {[]any{float32(4), float32(5)}}, {[]any{float32(6), float32(7)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sliced := rec.NewSlice(1, 3).Column(0).(*array.List)
	v, errs := listToVector(sliced, 2)
	if len(errs) != 0 || v.Len() != 2 {
		t.Fatalf("%d rows, errors %v", v.Len(), errs)
	}
	if reuseAsVector(sliced, 2) == nil {
		t.Error("equal-length rows were copied")
	}
	dst := lake.Schema{Columns: []lake.Column{{Name: "e", Type: lake.Vector(2)}}}
	out := array.NewRecordBatch(dst.Arrow(), []arrow.Array{v}, 2)
	for i, want := range []string{"[2,3]", "[4,5]"} {
		if got := lake.Render(lake.ValueAt(v, i)); got != want {
			t.Errorf("row %d = %s, want %s", i, got, want)
		}
		enc, err := store.AppendRow(nil, dst, out, i)
		if err != nil {
			t.Fatal(err)
		}
		row, _ := store.DecodeRow(dst, enc)
		if got := lake.Render(row[0]); got != want {
			t.Errorf("stored row %d = %s, want %s", i, got, want)
		}
	}
	if reuseAsVector(sliced, 3) != nil {
		t.Error("rows of another length were reused")
	}
}

// A vector with a NaN or an infinite value is a row error whether it is
// cast from a list (either fast path) or arrives as a vector already; the
// other rows of the batch go on.
func TestNonFiniteVectorsAreRowErrors(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(-1))
	for _, from := range []lake.Type{lake.ArrayOf(lake.Real), lake.ArrayOf(lake.Double), lake.Vector(2)} {
		src := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt}, {Name: "e", Type: from}}}
		dst := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt}, {Name: "e", Type: lake.Vector(2)}}}
		m, err := PlanMapping(src, dst, nil)
		if err != nil {
			t.Fatal(err)
		}
		vec := func(a, b float32) any {
			switch from.Kind {
			case lake.KindVector:
				return []float32{a, b}
			}
			if from.ElemType().Kind == lake.KindDouble {
				return []any{float64(a), float64(b)}
			}
			return []any{a, b}
		}
		rec, err := lake.NewRecord(src, [][]any{{int64(0), vec(1, 2)}, {int64(1), vec(nan, 2)}, {int64(2), vec(3, 4)}, {int64(3), vec(5, inf)}})
		if err != nil {
			t.Fatal(err)
		}
		good, errs := m.Apply(lake.Batch{Origin: lake.Origin{Object: "o.parquet"}, Record: rec})
		if len(errs) != 2 || errs[0].Row != 1 || errs[1].Row != 3 || !strings.Contains(errs[0].Reason, "NaN or infinite") || errs[0].Column != "e" {
			t.Fatalf("%s: errors %+v", from, errs)
		}
		rows := 0
		for _, g := range good {
			rows += g.Rows()
		}
		if rows != 2 {
			t.Errorf("%s: %d good rows, want 2", from, rows)
		}
	}
}
