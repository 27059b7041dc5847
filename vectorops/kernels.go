package vectorops

import (
	"fmt"
	"math"
	"unsafe"
)

// The kernels compute over float32 vectors of equal length. Each has a
// pure-Go form, AVX2+FMA and AVX-512 forms on amd64 and a NEON form on
// arm64; the fastest one the CPU supports is chosen once, at start-up,
// from cpuid's feature flags (see kernels_amd64.go, kernels_arm64.go). Every form sums in float32; they differ only in
// the order of the additions, so results agree to float32 rounding of the
// sum of the terms' magnitudes (kernels_test.go checks 1e-5 of it).

// impl is one set of kernels.
type impl struct {
	name string
	dot  func(a, b []float32) float32
	l2   func(a, b []float32) float32 // squared Euclidean distance
	// The same over n values at a and b, for the indexes' inner loops,
	// which hold their vectors in one array and call these directly.
	rawDot, rawL2 rawKernel
}

type rawKernel func(a, b *float32, n int) float32

var generic = impl{
	name: "generic", dot: dotGeneric, l2: l2Generic,
	rawDot: func(a, b *float32, n int) float32 { return dotGeneric(unsafe.Slice(a, n), unsafe.Slice(b, n)) },
	rawL2:  func(a, b *float32, n int) float32 { return l2Generic(unsafe.Slice(a, n), unsafe.Slice(b, n)) },
}

// active is the kernel set in use; best is what this CPU supports.
var active = best()

// Kernel names the kernel set in use: "avx512", "avx2", "neon" or
// "generic".
func Kernel() string { return active.name }

// Dot returns the inner product of a and b, which have the same length.
func Dot(a, b []float32) float32 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("vectorops.Dot: lengths %d and %d", len(a), len(b)))
	}
	return active.dot(a, b)
}

// L2Squared returns the squared Euclidean distance of a and b.
func L2Squared(a, b []float32) float32 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("vectorops.L2Squared: lengths %d and %d", len(a), len(b)))
	}
	return active.l2(a, b)
}

// Norm returns the Euclidean length of a.
func Norm(a []float32) float32 { return float32(math.Sqrt(float64(active.dot(a, a)))) }

// CosineSimilarity returns the cosine similarity of a and b: 0 when either is all
// zeros, where the angle is undefined.
func CosineSimilarity(a, b []float32) float32 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("vectorops.CosineSimilarity: lengths %d and %d", len(a), len(b)))
	}
	na, nb := active.dot(a, a), active.dot(b, b)
	if na == 0 || nb == 0 {
		return 0
	}
	return active.dot(a, b) / float32(math.Sqrt(float64(na)*float64(nb)))
}

// Normalize scales a in place to unit length (a zero vector stays zero).
func Normalize(a []float32) {
	n := Norm(a)
	if n == 0 {
		return
	}
	inv := 1 / n
	for i := range a {
		a[i] *= inv
	}
}

// DotBatch sets out[i] to the inner product of q and the i-th row of rows,
// which holds len(out) rows of len(q) values each, one after another.
func DotBatch(q, rows []float32, out []float32) {
	batch(active.dot, q, rows, out)
}

// L2SquaredBatch sets out[i] to the squared distance of q and row i.
func L2SquaredBatch(q, rows []float32, out []float32) {
	batch(active.l2, q, rows, out)
}

func batch(f func(a, b []float32) float32, q, rows []float32, out []float32) {
	d := len(q)
	if len(rows) != d*len(out) {
		panic(fmt.Sprintf("vectorops: %d values are not %d rows of %d", len(rows), len(out), d))
	}
	for i := range out {
		out[i] = f(q, rows[i*d:(i+1)*d:(i+1)*d])
	}
}

// Finite reports whether every value of a is a number and finite: what an
// import requires of a vector (NaN or infinite values are row errors).
func Finite(a []float32) bool {
	// NaN and ±Inf are the values whose exponent bits are all ones.
	const exp = 0x7f800000
	for _, v := range a {
		if math.Float32bits(v)&exp == exp {
			return false
		}
	}
	return true
}

// dotGeneric keeps four partial sums, like the SIMD forms keep lanes, so
// that it is not bound by the latency of one chain of additions.
func dotGeneric(a, b []float32) float32 {
	var s0, s1, s2, s3 float32
	n := len(a)
	b = b[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func l2Generic(a, b []float32) float32 {
	var s0, s1, s2, s3 float32
	n := len(a)
	b = b[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		d0, d1, d2, d3 := a[i]-b[i], a[i+1]-b[i+1], a[i+2]-b[i+2], a[i+3]-b[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < n; i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}
