// Package graphops holds lakelink's graph algorithms, free of Beam and of
// the store: a compressed sparse row adjacency (CSR) built from edge
// lists, and FastRP node embeddings (Chen et al., 2019, "Fast and Accurate
// Network Embeddings via Very Sparse Random Projection").
//
// FastRP multiplies a very sparse random projection of the nodes by powers
// of the graph's transition (or adjacency) matrix and sums the powers with
// iteration weights; it is deterministic for a seed, whatever the number
// of workers, and runs on every core.
package graphops
