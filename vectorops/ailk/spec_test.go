package ailk_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/lake"

	"github.com/lakelink/lakelink/testing/fixtures"
	"github.com/lakelink/lakelink/vectorops"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// specSection is what a reader written from the AI-Lake file format v1
// finds at one header offset; every field is checked against the
// definition, not against package ailk's reader.
type specSection struct {
	flags    uint16
	dim      int
	prec     byte
	metric   byte
	records  uint64
	centroid []float32
	radius   float32
	indexLen uint64
}

func readSpecSection(t *testing.T, b []byte, at int64, fileRows int64) specSection {
	t.Helper()
	h := b[at : at+64]
	le := binary.LittleEndian
	if string(h[0:4]) != "AILK" {
		t.Fatalf("header at %d: magic %q", at, h[0:4])
	}
	if v := le.Uint16(h[4:]); v != 1 {
		t.Fatalf("format_version %d", v)
	}
	s := specSection{flags: le.Uint16(h[6:]), dim: int(le.Uint32(h[8:])), prec: h[12], metric: h[13], records: le.Uint64(h[16:])}
	if h[14] != 0 || h[15] != 0 || !bytes.Equal(h[56:64], make([]byte, 8)) {
		t.Errorf("reserved bytes not zero: %v %v", h[14:16], h[56:64])
	}
	if s.flags&^3 != 0 || s.prec > 2 || s.metric > 3 {
		t.Errorf("flags %d, precision %d, metric %d out of the enums", s.flags, s.prec, s.metric)
	}
	if s.records != uint64(fileRows) {
		t.Errorf("record_count %d, the file has %d rows", s.records, fileRows)
	}
	centOff, centLen, idxOff := le.Uint64(h[24:]), le.Uint64(h[32:]), le.Uint64(h[40:])
	s.indexLen = le.Uint64(h[48:])
	if centOff != 64 || centLen != uint64(s.dim*4+4) || idxOff != 64+centLen {
		t.Errorf("centroid_offset %d, centroid_len %d, index offset %d for dim %d", centOff, centLen, idxOff, s.dim)
	}
	for i := range s.dim {
		s.centroid = append(s.centroid, math.Float32frombits(le.Uint32(b[at+64+int64(4*i):])))
	}
	s.radius = math.Float32frombits(le.Uint32(b[at+64+int64(4*s.dim):]))
	total := 64 + centLen + s.indexLen + 24
	tr := b[at+int64(total)-24 : at+int64(total)]
	if le.Uint64(tr[0:]) != uint64(at) || le.Uint64(tr[8:]) != total || le.Uint16(tr[16:]) != 1 || le.Uint16(tr[18:]) != s.flags || string(tr[20:24]) != "AILK" {
		t.Errorf("trailer: header at %d (want %d), length %d (want %d), version %d, flags %d (want %d), magic %q",
			le.Uint64(tr[0:]), at, le.Uint64(tr[8:]), total, le.Uint16(tr[16:]), le.Uint16(tr[18:]), s.flags, tr[20:24])
	}
	return s
}

type twoVectors struct {
	ID    int64     `parquet:"id"`
	Vec   []float32 `parquet:"vec,list"`
	Other []float32 `parquet:"other,list"`
}

// Files lakelink writes are AI-Lake v1 files: a reader written from the
// definition finds, through the footer's keys, each column's header and
// trailer with the right magics, enums, offsets and lengths, the file's
// row count as record_count, and the centroid and radius that the rows
// give (the mean, and the largest distance under the metric), for flat,
// HNSW and IVF-PQ sections, every metric, and two vector columns.
func TestFilesFollowTheAILakeFormat(t *testing.T) {
	const n = 400
	vecs, others := vectors(n, 1), vectors(n, 9)
	rows := make([]twoVectors, n)
	labels := make([]uint64, n)
	for i := range rows {
		rows[i] = twoVectors{int64(i), vecs[i], others[i]}
		labels[i] = uint64(i)
	}
	var plain bytes.Buffer
	if err := parquet.Write(&plain, rows, parquet.MaxRowsPerRowGroup(150)); err != nil {
		t.Fatal(err)
	}
	metricCode := map[vectorops.Metric]byte{vectorops.Cosine: 0, vectorops.L2: 1, vectorops.InnerProduct: 2}
	for _, kind := range []ailk.Kind{ailk.Flat, ailk.HNSW, ailk.IVFPQ} {
		for _, m := range []vectorops.Metric{vectorops.Cosine, vectorops.L2, vectorops.InnerProduct} {
			t.Run(kind.String()+"/"+m.String(), func(t *testing.T) {
				o := ailk.Options{Kind: kind, Metric: m, HNSW: vectorops.HNSWConfig{M: 8, EfConstruction: 40, Seed: 1}, IVFPQ: vectorops.IVFPQConfig{NList: 8, M: 4}}
				var secs []ailk.Section
				for _, c := range []struct {
					name string
					v    [][]float32
				}{{"vec", vecs}, {"other", others}} {
					s, err := ailk.Build(c.name, n, labels, c.v, o)
					if err != nil {
						t.Fatal(err)
					}
					secs = append(secs, s)
				}
				var out bytes.Buffer
				if _, err := ailk.Splice(&out, bytes.NewReader(plain.Bytes()), int64(plain.Len()), secs); err != nil {
					t.Fatal(err)
				}
				b := out.Bytes()
				pf, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
				if err != nil {
					t.Fatalf("a Parquet reader opens the file: %v", err)
				}
				kv := map[string]string{}
				for _, e := range pf.Metadata().KeyValueMetadata {
					kv[e.Key] = e.Value
				}
				// The primary column's header through ailake.footer_offset,
				// the further column's through ailake.other.footer_offset.
				for col, key := range map[string]string{"vec": "ailake.footer_offset", "other": "ailake.other.footer_offset"} {
					at, err := strconv.ParseInt(kv[key], 10, 64)
					if err != nil {
						t.Fatalf("%s = %q: not a decimal offset", key, kv[key])
					}
					s := readSpecSection(t, b, at, pf.NumRows())
					wantFlags := map[ailk.Kind]uint16{ailk.Flat: 0, ailk.HNSW: 0, ailk.IVFPQ: 1}[kind]
					if s.flags != wantFlags || s.dim != dim || s.prec != 0 || s.metric != metricCode[m] {
						t.Errorf("%s: flags %d (want %d), dim %d, precision %d, metric %d (want %d)", col, s.flags, wantFlags, s.dim, s.prec, s.metric, metricCode[m])
					}
					if (kind == ailk.Flat) != (s.indexLen == 0) {
						t.Errorf("%s: a %s section with an index of %d bytes", col, kind, s.indexLen)
					}
					v := map[string][][]float32{"vec": vecs, "other": others}[col]
					mean := make([]float64, dim)
					for _, x := range v {
						for i := range x {
							mean[i] += float64(x[i]) / n
						}
					}
					for i := range mean {
						if math.Abs(mean[i]-float64(s.centroid[i])) > 1e-5 {
							t.Fatalf("%s: centroid[%d] %g, the rows' mean %g", col, i, s.centroid[i], mean[i])
						}
					}
					var radius float64
					for _, x := range v {
						var d, dot, xx, cc float64
						for i := range x {
							c := float64(s.centroid[i])
							d += (float64(x[i]) - c) * (float64(x[i]) - c)
							dot += float64(x[i]) * c
							xx += float64(x[i]) * float64(x[i])
							cc += c * c
						}
						if m == vectorops.Cosine {
							radius = math.Max(radius, 1-dot/math.Sqrt(xx*cc))
						} else { // Euclidean; lakelink's documented choice for DotProduct
							radius = math.Max(radius, math.Sqrt(d))
						}
					}
					if r := float64(s.radius); r < radius || r > radius*(1+1e-5)+1e-6 {
						t.Errorf("%s: radius %g, the largest distance from the centroid %g", col, r, radius)
					}
				}
			})
		}
	}
}

// Files that lakelink wrote before it followed the AI-Lake format (the
// testdata files, made by that version's Build and Splice) still read:
// their sections are found, the HNSW index answers like an exact scan,
// and the bound stays below every true distance.
func TestLegacyFilesStillRead(t *testing.T) {
	for _, name := range []string{"legacy_hnsw_cosine.parquet", "legacy_flat_cosine.parquet"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			secs, err := ailk.Sections(bytes.NewReader(b), int64(len(b)))
			if err != nil || len(secs) != 1 || secs[0].Column != "vec" || secs[0].Metric != vectorops.Cosine || secs[0].Dim != 8 || secs[0].Rows != 120 {
				t.Fatalf("sections %+v: %v", secs, err)
			}
			rows := readLegacyRows(t, b)
			flat := vectorops.NewFlat(8, vectorops.Cosine)
			for i, r := range rows {
				flat.Add(uint64(i), r)
			}
			idx, err := ailk.Index(bytes.NewReader(b), secs[0])
			if err != nil {
				t.Fatal(err)
			}
			if (idx == nil) != (secs[0].Kind == ailk.Flat) {
				t.Fatalf("kind %s, index %v", secs[0].Kind, idx)
			}
			for k, q := range vectors(50, 11) {
				q = q[:8]
				if k%2 == 1 {
					for j := range q {
						q[j] = -q[j]
					}
				}
				want, _ := flat.Search(q, 5, nil)
				if secs[0].Bound(q) > want[0].Distance+1e-5 {
					t.Fatalf("query %d: bound %g above the best %g", k, secs[0].Bound(q), want[0].Distance)
				}
				if idx == nil {
					continue
				}
				got, err := idx.Search(q, 5, 200, nil)
				if err != nil || len(got) != 5 || got[0].Label != want[0].Label {
					t.Fatalf("query %d: index %v, scan %v (%v)", k, got, want, err)
				}
			}
		})
	}
}

func readLegacyRows(t *testing.T, b []byte) [][]float32 {
	t.Helper()
	type legacyRow struct {
		ID  int64     `parquet:"id"`
		Vec []float32 `parquet:"vec,list"`
	}
	rows, err := parquet.Read[legacyRow](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]float32, len(rows))
	for i, r := range rows {
		out[i] = r.Vec
	}
	return out
}

// The bound prunes correctly for v1 sections too: under every metric it
// never exceeds the best true distance, for queries near and far.
func TestV1BoundIsALowerBound(t *testing.T) {
	for _, m := range []vectorops.Metric{vectorops.L2, vectorops.Cosine, vectorops.InnerProduct} {
		b, vecs := withSection(t, ailk.Flat, m, 300)
		secs, err := ailk.Sections(bytes.NewReader(b), int64(len(b)))
		if err != nil || len(secs) != 1 {
			t.Fatal(err)
		}
		flat := vectorops.NewFlat(dim, m)
		for i, v := range vecs {
			flat.Add(uint64(i), v)
		}
		pruned := 0
		for k, q := range vectors(300, 5) {
			if k%3 == 0 {
				for j := range q {
					q[j] = -q[j] * float32(k%7)
				}
			}
			best, _ := flat.Search(q, 1, nil)
			bound := secs[0].Bound(q)
			if bound > best[0].Distance+1e-5 {
				t.Fatalf("%s: query %d: bound %g above the best distance %g", m, k, bound, best[0].Distance)
			}
			if bound > best[0].Distance/2 {
				pruned++
			}
		}
		if m != vectorops.InnerProduct && pruned == 0 {
			t.Errorf("%s: the bound was never close to the best distance: it prunes nothing", m)
		}
	}
}

// A section whose index blob is not lakelink's (no lakelink key names it)
// reads as Foreign: its header, centroid and radius serve pruning, and
// Index refuses the blob instead of misreading it.
func TestForeignSections(t *testing.T) {
	b, vecs := withSection(t, ailk.HNSW, vectorops.L2, 200)
	f, err := fixtures.WithoutFooterKeys(b, "lakelink.")
	if err != nil {
		t.Fatal(err)
	}
	secs, err := ailk.Sections(bytes.NewReader(f), int64(len(f)))
	if err != nil || len(secs) != 1 || secs[0].Kind != ailk.Foreign || secs[0].Column != "vec" {
		t.Fatalf("sections %+v: %v", secs, err)
	}
	if _, err := ailk.Index(bytes.NewReader(f), secs[0]); !errors.Is(err, ailk.ErrForeignIndex) {
		t.Errorf("Index of a foreign blob: %v", err)
	}
	flat := vectorops.NewFlat(dim, vectorops.L2)
	for i, v := range vecs {
		flat.Add(uint64(i), v)
	}
	for _, q := range vectors(20, 4) {
		best, _ := flat.Search(q, 1, nil)
		if secs[0].Bound(q) > best[0].Distance+1e-5 {
			t.Fatalf("bound %g above %g", secs[0].Bound(q), best[0].Distance)
		}
	}
	if rows := readRows(t, f); len(rows) != 200 {
		t.Errorf("%d rows", len(rows))
	}
}

// Files lakelink's Parquet writer makes with vector_format =
// 'fixed_len_byte_array' in each precision follow the format as a reader
// written from its definition sees them: the vector column is
// FIXED_LEN_BYTE_ARRAY of dim × (4, 2, 1) bytes; every row group's column
// chunk carries ailake.dim, precision, metric, vector_column,
// record_count and format_version; the section header names the
// precision (F32 = 0, F16 = 1, I8 = 2); the centroid is the mean and the
// radius the largest distance of the vectors as the column stores them
// (F16 decoded as IEEE half, I8 q as q/127), recomputed from the bytes.
func TestPrecisionFilesFollowTheAILakeFormat(t *testing.T) {
	const n = 300
	raw := vectors(n, 3)
	var top float64
	for _, v := range raw {
		for _, x := range v {
			top = math.Max(top, math.Abs(float64(x)))
		}
	}
	schema := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt, NotNull: true}, {Name: "emb", Type: lake.Vector(dim)}}}
	rows := make([][]any, n)
	for i, v := range raw {
		w := make([]float32, dim)
		for j, x := range v {
			w[j] = float32(float64(x) / top) // within [-1, 1], for I8
		}
		rows[i] = []any{int64(i), w}
	}
	rows[7][1] = nil // a NULL vector: a row without a label
	rec, err := lake.NewRecord(schema, rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, prec := range []struct {
		name  string
		code  byte
		bytes int
	}{{"f32", 0, 4}, {"f16", 1, 2}, {"i8", 2, 1}} {
		for _, kind := range []string{"flat", "hnsw", "ivfpq"} {
			t.Run(prec.name+"/"+kind, func(t *testing.T) {
				var buf bytes.Buffer
				w, err := parquetio.NewWriter(context.Background(), &buf, schema.Columns, parquetio.WriterOptions{RowGroupRows: 128,
					VectorLayout: parquetio.VectorFixedLenByteArray, VectorPrecision: prec.name,
					Index: &parquetio.IndexOptions{Kind: kind, Metric: "l2", HNSW: vectorops.HNSWConfig{M: 8, EfConstruction: 40, Seed: 1}, IVFPQ: vectorops.IVFPQConfig{NList: 4, M: 4}}})
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Write(lake.Batch{Record: rec}); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				b := buf.Bytes()
				pf, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
				if err != nil {
					t.Fatal(err)
				}
				leaf, _ := pf.Schema().Lookup("emb")
				if leaf.Node.Type().Kind() != parquet.FixedLenByteArray || leaf.Node.Type().Length() != dim*prec.bytes {
					t.Fatalf("emb is %v of %d bytes, want FIXED_LEN_BYTE_ARRAY(%d)", leaf.Node.Type(), leaf.Node.Type().Length(), dim*prec.bytes)
				}
				md := pf.Metadata()
				if len(md.RowGroups) != 3 {
					t.Fatalf("%d row groups", len(md.RowGroups))
				}
				want := map[string]string{"ailake.dim": strconv.Itoa(dim), "ailake.precision": prec.name, "ailake.metric": "euclidean",
					"ailake.vector_column": "emb", "ailake.record_count": strconv.Itoa(n), "ailake.format_version": "1"}
				for g, rg := range md.RowGroups {
					kv := map[string]string{}
					for _, e := range rg.Columns[leaf.ColumnIndex].MetaData.KeyValueMetadata {
						kv[e.Key] = e.Value
					}
					for k, v := range want {
						if kv[k] != v {
							t.Errorf("row group %d: %s = %q, want %q", g, k, kv[k], v)
						}
					}
				}
				// The stored vectors, decoded from the bytes by the definition.
				var stored [][]float32
				for _, rg := range pf.RowGroups() {
					pages := rg.ColumnChunks()[leaf.ColumnIndex].Pages()
					for {
						p, err := pages.ReadPage()
						if err != nil {
							break
						}
						vals := make([]parquet.Value, p.NumValues())
						k, _ := p.Values().ReadValues(vals)
						for _, v := range vals[:k] {
							if v.IsNull() {
								continue
							}
							raw := v.ByteArray()
							x := make([]float32, dim)
							for j := range x {
								switch prec.bytes {
								case 4:
									x[j] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:]))
								case 2:
									x[j] = float16.FromBits(binary.LittleEndian.Uint16(raw[2*j:])).Float32()
								case 1:
									x[j] = float32(int8(raw[j])) / 127
								}
							}
							stored = append(stored, x)
						}
					}
					pages.Close()
				}
				if len(stored) != n-1 {
					t.Fatalf("%d stored vectors, want %d", len(stored), n-1)
				}
				kv := map[string]string{}
				for _, e := range md.KeyValueMetadata {
					kv[e.Key] = e.Value
				}
				at, err := strconv.ParseInt(kv["ailake.footer_offset"], 10, 64)
				if err != nil {
					t.Fatalf("ailake.footer_offset %q", kv["ailake.footer_offset"])
				}
				s := readSpecSection(t, b, at, pf.NumRows())
				if s.prec != prec.code || s.metric != 1 || s.dim != dim {
					t.Errorf("header precision %d (want %d), metric %d, dim %d", s.prec, prec.code, s.metric, s.dim)
				}
				mean := make([]float64, dim)
				for _, x := range stored {
					for j := range x {
						mean[j] += float64(x[j]) / float64(len(stored))
					}
				}
				var radius float64
				for _, x := range stored {
					var d float64
					for j := range x {
						c := float64(s.centroid[j])
						d += (float64(x[j]) - c) * (float64(x[j]) - c)
					}
					radius = math.Max(radius, math.Sqrt(d))
				}
				for j := range mean {
					if math.Abs(mean[j]-float64(s.centroid[j])) > 1e-5 {
						t.Fatalf("centroid[%d] %g, the stored vectors' mean %g", j, s.centroid[j], mean[j])
					}
				}
				if r := float64(s.radius); r < radius || r > radius*(1+1e-5)+1e-6 {
					t.Errorf("radius %g, the largest distance of the stored vectors %g", r, radius)
				}
				// Lower precisions change the values by at most their step.
				step := map[int]float64{4: 0, 2: 1.0 / 1024, 1: 0.5 / 127}[prec.bytes]
				for i, x := range stored {
					r := i
					if i >= 7 {
						r = i + 1 // row 7 is NULL
					}
					src := rows[r][1].([]float32)
					for j := range x {
						if math.Abs(float64(x[j]-src[j])) > step*math.Max(1, math.Abs(float64(src[j])))+1e-7 {
							t.Fatalf("vector %d[%d]: stored %g for %g", i, j, x[j], src[j])
						}
					}
				}
			})
		}
	}
	// I8 refuses a value it cannot hold, naming the column, row and element.
	bad, _ := lake.NewRecord(schema, [][]any{{int64(0), make([]float32, dim)}, {int64(1), append([]float32{1.5}, make([]float32, dim-1)...)}})
	w, err := parquetio.NewWriter(context.Background(), io.Discard, schema.Columns, parquetio.WriterOptions{VectorLayout: parquetio.VectorFixedLenByteArray, VectorPrecision: "i8"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.Write(lake.Batch{Record: bad}); err == nil || !strings.Contains(err.Error(), `column "emb", row 1, element 0: 1.5 is outside [-1, 1]`) {
		t.Errorf("i8 of 1.5: %v", err)
	}
	if _, err := parquetio.NewWriter(context.Background(), io.Discard, schema.Columns, parquetio.WriterOptions{VectorPrecision: "f16"}); err == nil {
		t.Error("f16 without the fixed_len_byte_array layout was accepted")
	}
}
