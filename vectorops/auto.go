package vectorops

import "runtime"

// The structure an "auto" index gives n vectors, shared by the store's
// auto indexes (per part, indexes.PartKind) and files' AILK sections
// (vector_index = 'auto', per file and column).
const (
	// AutoFlatRows is the most vectors kept flat: a flat index compares
	// every vector through the SIMD kernels, 60 to 75 ns a 384-value
	// vector here (BenchmarkHNSW's flat scan: 68 to 80 queries/s over
	// 200,000), so 2,000 take about 0.15 ms and the answer is exact; past
	// that a graph answers sooner. (An exact scan of a table's rows costs
	// about 2.5 us a row, Badger iteration and row decoding.)
	AutoFlatRows = 2000
	// autoHNSWRows is the most vectors put in an HNSW graph per two
	// cores: HNSW builds on one core at about 1,400 384-d vectors/s here
	// (200k in about 2.5 minutes), while IVF-PQ trains and encodes on
	// every core in a fraction of that; without SIMD kernels both are 8x
	// slower, so the limit is an eighth.
	autoHNSWRows = 200_000
)

// AutoStructure is "flat" up to AutoFlatRows vectors, "hnsw" up to
// 200,000 per two cores of this machine (an eighth of that without SIMD
// kernels), "ivfpq" past that.
func AutoStructure(n int) string {
	if n <= AutoFlatRows {
		return "flat"
	}
	limit := autoHNSWRows * max(1, runtime.NumCPU()/2)
	if Kernel() == "generic" {
		limit /= 8
	}
	if n > limit {
		return "ivfpq"
	}
	return "hnsw"
}
