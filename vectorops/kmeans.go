package vectorops

import (
	"math/rand/v2"
	"runtime"
	"sync"
)

// kmeans clusters the n rows of data (d values each) into k centroids by
// Lloyd's algorithm from k distinct rows drawn at random, for iters
// rounds; a centroid left empty is reseeded from a random row. The
// assignment step runs on every core. It returns the centroids, k*d
// values. stop is asked before each round; once it says so the rounds
// end early (the caller, which knows why, drops the result).
func kmeans(data []float32, n, d, k, iters int, rng *rand.Rand, stop func() bool) []float32 {
	cent := make([]float32, k*d)
	for i, r := range rng.Perm(n)[:k] {
		copy(cent[i*d:(i+1)*d], data[r*d:(r+1)*d])
	}
	assign := make([]int32, n)
	sums := make([]float64, k*d)
	counts := make([]int, k)
	for range iters {
		if stop() {
			break // the caller returns the reason
		}
		nearestAll(data, n, d, cent, k, assign)
		clear(sums)
		clear(counts)
		for i := range n {
			c := int(assign[i])
			counts[c]++
			row := data[i*d : (i+1)*d]
			s := sums[c*d : (c+1)*d]
			for j, v := range row {
				s[j] += float64(v)
			}
		}
		for c := range k {
			dst := cent[c*d : (c+1)*d]
			if counts[c] == 0 {
				r := rng.IntN(n)
				copy(dst, data[r*d:(r+1)*d])
				continue
			}
			inv := 1 / float64(counts[c])
			for j := range dst {
				dst[j] = float32(sums[c*d+j] * inv)
			}
		}
	}
	return cent
}

// nearestAll sets assign[i] to the centroid nearest to row i (squared L2).
func nearestAll(data []float32, n, d int, cent []float32, k int, assign []int32) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/256))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				assign[i] = int32(nearest(data[i*d:(i+1)*d], cent, k, d))
			}
		}()
	}
	wg.Wait()
}

// nearest returns the index of the centroid nearest to v.
func nearest(v, cent []float32, k, d int) int {
	best, bestD := 0, float32(0)
	for c := range k {
		dist := l2Short(v, cent[c*d:(c+1)*d])
		if c == 0 || dist < bestD {
			best, bestD = c, dist
		}
	}
	return best
}

// l2Short is the squared distance through the active kernels for long
// vectors and an inline loop for the short sub-vectors of product
// quantisation, where a kernel call would cost more than the sum.
func l2Short(a, b []float32) float32 {
	if len(a) >= 32 {
		return active.l2(a, b)
	}
	var s float32
	b = b[:len(a)]
	for i, x := range a {
		d := x - b[i]
		s += d * d
	}
	return s
}
