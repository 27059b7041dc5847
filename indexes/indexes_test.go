package indexes

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops"
)

var schema = lake.Schema{Columns: []lake.Column{
	{Name: "id", Type: lake.BigInt, NotNull: true},
	{Name: "v", Type: lake.Type{Kind: lake.KindVector, Dim: 8}},
}, PrimaryKey: []string{"id"}}

// rows encodes n rows, every fifth with a NULL vector.
func rows(t *testing.T, n int) (keys, values [][]byte) {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	for i := range n {
		var v any
		if i%5 != 4 {
			x := make([]float32, 8)
			for k := range x {
				x[k] = float32(r.NormFloat64())
			}
			v = x
		}
		val, err := store.EncodeRow(schema, store.Row{int64(i), v})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, binary.BigEndian.AppendUint64(nil, uint64(i)))
		values = append(values, val)
	}
	return keys, values
}

func build(t *testing.T, d store.IndexDef, keys, values [][]byte, version func(i int) uint64) []byte {
	t.Helper()
	b, err := NewBuilder(d, schema)
	if err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		if _, err := b.AddRow(keys[i], values[i], version(i)); err != nil {
			t.Fatal(err)
		}
	}
	part, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return part
}

// Parts of every type decode to their entries and search; segments of
// several parts split back into them; a version-1 segment (one part, as
// stores before parts wrote) still reads.
func TestSegmentsOfParts(t *testing.T) {
	keys, values := rows(t, 300)
	var parts [][]byte
	for i, typ := range []string{HNSW, IVFPQ, Auto} {
		d := store.IndexDef{Name: "x", Column: "v", Type: typ, Metric: "l2", Options: map[string]int{"ivf_nlist": 4, "ivf_m": 2}}
		lo, hi := i*100, (i+1)*100
		parts = append(parts, build(t, d, keys[lo:hi], values[lo:hi], func(j int) uint64 { return uint64(lo + j + 1) }))
	}
	seg := EncodeSegment(parts)
	got, err := DecodeSegment(seg)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d parts", len(got))
	}
	for i, p := range got {
		if len(p.Keys) != 80 || p.Index.Len() != 80 { // 20 of each 100 are NULL
			t.Errorf("part %d: %d keys, %d vectors", i, len(p.Keys), p.Index.Len())
		}
		for j, k := range p.Keys {
			id := binary.BigEndian.Uint64(k)
			if p.Versions[j] != id+1 || id%5 == 4 || int(id)/100 != i {
				t.Errorf("part %d entry %d: key %d version %d", i, j, id, p.Versions[j])
			}
		}
		row, _ := store.DecodeRow(schema, values[binary.BigEndian.Uint64(p.Keys[7])])
		res, err := p.Index.Search(row[1].([]float32), 1, 0, nil)
		if err != nil || len(res) != 1 || res[0].Label != 7 {
			t.Errorf("part %d: nearest to entry 7's own vector: %v %v", i, res, err)
		}
	}
	one, err := DecodeSegment(parts[0])
	if err != nil || len(one) != 1 || len(one[0].Keys) != 80 {
		t.Errorf("a version-1 segment: %v", err)
	}
	if p, err := DecodeSegment(EncodeSegment(nil)); err != nil || len(p) != 0 {
		t.Errorf("an empty segment: %v %v", p, err)
	}
}

// No byte flip or truncation of a segment or of a staged part panics;
// truncations are errors.
func TestCorruptSegmentsAreErrors(t *testing.T) {
	keys, values := rows(t, 60)
	d := store.IndexDef{Name: "x", Column: "v", Type: HNSW, Metric: "cosine"}
	part := build(t, d, keys, values, func(int) uint64 { return 9 })
	seg := EncodeSegment([][]byte{part, part})
	staged, _ := Staged{Segments: []string{"a", "b"}, Origins: make([]Origin, 48), Part: part}.MarshalBinary()
	for name, b := range map[string][]byte{"segment": seg, "staged": staged} {
		for n := range len(b) {
			var err error
			if name == "segment" {
				_, err = DecodeSegment(b[:n])
			} else {
				var s Staged
				if s, err = UnmarshalStaged(b[:n]); err == nil {
					_, err = DecodePart(s.Part)
				}
			}
			if err == nil {
				t.Fatalf("%s cut to %d of %d bytes: no error", name, n, len(b))
			}
		}
		r := rand.New(rand.NewPCG(1, 1))
		for range 2000 {
			c := bytes.Clone(b)
			c[r.IntN(len(c))] ^= byte(1 + r.IntN(255))
			if name == "segment" {
				_, _ = DecodeSegment(c)
			} else if s, err := UnmarshalStaged(c); err == nil {
				_, _, _ = s.Resolve(5, func(string, int64) ([]byte, bool) { return nil, true })
			}
		}
	}
}

// A staged part round-trips, and Resolve gives the rows the commit wrote
// its version and every other entry 0.
func TestStagedResolve(t *testing.T) {
	keys, values := rows(t, 40)
	d := store.IndexDef{Name: "x", Column: "v", Type: HNSW, Metric: "ip"}
	b, _ := NewBuilder(d, schema)
	st := Staged{Segments: []string{"job/rows-0", "job/rows-1"}}
	for i := range keys {
		added, err := b.AddRow(keys[i], values[i], 0)
		if err != nil {
			t.Fatal(err)
		}
		if added {
			st.Origins = append(st.Origins, Origin{Segment: i / 20, Row: int64(i % 20)})
		}
	}
	st.Part, _ = b.Build()
	enc, _ := st.MarshalBinary()
	back, err := UnmarshalStaged(enc)
	if err != nil || fmt.Sprint(back.Segments, back.Origins) != fmt.Sprint(st.Segments, st.Origins) {
		t.Fatalf("round trip: %v", err)
	}
	written := func(seg string, row int64) ([]byte, bool) { return nil, seg == "job/rows-1" && row%2 == 0 }
	part, live, err := back.Resolve(77, written)
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodePart(part)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for j, k := range p.Keys {
		id := binary.BigEndian.Uint64(k)
		if w := id >= 20 && id%2 == 0; (p.Versions[j] == 77) != w || p.Versions[j] != 77 && p.Versions[j] != 0 {
			t.Errorf("id %d: version %d", id, p.Versions[j])
		} else if w {
			want++
		}
	}
	if live != want || live == 0 {
		t.Errorf("live %d, want %d", live, want)
	}
	bad := back
	bad.Origins = bad.Origins[:len(bad.Origins)-1]
	if _, _, err := bad.Resolve(1, written); err == nil {
		t.Errorf("fewer origins than entries: no error")
	}

	// A table without a primary key: the commit gives each row it writes
	// a hidden row id, which replaces the staged key; the search still
	// finds each entry's own vector at its label.
	enc2, _ := st.MarshalBinary()
	again, _ := UnmarshalStaged(enc2)
	hidden := func(seg string, row int64) ([]byte, bool) {
		if row%3 == 0 {
			return nil, false
		}
		return binary.BigEndian.AppendUint64([]byte("hidden:"), uint64(1000+row)+map[string]uint64{"job/rows-1": 20}[seg]), true
	}
	part, live, err = again.Resolve(9, hidden)
	if err != nil {
		t.Fatal(err)
	}
	if p, err = DecodePart(part); err != nil {
		t.Fatal(err)
	}
	live2 := 0
	for j, k := range p.Keys {
		o := st.Origins[j]
		want, ok := hidden(st.Segments[o.Segment], o.Row)
		if !ok {
			want = keys[o.Segment*20+int(o.Row)]
		}
		if !bytes.Equal(k, want) || (p.Versions[j] == 9) != ok {
			t.Fatalf("entry %d: key %x version %d, want %x (written %v)", j, k, p.Versions[j], want, ok)
		}
		if ok {
			live2++
		}
	}
	if live != live2 || live == 0 {
		t.Errorf("live %d, want %d", live, live2)
	}
	row, _ := store.DecodeRow(schema, values[st.Origins[5].Segment*20+int(st.Origins[5].Row)])
	q := row[1].([]float32)
	var self float32
	for _, x := range q {
		self += x * x
	}
	res, err := p.Index.Search(q, p.Index.Len(), 1000, nil)
	if err != nil || !slices.ContainsFunc(res, func(r vectorops.Result) bool { return r.Label == 5 && math.Abs(float64(r.Distance+self)) < 1e-4 }) {
		t.Errorf("search after rekeying: entry 5 (ip %v) not in %v %v", -self, res, err)
	}
}

func TestSegmentRows(t *testing.T) {
	d := store.IndexDef{}
	for _, c := range []struct {
		dim   int
		limit int64
		want  int
	}{
		{384, 0, 349525}, {128, 0, 1048576}, {384, 64 << 20, 10922}, {384, 1 << 20, 1000},
	} {
		if got := SegmentRows(d, c.dim, c.limit); got != c.want {
			t.Errorf("dim %d limit %d: %d, want %d", c.dim, c.limit, got, c.want)
		}
	}
	if got := SegmentRows(store.IndexDef{Options: map[string]int{"segment_rows": 5}}, 384, 0); got != 5 {
		t.Errorf("segment_rows: %d", got)
	}
}
