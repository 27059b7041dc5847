package indexes

import (
	"github.com/lakelink/lakelink/option"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops"
)

// The kinds lakelink has: exact comparisons (flat), graphs (hnsw),
// quantized clusters (ivfpq), and auto, which builds whichever of the
// three suits a part's size. A kind of one's own registers the same way.

// hnswOptions and ivfpqOptions are the structures' options, declared once
// for CREATE INDEX, COPY (build_indexes) and the docs.
var (
	hnswOptions = []option.Option{
		{Name: "hnsw_m", Kind: option.Int, Min: 2, Max: 256, Default: int64(16), Help: "HNSW: neighbours per node"},
		{Name: "hnsw_ef_construction", Kind: option.Int, Min: 1, Max: 1 << 16, Default: int64(200), Help: "HNSW: candidates kept while inserting"},
		{Name: "hnsw_ef_search", Kind: option.Int, Min: 1, Max: 1 << 16, Default: int64(200), Help: "HNSW: candidates kept while searching"},
	}
	ivfpqOptions = []option.Option{
		{Name: "ivf_nlist", Kind: option.Int, Min: 1, Max: 1 << 20, DefaultText: "√n", Help: "IVF-PQ: clusters"},
		{Name: "ivf_m", Kind: option.Int, Min: 1, Max: 1 << 16, DefaultText: "dim/4", Help: "IVF-PQ: codes per vector (must divide the dimension)"},
		{Name: "ivf_nbits", Kind: option.Int, Min: 1, Max: 8, Default: int64(8), Help: "IVF-PQ: bits per code"},
		{Name: "ivf_nprobe", Kind: option.Int, Min: 1, Max: 1 << 16, DefaultText: "max(24, nlist/8)", Help: "IVF-PQ: clusters a search visits"},
		{Name: "ivf_rerank", Kind: option.Int, Min: 1, Max: 1 << 16, Default: int64(20), Help: "IVF-PQ: candidates re-ranked exactly per result"},
	}
)

func buildHNSW(vb vectorops.Build, d store.IndexDef, dim int, metric vectorops.Metric, vecs [][]float32) ([]byte, error) {
	h := vectorops.NewHNSW(dim, metric, HNSWConfig(d))
	if err := h.AddBatchWith(vb, positions(len(vecs)), vecs, 0); err != nil {
		return nil, err
	}
	return h.MarshalBinary()
}

func buildIVFPQ(vb vectorops.Build, d store.IndexDef, dim int, metric vectorops.Metric, vecs [][]float32) ([]byte, error) {
	x, err := vectorops.BuildIVFPQWith(vb, dim, metric, IVFPQConfig(d), positions(len(vecs)), vecs)
	if err != nil {
		return nil, err
	}
	return x.MarshalBinary()
}

func buildFlat(_ vectorops.Build, _ store.IndexDef, dim int, metric vectorops.Metric, vecs [][]float32) ([]byte, error) {
	f := vectorops.NewFlat(dim, metric)
	for i, v := range vecs {
		if err := f.Add(uint64(i), v); err != nil {
			return nil, err
		}
	}
	return f.MarshalBinary()
}

// flatSearch is a flat part as an ANN: its searches are exact, and no
// setting widens them.
type flatSearch struct{ *vectorops.Flat }

func (f flatSearch) Search(q []float32, k, _ int, keep func(uint64) bool) ([]vectorops.Result, error) {
	return f.Flat.Search(q, k, keep)
}

func positions(n int) []uint64 {
	labels := make([]uint64, n)
	for i := range labels {
		labels[i] = uint64(i)
	}
	return labels
}

func init() {
	Register(Kind{Name: Flat, Build: buildFlat,
		Help:  "the vectors of each part side by side, compared exactly with every query: exact, for small tables",
		Magic: "LLFL", Decode: func(b []byte) (ANN, error) {
			f, err := vectorops.UnmarshalFlat(b)
			if err != nil {
				return nil, err
			}
			return flatSearch{f}, nil
		}})
	Register(Kind{Name: HNSW, Prefix: "hnsw_", Options: hnswOptions, Build: buildHNSW, SearchOption: "hnsw_ef_search",
		Help:  "a navigable small-world graph per part: the highest recall",
		Magic: "LLHN", Decode: func(b []byte) (ANN, error) { return vectorops.UnmarshalHNSW(b) }})
	Register(Kind{Name: IVFPQ, Prefix: "ivf_", Options: ivfpqOptions, Build: buildIVFPQ, SearchOption: "ivf_nprobe",
		Help:  "clusters of product-quantized codes per part, re-ranked exactly: small, and fast to build",
		Magic: "LLIV", Decode: func(b []byte) (ANN, error) { return vectorops.UnmarshalIVFPQ(b) }})
	Register(Kind{Name: Auto, Options: append(append([]option.Option{}, hnswOptions...), ivfpqOptions...),
		Help: "flat for parts up to 2,000 vectors, hnsw up to 200,000 per two cores, ivfpq past that",
		Build: func(vb vectorops.Build, d store.IndexDef, dim int, metric vectorops.Metric, vecs [][]float32) ([]byte, error) {
			switch PartKind(d, len(vecs)) {
			case Flat:
				return buildFlat(vb, d, dim, metric, vecs)
			case IVFPQ:
				return buildIVFPQ(vb, d, dim, metric, vecs)
			}
			return buildHNSW(vb, d, dim, metric, vecs)
		}})
}
