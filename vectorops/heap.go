package vectorops

import (
	"cmp"
	"slices"
)

// candidate is a node of a search and its distance to the query.
type candidate struct {
	dist float32
	id   uint32
}

// minHeap and maxHeap are binary heaps of candidates, nearest and
// farthest first; typed rather than container/heap, which costs an
// interface call per comparison on the search's hottest path.
type minHeap []candidate

func (h *minHeap) push(c candidate) {
	*h = append(*h, c)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if a[p].dist <= a[i].dist {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *minHeap) pop() candidate {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	*h = a[:n]
	a = a[:n]
	for i := 0; ; {
		l, s := 2*i+1, i
		if l < n && a[l].dist < a[s].dist {
			s = l
		}
		if r := l + 1; r < n && a[r].dist < a[s].dist {
			s = r
		}
		if s == i {
			break
		}
		a[i], a[s] = a[s], a[i]
		i = s
	}
	return top
}

type maxHeap []candidate

func (h *maxHeap) push(c candidate) {
	*h = append(*h, c)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if a[p].dist >= a[i].dist {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *maxHeap) pop() candidate {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	*h = a[:n]
	a = a[:n]
	for i := 0; ; {
		l, s := 2*i+1, i
		if l < n && a[l].dist > a[s].dist {
			s = l
		}
		if r := l + 1; r < n && a[r].dist > a[s].dist {
			s = r
		}
		if s == i {
			break
		}
		a[i], a[s] = a[s], a[i]
		i = s
	}
	return top
}

// top returns the farthest candidate; the heap is not empty.
func (h maxHeap) top() candidate { return h[0] }

// sorted empties the heap into a slice, nearest first; equal distances
// in id order, so that results do not depend on the heap's history.
func (h *maxHeap) sorted() []candidate {
	out := make([]candidate, len(*h))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = h.pop()
	}
	sortByDistance(out)
	return out
}

// sortByDistance sorts nearest first, equal distances by id.
func sortByDistance(c []candidate) {
	slices.SortFunc(c, func(a, b candidate) int {
		if a.dist != b.dist {
			return cmp.Compare(a.dist, b.dist)
		}
		return cmp.Compare(a.id, b.id)
	})
}
