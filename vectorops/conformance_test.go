package vectorops_test

import (
	"testing"

	"github.com/lakelink/lakelink/testing/conformance/vectorindex"
	"github.com/lakelink/lakelink/vectorops"
)

// Every index kind passes the shared index suite.
func TestIndexConformance(t *testing.T) {
	hnsw := func(batch bool) vectorindex.Kind {
		return vectorindex.Kind{
			Build: func(dim int, m vectorops.Metric, labels []uint64, vecs [][]float32) (vectorindex.Index, error) {
				h := vectorops.NewHNSW(dim, m, vectorops.DefaultHNSW)
				if batch {
					return hnswSearch{h}, h.AddBatch(labels, vecs, 0)
				}
				for i := range labels {
					if err := h.Add(labels[i], vecs[i]); err != nil {
						return nil, err
					}
				}
				return hnswSearch{h}, nil
			},
			Encode: func(x vectorindex.Index) ([]byte, error) { return x.(hnswSearch).MarshalBinary() },
			Decode: func(b []byte) (vectorindex.Index, error) {
				h, err := vectorops.UnmarshalHNSW(b)
				return hnswSearch{h}, err
			},
			MinRecall: 0.95, MinRecallIP: 0.85,
		}
	}
	kinds := map[string]vectorindex.Kind{
		"Flat": {
			Build: func(dim int, m vectorops.Metric, labels []uint64, vecs [][]float32) (vectorindex.Index, error) {
				f := vectorops.NewFlat(dim, m)
				for i := range labels {
					if err := f.Add(labels[i], vecs[i]); err != nil {
						return nil, err
					}
				}
				return f, nil
			},
			Encode:    func(x vectorindex.Index) ([]byte, error) { return x.(*vectorops.Flat).MarshalBinary() },
			Decode:    func(b []byte) (vectorindex.Index, error) { return vectorops.UnmarshalFlat(b) },
			MinRecall: 1,
		},
		"HNSW":         hnsw(false),
		"HNSWAddBatch": hnsw(true),
		"IVFPQ": {
			Build: func(dim int, m vectorops.Metric, labels []uint64, vecs [][]float32) (vectorindex.Index, error) {
				x, err := vectorops.BuildIVFPQ(dim, m, vectorops.IVFPQConfig{}, labels, vecs)
				return ivfSearch{x}, err
			},
			Encode: func(x vectorindex.Index) ([]byte, error) { return x.(ivfSearch).MarshalBinary() },
			Decode: func(b []byte) (vectorindex.Index, error) {
				x, err := vectorops.UnmarshalIVFPQ(b)
				return ivfSearch{x}, err
			},
			MinRecall: 0.90,
		},
	}
	for name, kind := range kinds {
		t.Run(name, func(t *testing.T) { vectorindex.Run(t, kind) })
	}
}

// hnswSearch and ivfSearch search with the index's own ef and nprobe.
type hnswSearch struct{ *vectorops.HNSW }

func (h hnswSearch) Search(q []float32, k int, keep func(uint64) bool) ([]vectorops.Result, error) {
	return h.HNSW.Search(q, k, 0, keep)
}

type ivfSearch struct{ *vectorops.IVFPQ }

func (x ivfSearch) Search(q []float32, k int, keep func(uint64) bool) ([]vectorops.Result, error) {
	return x.IVFPQ.Search(q, k, 0, keep)
}
