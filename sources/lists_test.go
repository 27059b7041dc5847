package sources_test

import (
	"context"
	"encoding/binary"
	"math"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures/arrowfile"
)

type bareRepeated struct {
	ID  int64     `parquet:"id"`
	Vec []float32 `parquet:"vec"` // a repeated leaf, no LIST annotation
}

type doubleList struct {
	ID  int64     `parquet:"id"`
	Vec []float64 `parquet:"vec,list"`
}

type flba struct {
	ID  int64    `parquet:"id"`
	Vec [16]byte `parquet:"vec"` // FIXED_LEN_BYTE_ARRAY(16): four little-endian float32s
}

func writeGeneric[T any](t *testing.T, path string, rows []T) {
	t.Helper()
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
}

func val(i, j int) float32 { return arrowfile.Value(i, j) }

// Every way of storing an embedding in Parquet imports as VECTOR(n) with
// the same values: parquet-go's LIST, a bare repeated field, a list of
// doubles, Arrow's fixed-size and large lists (ARROW:schema), and
// FIXED_LEN_BYTE_ARRAY cast with ::VECTOR(n).
func TestVectorStorageConventions(t *testing.T) {
	dir := t.TempDir()
	const n, dim = 300, 4
	var bare []bareRepeated
	var dbl []doubleList
	var fl []flba
	for i := 0; i < n; i++ {
		b := bareRepeated{ID: int64(i)}
		d := doubleList{ID: int64(i)}
		f := flba{ID: int64(i)}
		for j := 0; j < dim; j++ {
			b.Vec = append(b.Vec, val(i, j))
			d.Vec = append(d.Vec, float64(val(i, j)))
			binary.LittleEndian.PutUint32(f.Vec[4*j:], math.Float32bits(val(i, j)))
		}
		bare, dbl, fl = append(bare, b), append(dbl, d), append(fl, f)
	}
	writeGeneric(t, filepath.Join(dir, "bare.parquet"), bare)
	writeGeneric(t, filepath.Join(dir, "double.parquet"), dbl)
	writeGeneric(t, filepath.Join(dir, "flba.parquet"), fl)
	if err := arrowfile.Vectors(filepath.Join(dir, "fixed.parquet"), n, dim, false); err != nil {
		t.Fatal(err)
	}
	if err := arrowfile.Vectors(filepath.Join(dir, "large.parquet"), n, dim, true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, maps string }{
		{"bare.parquet", ""},
		{"double.parquet", ""},
		{"fixed.parquet", ""},
		{"large.parquet", ""},
		{"flba.parquet", "MAP COLUMNS (id => id, vec => vec::VECTOR(4))"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			st, err := store.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			s := &engine.Session{Store: st}
			sql := "COPY FROM '" + filepath.Join(dir, tc.file) + "' INTO v " + tc.maps + " WITH (primary_key = 'id')"
			if _, err := s.Exec(context.Background(), sql); err != nil {
				t.Fatal(err)
			}
			ti, _ := st.Table("v", st.Head())
			if got := ti.Schema.String(); got != "(id BIGINT NOT NULL, vec VECTOR(4), PRIMARY KEY (id))" {
				t.Errorf("schema %s", got)
			}
			if c, _ := st.Count("v", st.Head()); c != n {
				t.Errorf("%d rows", c)
			}
			row, err := st.Get("v", st.Head(), 123)
			if err != nil {
				t.Fatal(err)
			}
			for j, x := range row[1].([]float32) {
				if x != val(123, j) {
					t.Fatalf("row 123: %v", row[1])
				}
			}
		})
	}
}
