package engine_test

import (
	"bytes"
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
	type hit struct {
		id int64
		d  float64
	}
	var exact []hit
	for i, v := range vecs {
		var d float64
		for j := range v {
			d += (float64(v[j]) - float64(q[j])) * (float64(v[j]) - float64(q[j]))
		}
		exact = append(exact, hit{int64(i), d})
	}
	slices.SortFunc(exact, func(a, b hit) int {
		if a.d != b.d {
			if a.d < b.d {
				return -1
			}
			return 1
		}
		return int(a.id - b.id)
	})
	s.Params = map[int]any{1: q}
	for _, from := range []string{"parquet_scan('" + path + "')", "vecs"} {
		r := exec(t, s, "SELECT id FROM "+from+" ORDER BY emb <-> $1 LIMIT 5")[0]
		var got []int64
		for _, row := range r.Rows {
			got = append(got, row[0].(int64))
		}
		want := []int64{exact[0].id, exact[1].id, exact[2].id, exact[3].id, exact[4].id}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, exact %v (plan %s)", from, got, want, r.Plan)
		}
		if strings.HasPrefix(from, "parquet_scan") && !strings.Contains(r.Plan, "1 scanned") {
			t.Errorf("plan %s: the file with a foreign index blob must be scanned", r.Plan)
		}
	}
}
