package vectorops

import (
	"errors"
	"math"
	"testing"

	"github.com/lakelink/lakelink/testing/fixtures"
)

type siftSet struct {
	base, queries [][]float32
	truth         [][]int32 // per query, the ids of its 100 nearest by L2
}

func loadSIFT(t testing.TB) siftSet {
	t.Helper()
	s, err := fixtures.LoadSIFT5K(fixtures.SIFTDir(1))
	if errors.Is(err, fixtures.ErrNoData) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return siftSet{base: s.Base, queries: s.Queries, truth: s.Truth}
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

// IVF-PQ with exact re-ranking reaches recall@10 of at least 0.90 on the
// real SIFT set at its default settings, and more with more clusters
// probed.
func TestIVFPQRecallOnSIFT(t *testing.T) {
	s := loadSIFT(t)
	labels := make([]uint64, len(s.base))
	for i := range labels {
		labels[i] = uint64(i)
	}
	x, err := BuildIVFPQ(128, L2, DefaultIVFPQ, labels, s.base)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("config %+v", x.Config())
	for _, probe := range []int{0, 64} {
		var sum float64
		for qi, q := range s.queries {
			got, err := x.Search(q, 10, probe, nil)
			if err != nil {
				t.Fatal(err)
			}
			sum += recallAt(10, got, s.truth[qi])
		}
		recall := sum / float64(len(s.queries))
		t.Logf("nprobe %d: recall@10 %.3f", probe, recall)
		if min := map[int]float64{0: 0.90, 64: 0.97}[probe]; recall < min {
			t.Errorf("nprobe %d: recall@10 %.3f, want at least %.2f", probe, recall, min)
		}
	}
}
