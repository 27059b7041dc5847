// Package graphs runs lakelink's graph jobs over a store: traversals at a
// commit (Neighbors, KHop, ShortestPath, through the adjacency the store
// keeps for every edge table) and FastRP (FastRP: embeddings of a graph's
// nodes written as a VECTOR column in one commit and indexed like any
// other). The kernels (CSR adjacency, FastRP's arithmetic) are package
// graphops'; this package reads and writes the store around them, and
// links no Beam.
//
// Package engine's Session runs them for the command and the neighbors,
// degree, khop and shortest_path table functions.
package graphs
