package ailk_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/vectorops"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

type row struct {
	ID  int64     `parquet:"id"`
	Vec []float32 `parquet:"vec,list"`
}

const dim = 16

func vectors(n int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([][]float32, n)
	for i := range out {
		out[i] = make([]float32, dim)
		for j := range out[i] {
			out[i][j] = float32(r.NormFloat64()) + 2
		}
	}
	return out
}

// plainFile is a Parquet file of n rows with vectors, and the vectors.
func plainFile(t *testing.T, n int) ([]byte, [][]float32) {
	t.Helper()
	vecs := vectors(n, 1)
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{ID: int64(i), Vec: vecs[i]}
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows, parquet.MaxRowsPerRowGroup(100)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), vecs
}

func withSection(t *testing.T, kind ailk.Kind, m vectorops.Metric, n int) ([]byte, [][]float32) {
	t.Helper()
	plain, vecs := plainFile(t, n)
	labels := make([]uint64, n)
	for i := range labels {
		labels[i] = uint64(i)
	}
	s, err := ailk.Build("vec", uint64(n), labels, vecs, ailk.Options{Kind: kind, Metric: m, HNSW: vectorops.HNSWConfig{M: 16, EfConstruction: 200, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := ailk.Splice(&out, bytes.NewReader(plain), int64(len(plain)), []ailk.Section{s}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), vecs
}

func readRows(t *testing.T, b []byte) []row {
	t.Helper()
	rows, err := parquet.Read[row](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("parquet-go reads the file: %v", err)
	}
	return rows
}

// A spliced file reads as the plain one did, and its section as built:
// searching its index over the file's rows gives an exact scan's top 10.
func TestSpliceKeepsFileReadable(t *testing.T) {
	for _, kind := range []ailk.Kind{ailk.HNSW, ailk.IVFPQ, ailk.Flat} {
		t.Run(kind.String(), func(t *testing.T) {
			const n = 600
			b, vecs := withSection(t, kind, vectorops.L2, n)
			rows := readRows(t, b)
			if len(rows) != n || rows[n-1].ID != n-1 || rows[17].Vec[3] != vecs[17][3] {
				t.Fatalf("rows after splicing: %d", len(rows))
			}
			secs, err := ailk.Sections(bytes.NewReader(b), int64(len(b)))
			if err != nil || len(secs) != 1 {
				t.Fatalf("sections %v, %v", secs, err)
			}
			in := secs[0]
			if in.Column != "vec" || in.Kind != kind || in.Dim != dim || in.Records != n || in.Rows != n {
				t.Errorf("section %+v", in)
			}
			idx, err := ailk.Index(bytes.NewReader(b), in)
			if err != nil {
				t.Fatal(err)
			}
			if kind == ailk.Flat {
				if idx != nil {
					t.Errorf("a flat section has an index")
				}
				return
			}
			flat := vectorops.NewFlat(dim, vectorops.L2)
			for i, v := range vecs {
				flat.Add(uint64(i), v)
			}
			q := vectors(1, 99)[0]
			want, _ := flat.Search(q, 10, nil)
			got, err := idx.Search(q, 10, 600, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if got[i].Label != want[i].Label {
					t.Fatalf("result %d: %v, exact %v", i, got, want)
				}
			}
		})
	}
}

// The bound a section gives is never better than the true best distance
// of its vectors, for every metric.
func TestBoundIsALowerBound(t *testing.T) {
	for _, m := range []vectorops.Metric{vectorops.L2, vectorops.Cosine, vectorops.InnerProduct} {
		b, vecs := withSection(t, ailk.Flat, m, 300)
		secs, _ := ailk.Sections(bytes.NewReader(b), int64(len(b)))
		flat := vectorops.NewFlat(dim, m)
		for i, v := range vecs {
			flat.Add(uint64(i), v)
		}
		for k, q := range vectors(200, 5) {
			if k%2 == 0 {
				for j := range q {
					q[j] = -q[j] * float32(k%7)
				}
			}
			best, _ := flat.Search(q, 1, nil)
			if bound := secs[0].Bound(q); bound > best[0].Distance+1e-4 {
				t.Fatalf("%s: query %d: bound %g above the best distance %g", m, k, bound, best[0].Distance)
			}
		}
	}
}

// rewriteHeader changes a u64 header field; the format has no checksum,
// so the field's own check must notice (lakelink's key's checksum would
// too, after it).
func rewriteHeader(b []byte, start int64, off int, v uint64) {
	binary.LittleEndian.PutUint64(b[start+int64(off):], v)
}

// Damaged sections are errors that say what is wrong and name the column;
// the file's rows still read as plain Parquet.
func TestCorruptSections(t *testing.T) {
	const n = 300
	good, _ := withSection(t, ailk.HNSW, vectorops.Cosine, n)
	secs, _ := ailk.Sections(bytes.NewReader(good), int64(len(good)))
	start := secs[0].Start
	for _, tc := range []struct {
		name   string
		damage func(b []byte)
		want   string
		atLoad bool // found when the index is read, not when the section is
	}{
		{"bad magic", func(b []byte) { copy(b[start:], "XXXX") }, "bad magic", false},
		{"metric changed", func(b []byte) { b[start+13] ^= 1 }, "header or centroid checksum", false},
		{"unknown metric", func(b []byte) { b[start+13] = 9 }, "unknown metric 9", false},
		{"version", func(b []byte) { b[start+4] = 2 }, "format version 2", false},
		{"more records than rows", func(b []byte) { rewriteHeader(b, start, 16, n+1) }, "record count 301", false},
		{"centroid offset", func(b []byte) { rewriteHeader(b, start, 24, 60) }, "centroid at 60", false},
		{"truncated blob", func(b []byte) {
			rewriteHeader(b, start, 48, binary.LittleEndian.Uint64(b[start+48:])-100)
		}, "trailer", false},
		{"blob bit flip", func(b []byte) { b[start+ailk.HeaderSize+4*dim+4+50] ^= 0x10 }, "index blob checksum", true},
		{"trailer magic", func(b []byte) {
			i := bytes.LastIndex(b, []byte("AILK"))
			b[i] = 'X'
		}, "bad trailer magic", false},
		{"centroid", func(b []byte) { b[start+ailk.HeaderSize+3] ^= 0x40 }, "header or centroid checksum", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(good)
			tc.damage(b)
			secs, err := ailk.Sections(bytes.NewReader(b), int64(len(b)))
			if !tc.atLoad {
				if !errors.Is(err, ailk.ErrCorrupt) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `column "vec"`) {
					t.Errorf("Sections: %v, want %q", err, tc.want)
				}
			} else {
				if err != nil || len(secs) != 1 {
					t.Fatalf("Sections: %v", err)
				}
				_, err = ailk.Index(bytes.NewReader(b), secs[0])
				if !errors.Is(err, ailk.ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("Index: %v, want %q", err, tc.want)
				}
			}
			if rows := readRows(t, b); len(rows) != n {
				t.Errorf("%d rows read", len(rows))
			}
		})
	}
}

// A file without sections has none; a file with them is not spliced again;
// a footer entry that points elsewhere is corrupt.
func TestSectionsEdgeCases(t *testing.T) {
	plain, _ := plainFile(t, 50)
	if secs, err := ailk.Sections(bytes.NewReader(plain), int64(len(plain))); err != nil || len(secs) != 0 {
		t.Errorf("plain file: %v %v", secs, err)
	}
	b, _ := withSection(t, ailk.Flat, vectorops.L2, 50)
	if _, err := ailk.Splice(&bytes.Buffer{}, bytes.NewReader(b), int64(len(b)), nil); err == nil {
		t.Errorf("spliced twice")
	}
	if _, err := ailk.Sections(bytes.NewReader([]byte("PAR1 not really")), 15); err == nil {
		t.Errorf("not Parquet: no error")
	}
}
