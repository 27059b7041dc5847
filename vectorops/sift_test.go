package vectorops

import (
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// siftDir is the real SIFT set of ../shared/data (see its README).
var siftDir = filepath.Join("..", "..", "shared", "data", "vectors", "sift5k")

// readVecs reads an fvecs or ivecs file: per vector a little-endian int32
// dimension, then that many 4-byte values.
func readVecs[T float32 | int32](t testing.TB, name string) [][]T {
	t.Helper()
	f, err := os.Open(filepath.Join(siftDir, name))
	if os.IsNotExist(err) {
		t.Skipf("real data absent (%s): see ../shared/data/README.md", siftDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]T
	for {
		var d int32
		if err := binary.Read(f, binary.LittleEndian, &d); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		v := make([]T, d)
		if err := binary.Read(f, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
}

type siftSet struct {
	base, queries [][]float32
	truth         [][]int32 // per query, the ids of its 100 nearest by L2
}

func loadSIFT(t testing.TB) siftSet {
	s := siftSet{
		base:    readVecs[float32](t, "ngt_sift5k_base.fvecs"),
		queries: readVecs[float32](t, "siftsmall_query.fvecs"),
		truth:   readVecs[int32](t, "ngt_sift5k_siftsmallq_groundtruth.ivecs"),
	}
	if len(s.base) != 5000 || len(s.queries) != 100 || len(s.truth) != 100 {
		t.Fatalf("sift5k: %d base, %d queries, %d truths", len(s.base), len(s.queries), len(s.truth))
	}
	return s
}

// recallAt is the share of the true k nearest that the results found.
func recallAt(k int, got []Result, truth []int32) float64 {
	want := map[uint64]bool{}
	for _, id := range truth[:k] {
		want[uint64(id)] = true
	}
	hit := 0
	for _, r := range got[:min(k, len(got))] {
		if want[r.Label] {
			hit++
		}
	}
	return float64(hit) / float64(k)
}

// The flat index gives exactly the ground truth of the real SIFT set:
// the same ids in the same order (the truth breaks ties by id, as Flat
// does).
func TestFlatIsExactOnSIFT(t *testing.T) {
	s := loadSIFT(t)
	f := NewFlat(128, L2)
	for i, v := range s.base {
		if err := f.Add(uint64(i), v); err != nil {
			t.Fatal(err)
		}
	}
	for qi, q := range s.queries {
		got, err := f.Search(q, 100, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range got {
			if r.Label != uint64(s.truth[qi][i]) {
				// Equal distances may list in either order only if the
				// truth's own distances tie.
				want := L2Squared(q, s.base[s.truth[qi][i]])
				if math.Abs(float64(want-r.Distance)) > 1e-3*float64(want) {
					t.Fatalf("query %d, rank %d: id %d (%g), truth %d (%g)", qi, i, r.Label, r.Distance, s.truth[qi][i], want)
				}
			}
		}
	}
}

// HNSW at its default settings reaches recall@10 of at least 0.95 on the
// real SIFT set, and more with a larger ef.
func TestHNSWRecallOnSIFT(t *testing.T) {
	s := loadSIFT(t)
	h := NewHNSW(128, L2, DefaultHNSW)
	for i, v := range s.base {
		if err := h.Add(uint64(i), v); err != nil {
			t.Fatal(err)
		}
	}
	for _, ef := range []int{0, 400} {
		var sum float64
		for qi, q := range s.queries {
			got, err := h.Search(q, 10, ef, nil)
			if err != nil {
				t.Fatal(err)
			}
			sum += recallAt(10, got, s.truth[qi])
		}
		recall := sum / float64(len(s.queries))
		t.Logf("ef %d: recall@10 %.3f", ef, recall)
		if min := map[int]float64{0: 0.95, 400: 0.99}[ef]; recall < min {
			t.Errorf("ef %d: recall@10 %.3f, want at least %.2f", ef, recall, min)
		}
	}
}
