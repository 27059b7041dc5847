package engine_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

const aiDim = 6

type aiLakeRow struct {
	ID  int64           `parquet:"id"`
	Emb [2 * aiDim]byte `parquet:"emb"`
}

// aiLakeFile builds, from the AI-Lake file format v1 definition and not
// from lakelink's writer, a file of n rows whose vector column is
// FIXED_LEN_BYTE_ARRAY F16 with the format's field metadata, and one AILK
// section (Euclidean, flags 0: HNSW) whose index blob is bytes lakelink
// cannot decode, as another writer's HNSW would be. It returns the file
// and the vectors as the F16 values decode.
func aiLakeFile(t *testing.T, n int) ([]byte, [][]float32) {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	rows := make([]aiLakeRow, n)
	vecs := make([][]float32, n)
	for i := range rows {
		rows[i].ID = int64(i)
		for j := range aiDim {
			h := float16.New(float32(r.NormFloat64()))
			binary.LittleEndian.PutUint16(rows[i].Emb[2*j:], h.Uint16())
			vecs[i] = append(vecs[i], h.Float32())
		}
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows, parquet.MaxRowsPerRowGroup(128)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	le := binary.LittleEndian
	footLen := int(le.Uint32(b[len(b)-8:]))
	start := len(b) - 8 - footLen
	var md format.FileMetaData
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), b[start:len(b)-8], &md); err != nil {
		t.Fatal(err)
	}
	for g := range md.RowGroups {
		md.RowGroups[g].Columns[1].MetaData.KeyValueMetadata = []format.KeyValue{
			{Key: "ailake.dim", Value: fmt.Sprint(aiDim)}, {Key: "ailake.precision", Value: "f16"},
			{Key: "ailake.metric", Value: "euclidean"}, {Key: "ailake.vector_column", Value: "emb"},
			{Key: "ailake.record_count", Value: fmt.Sprint(n)}, {Key: "ailake.format_version", Value: "1"}}
	}
	// The section: header, centroid and radius, index blob, trailer.
	mean := make([]float64, aiDim)
	for _, v := range vecs {
		for j, x := range v {
			mean[j] += float64(x) / float64(n)
		}
	}
	var radius float64
	for _, v := range vecs {
		var d float64
		for j, x := range v {
			d += (float64(x) - float64(float32(mean[j]))) * (float64(x) - float64(float32(mean[j])))
		}
		radius = math.Max(radius, math.Sqrt(d))
	}
	blob := make([]byte, 40)
	for i := range blob {
		blob[i] = byte(r.IntN(256))
	}
	centLen := uint64(aiDim*4 + 4)
	sec := make([]byte, 64)
	copy(sec, "AILK")
	le.PutUint16(sec[4:], 1)     // format_version
	le.PutUint16(sec[6:], 0)     // flags: HNSW
	le.PutUint32(sec[8:], aiDim) // dim
	sec[12], sec[13] = 1, 1      // F16, Euclidean
	le.PutUint64(sec[16:], uint64(n))
	le.PutUint64(sec[24:], 64)
	le.PutUint64(sec[32:], centLen)
	le.PutUint64(sec[40:], 64+centLen)
	le.PutUint64(sec[48:], uint64(len(blob)))
	for _, m := range mean {
		sec = le.AppendUint32(sec, math.Float32bits(float32(m)))
	}
	sec = le.AppendUint32(sec, math.Float32bits(float32(radius*(1+1e-6))))
	sec = append(sec, blob...)
	total := uint64(len(sec) + 24)
	sec = le.AppendUint64(sec, uint64(start))
	sec = le.AppendUint64(sec, total)
	sec = le.AppendUint16(sec, 1)
	sec = le.AppendUint16(sec, 0)
	sec = append(sec, "AILK"...)
	md.KeyValueMetadata = append(md.KeyValueMetadata, format.KeyValue{Key: "ailake.footer_offset", Value: fmt.Sprint(start)})
	foot, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		t.Fatal(err)
	}
	out := append(bytes.Clone(b[:start]), sec...)
	out = append(out, foot...)
	out = le.AppendUint32(out, uint32(len(foot)))
	return append(out, "PAR1"...), vecs
}

// An AI-Lake file from another writer (F16 FIXED_LEN_BYTE_ARRAY vectors,
// a section lakelink cannot decode) imports as VECTOR(6) with the F16
// values, and parquet_scan searches it exactly by scanning that file.
func TestForeignAILakeFileImportsAndSearches(t *testing.T) {
	const n = 300
	b, vecs := aiLakeFile(t, n)
	path := filepath.Join(t.TempDir(), "ailake.parquet")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s := session(t, "direct")
	exec(t, s, "COPY FROM '"+path+"' INTO vecs")
	if typ := schemaOf(t, s.Store, "vecs"); !strings.Contains(typ, "emb VECTOR(6)") {
		t.Fatalf("schema %s", typ)
	}
	for _, r := range exec(t, s, "SELECT id, emb FROM vecs")[0].Rows {
		if got, want := r[1].([]float32), vecs[r[0].(int64)]; !slices.Equal(got, want) {
			t.Fatalf("id %d: %v, the F16 values %v", r[0], got, want)
		}
	}
	q := []float32{0.3, -1, 0.5, 2, 0, -0.7}
	byID := map[int64][]float32{}
	for i, v := range vecs {
		byID[int64(i)] = v
	}
	want := exactL2(byID, q, 5)
	s.Params = map[int]any{1: q}
	for _, from := range []string{"parquet_scan('" + path + "')", "vecs"} {
		r := exec(t, s, "SELECT id FROM "+from+" ORDER BY emb <-> $1 LIMIT 5")[0]
		if got := ids(t, r.Rows); !slices.Equal(got, want) {
			t.Errorf("%s: %v, exact %v (plan %s)", from, got, want, r.Plan)
		}
		if strings.HasPrefix(from, "parquet_scan") && !strings.Contains(r.Plan, "1 scanned") {
			t.Errorf("plan %s: the file with a foreign index blob must be scanned", r.Plan)
		}
	}
}

type unitRow struct {
	ID  int64     `parquet:"id"`
	Emb []float32 `parquet:"emb,list"`
}

// COPY TO with vector_format = 'fixed_len_byte_array' and
// vector_precision 'f16' or 'i8' writes AI-Lake vectors that COPY FROM
// reads back as the stored values (half precision; q/127), and
// parquet_scan's AILK search over them returns the exact top-k of the
// stored values; on direct and Prism. A value I8 cannot hold fails the
// export, which writes nothing.
func TestExportPrecisionsRoundTrip(t *testing.T) {
	const n, d = 600, 8
	r := rand.New(rand.NewPCG(7, 8))
	rows := make([]unitRow, n)
	for i := range rows {
		rows[i].ID = int64(i)
		for range d {
			rows[i].Emb = append(rows[i].Emb, float32(r.Float64()*2-1))
		}
	}
	src := writeParquet(t, rows)
	stored := map[string]func(float32) float32{
		"f16": func(x float32) float32 { return float16.New(x).Float32() },
		"i8":  func(x float32) float32 { return float32(int8(math.Round(float64(x)*127))) / 127 },
	}
	q := []float32{0.2, -0.4, 0.9, 0, 0.1, -0.8, 0.5, 0.3}
	for _, runner := range []string{"direct", "prism"} {
		s := session(t, runner)
		exec(t, s, "COPY FROM '"+src+"' INTO t")
		for prec, conv := range stored {
			dir := filepath.Join(t.TempDir(), prec)
			exec(t, s, "COPY t TO '"+dir+"/' WITH (vector_format = 'fixed_len_byte_array', vector_precision = '"+prec+"', vector_index = 'hnsw', index_metric = 'l2', max_file_size = 20000)")
			files := parquetFiles(t, dir)
			if len(files) < 2 {
				t.Fatalf("%s: %d files; the search should span several", prec, len(files))
			}
			back := "back_" + prec
			exec(t, s, "COPY FROM '"+dir+"/' INTO "+back)
			if typ := schemaOf(t, s.Store, back); !strings.Contains(typ, "emb VECTOR(8)") {
				t.Fatalf("%s: schema %s", prec, typ)
			}
			want := map[int64][]float32{}
			for _, row := range rows {
				v := make([]float32, d)
				for j, x := range row.Emb {
					v[j] = conv(x)
				}
				want[row.ID] = v
			}
			if c := count(t, s, back); c != n {
				t.Fatalf("%s %s: %d rows back, want %d", runner, prec, c, n)
			}
			for _, row := range exec(t, s, "SELECT id, emb FROM "+back)[0].Rows {
				if got := row[1].([]float32); !slices.Equal(got, want[row[0].(int64)]) {
					t.Fatalf("%s %s: id %d reads %v, stored %v", runner, prec, row[0], got, want[row[0].(int64)])
				}
			}
			s.Params = map[int]any{1: q}
			res := exec(t, s, "SELECT id FROM parquet_scan('"+dir+"/') ORDER BY emb <-> $1 LIMIT 10")[0]
			if got, exact := ids(t, res.Rows), exactL2(want, q, 10); !slices.Equal(got, exact) {
				t.Errorf("%s %s: parquet_scan top 10 %v, exact %v (plan %s)", runner, prec, got, exact, res.Plan)
			}
		}
		// 1.5 does not fit I8: the export fails and leaves no files.
		exec(t, s, "COPY FROM '"+writeParquet(t, []unitRow{{ID: 9, Emb: []float32{1.5, 0, 0, 0, 0, 0, 0, 0}}})+"' INTO t")
		dir := filepath.Join(t.TempDir(), "bad")
		_, err := s.Exec(context.Background(), "COPY t TO '"+dir+"/' WITH (vector_format = 'fixed_len_byte_array', vector_precision = 'i8')")
		if err == nil || !strings.Contains(err.Error(), `column "emb"`) || !strings.Contains(err.Error(), "1.5 is outside [-1, 1]") {
			t.Errorf("%s: i8 of 1.5: %v", runner, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s: the failed export left %v", runner, entries)
		}
	}
}

// exactL2 is the exact top k of vecs by Euclidean distance to q, ties by
// id.
func exactL2(vecs map[int64][]float32, q []float32, k int) []int64 {
	type hit struct {
		id int64
		d  float64
	}
	var all []hit
	for id, v := range vecs {
		var d float64
		for j := range v {
			d += (float64(v[j]) - float64(q[j])) * (float64(v[j]) - float64(q[j]))
		}
		all = append(all, hit{id, d})
	}
	slices.SortFunc(all, func(a, b hit) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.id, b.id)) })
	out := make([]int64, 0, k)
	for _, h := range all[:min(k, len(all))] {
		out = append(out, h.id)
	}
	return out
}
