package vectorops

// Flat is the exact index: a search compares the query with every vector,
// in blocks through the batch kernels, and keeps the k nearest. It is the
// reference the approximate indexes are measured against, and the right
// choice for small tables.
type Flat struct {
	dim    int
	metric Metric
	vecs   []float32 // len(labels) rows of dim values
	labels []uint64
}

// NewFlat returns an empty exact index of vectors of dim values.
func NewFlat(dim int, m Metric) *Flat { return &Flat{dim: dim, metric: m} }

// Add adds a vector under a label.
func (f *Flat) Add(label uint64, v []float32) error {
	if err := checkVector("vector", v, f.dim); err != nil {
		return err
	}
	f.vecs = append(f.vecs, f.metric.prepare(v)...)
	f.labels = append(f.labels, label)
	return nil
}

// Len is the number of vectors.
func (f *Flat) Len() int { return len(f.labels) }

// flatBlock is how many rows one batch-kernel call scores: the distances
// of a block stay in L1 while the k best are picked from them.
const flatBlock = 256

// Search returns the k vectors nearest to q, nearest first, among those
// whose label keep accepts (all when keep is nil). Ties go to the earlier
// added vector.
func (f *Flat) Search(q []float32, k int, keep func(label uint64) bool) ([]Result, error) {
	if err := checkVector("query", q, f.dim); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, nil
	}
	q = f.metric.prepare(q)
	h := make(maxHeap, 0, k+1)
	var dists [flatBlock]float32
	n := len(f.labels)
	for start := 0; start < n; start += flatBlock {
		end := min(start+flatBlock, n)
		out := dists[:end-start]
		rows := f.vecs[start*f.dim : end*f.dim]
		if f.metric == L2 {
			L2SquaredBatch(q, rows, out)
		} else {
			DotBatch(q, rows, out)
			for i := range out {
				out[i] = f.metric.fromKernel(out[i])
			}
		}
		for i, d := range out {
			if len(h) == k && d >= h.top().dist {
				continue
			}
			id := start + i
			if keep != nil && !keep(f.labels[id]) {
				continue
			}
			h.push(candidate{dist: d, id: uint32(id)})
			if len(h) > k {
				h.pop()
			}
		}
	}
	return f.results(h.sorted()), nil
}

func (f *Flat) results(cs []candidate) []Result {
	out := make([]Result, len(cs))
	for i, c := range cs {
		out[i] = Result{Label: f.labels[c.id], Distance: c.dist}
	}
	return out
}
