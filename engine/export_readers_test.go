package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/uuid"
	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// readArrow reads a Parquet file with arrow-go's reader into rows of Go
// values (lake.ValueAt), extension arrays read through their storage.
func readArrow(t *testing.T, path string) (*arrow.Schema, [][]any) {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatalf("arrow-go opens %s: %v", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("arrow-go reads %s: %v", path, err)
	}
	defer tbl.Release()
	rows := make([][]any, tbl.NumRows())
	for i := range rows {
		rows[i] = make([]any, tbl.NumCols())
	}
	for c := 0; c < int(tbl.NumCols()); c++ {
		base := 0
		for _, chunk := range tbl.Column(c).Data().Chunks() {
			a := chunk
			if ext, ok := a.(array.ExtensionArray); ok {
				a = ext.Storage()
			}
			for i := 0; i < a.Len(); i++ {
				if b, ok := a.(*array.Binary); ok && b.IsValid(i) { // JSON, as Arrow maps it
					rows[base+i][c] = string(b.Value(i))
					continue
				}
				rows[base+i][c] = lake.ValueAt(a, i)
			}
			base += a.Len()
		}
	}
	return tbl.Schema(), rows
}

// same compares a value read back with the stored one: lists of floats
// stand for vectors, JSON text compares as text.
func same(want, got any) bool {
	if w, ok := want.([]float32); ok {
		if g, ok := got.([]any); ok {
			v := make([]float32, len(g))
			for i, x := range g {
				v[i], _ = x.(float32)
			}
			got = v
		}
		return reflect.DeepEqual(w, got)
	}
	if w, ok := want.(uuid.UUID); ok {
		if g, ok := got.(uuid.UUID); ok {
			return w == g
		}
		return false
	}
	return reflect.DeepEqual(want, got)
}

// The files an export writes, plain and with AILK sections, in each vector
// layout, read with arrow-go's and parquet-go's own readers: every value
// and every logical type as stored.
func TestExportedFilesReadByArrowAndParquetGo(t *testing.T) {
	s := session(t, "direct")
	const n = 300
	fillEveryType(t, s, "src", n)
	for _, with := range []string{"vector_format = 'list'", "vector_format = 'fixed_size_list'", "vector_index = 'hnsw'", "vector_index = 'ivfpq', vector_format = 'fixed_size_list', deferred_index = true", "vector_index = 'flat'"} {
		t.Run(with, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "src.parquet")
			exec(t, s, fmt.Sprintf("COPY src TO '%s' WITH (%s)", out, with))
			if err := s.Wait(); err != nil { // deferred_index: the sections' background step
				t.Fatal(err)
			}
			schema, rows := readArrow(t, out)
			if len(rows) != n {
				t.Fatalf("arrow-go reads %d rows", len(rows))
			}
			for i, row := range rows {
				want := everyTypeRow(i)
				for c := range want {
					if !same(want[c], row[c]) {
						t.Fatalf("row %d, column %s (%s): wrote %v, arrow-go reads %v", i, schema.Field(c).Name, schema.Field(c).Type, want[c], row[c])
					}
				}
			}
			vec := schema.Field(11).Type
			if strings.Contains(with, "fixed_size_list") != (vec.ID() == arrow.FIXED_SIZE_LIST) {
				t.Errorf("arrow-go reads embedding as %s", vec)
			}

			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			pf, err := parquet.OpenFile(f, st.Size())
			if err != nil {
				t.Fatalf("parquet-go opens the file: %v", err)
			}
			logical := map[string]string{}
			for _, fld := range pf.Schema().Fields() {
				if lt := fld.Type().LogicalType(); lt != nil {
					logical[fld.Name()] = lt.String()
				}
			}
			for col, want := range map[string]string{"uid": "UUID", "meta": "JSON", "created_at": "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)",
				"day": "DATE", "name": "STRING", "tags": "LIST", "small": "INT(16,true)"} {
				if logical[col] != want {
					t.Errorf("parquet-go: column %s has logical type %q, want %s", col, logical[col], want)
				}
			}
			r := parquet.NewReader(pf)
			defer r.Close()
			got := 0
			buf := make([]parquet.Row, 64)
			for {
				k, err := r.ReadRows(buf)
				for _, row := range buf[:k] {
					id := row[0].Int64()
					if id != int64(got) {
						t.Fatalf("parquet-go row %d has id %d", got, id)
					}
					got++
				}
				if err != nil {
					break
				}
			}
			if got != n {
				t.Errorf("parquet-go reads %d rows", got)
			}
			secs, err := ailk.Sections(f, st.Size())
			if err != nil {
				t.Fatal(err)
			}
			indexed := strings.Contains(with, "vector_index")
			if indexed != (len(secs) == 1) {
				t.Fatalf("%d AILK sections", len(secs))
			}
			if indexed {
				if secs[0].Column != "embedding" || secs[0].Rows != n || secs[0].Records != uint64(n-n/7-1) {
					t.Errorf("section %+v", secs[0])
				}
				if _, err := ailk.Index(f, secs[0]); err != nil {
					t.Errorf("index: %v", err)
				}
			}
		})
	}
}
