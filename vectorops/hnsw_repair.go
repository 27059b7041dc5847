package vectorops

import (
	"hash/maphash"
	"slices"
	"unsafe"
)

// The bottom level's reachability.
//
// Invariant after AddBatch: every vector of the index is held by a node
// that the bottom level reaches from the entry point. A search starts at
// the entry point and only ever follows links, so a vector that no
// reachable node holds can never be found, whatever ef is.
//
// One insertion at a time keeps this by itself in practice (the new node
// is linked from the nodes it chose, and the heuristic prunes a link only
// where a kept neighbour leads on to it). Concurrent insertions do not:
// two copies of one vector inserted at the same moment do not see each
// other, split the links that would have gone to one of them, and the
// neighbour lists, which keep one of several equal vectors, can then drop
// both, leaving a pair that links only to itself (about one build in 40 of
// the duplicates test). relink restores the invariant after the
// concurrent phase.

// firstCopiesFirst orders the nodes from first on for a concurrent build:
// the first node of each vector, then its copies. Two equal vectors
// inserted at the same moment do not see each other, and the graph they
// leave is worse than one where the second finds the first at distance 0
// (in the duplicates test, about one build in 100 then missed a vector
// even at ef 256); inserted after every first copy is linked, each copy
// finds its first.
func (h *HNSW) firstCopiesFirst(first uint32) []uint32 {
	seed := maphash.MakeSeed()
	seen := map[uint64][]uint32{}
	order := make([]uint32, 0, uint32(len(h.labels))-first)
	var copies []uint32
	for id := first; id < uint32(len(h.labels)); id++ {
		k := h.vecHash(seed, id)
		if h.holds(seen, k, id) {
			copies = append(copies, id)
			continue
		}
		seen[k] = append(seen[k], id)
		order = append(order, id)
	}
	return append(order, copies...)
}

// relink links every group of equal vectors that the bottom level cannot
// reach from the entry point to its nearest reachable node, and repeats
// while a link it made cut another group off (a full neighbour list gives
// up the link whose node most others also link to). It returns how many
// links it made.
func (h *HNSW) relink() int {
	made := 0
	for level := h.top; level >= 0; level-- {
		made += h.relinkLevel(level)
	}
	return made
}

func (h *HNSW) relinkLevel(level int) int {
	n := len(h.labels)
	if n < 2 {
		return 0
	}
	seed := maphash.MakeSeed()
	made := 0
	for round := 0; round < 8; round++ {
		reached := h.reachable(level)
		// The vectors that reachable nodes hold.
		held := map[uint64][]uint32{}
		for id := range n {
			if reached[id] {
				k := h.vecHash(seed, uint32(id))
				held[k] = append(held[k], uint32(id))
			}
		}
		var lost []uint32
		for id := range n {
			if int(h.levels[id]) >= level && !reached[id] && !h.holds(held, h.vecHash(seed, uint32(id)), uint32(id)) {
				lost = append(lost, uint32(id))
				k := h.vecHash(seed, uint32(id))
				held[k] = append(held[k], uint32(id)) // its copies are served by this one
			}
		}
		if len(lost) == 0 {
			return made
		}
		indegree := make([]int32, n)
		for id := range n {
			if int(h.levels[id]) >= level {
				for _, nb := range neighbours(h.links(uint32(id), level)) {
					indegree[nb]++
				}
			}
		}
		vis := h.visited()
		for _, u := range lost {
			q := h.vec(u)
			ep := candidate{dist: h.distTo(q, h.entry), id: h.entry}
			for l := h.top; l > level; l-- {
				ep = h.greedy(q, ep, l, vis)
			}
			found := h.searchLevel(q, []candidate{ep}, h.cfg.EfConstruction, level, vis,
				func(id uint32) bool { return reached[id] && id != u })
			if len(found) == 0 {
				continue
			}
			from := found[0].id
			l := h.links(from, level)
			if slices.Contains(neighbours(l), u) {
				continue
			}
			if int(l[0]) < h.maxLinks(level) {
				l[1+l[0]] = u
				l[0]++
			} else {
				// Give up the link whose node others link to most.
				worst := 1
				for i := 2; i <= int(l[0]); i++ {
					if indegree[l[i]] > indegree[l[worst]] {
						worst = i
					}
				}
				indegree[l[worst]]--
				l[worst] = u
			}
			indegree[u]++
			made++
		}
		h.visits.Put(vis)
	}
	return made
}

// reachable marks the nodes that a level reaches from the entry.
func (h *HNSW) reachable(level int) []bool {
	seen := make([]bool, len(h.labels))
	stack := []uint32{h.entry}
	seen[h.entry] = true
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, nb := range neighbours(h.links(id, level)) {
			if !seen[nb] {
				seen[nb] = true
				stack = append(stack, nb)
			}
		}
	}
	return seen
}

func (h *HNSW) vecHash(seed maphash.Seed, id uint32) uint64 {
	v := h.vec(id)
	return maphash.Bytes(seed, unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v)))
}

// holds reports whether one of the nodes under hash k holds node id's
// vector.
func (h *HNSW) holds(held map[uint64][]uint32, k uint64, id uint32) bool {
	for _, o := range held[k] {
		if slices.Equal(h.vec(o), h.vec(id)) {
			return true
		}
	}
	return false
}
