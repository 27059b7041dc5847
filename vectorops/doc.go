// Package vectorops holds lakelink's vector algorithms, free of Beam and
// of the store: distance kernels (inner product, squared L2, cosine) in
// AVX-512 and AVX2+FMA assembly (amd64, chosen at start from the CPU's
// features), NEON assembly (arm64) and a pure-Go fallback; the exact Flat index; and HNSW, the graph
// index, with its binary encoding.
//
// Every index orders by a distance, smaller meaning nearer (see Metric),
// and returns the caller's labels.
package vectorops
