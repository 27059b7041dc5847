package vectorops

import "github.com/klauspost/cpuid/v2"

// Implemented in kernels_amd64.s. n is the length of both vectors.
//
//go:noescape
func prefetchRows(base *float32, ids *uint32, n, stride, lines int)

//go:noescape
func dotAVX2(a, b *float32, n int) float32

//go:noescape
func l2AVX2(a, b *float32, n int) float32

//go:noescape
func dotAVX512(a, b *float32, n int) float32

//go:noescape
func l2AVX512(a, b *float32, n int) float32

var (
	avx2 = impl{
		name:   "avx2",
		dot:    func(a, b []float32) float32 { return call(dotAVX2, a, b) },
		l2:     func(a, b []float32) float32 { return call(l2AVX2, a, b) },
		rawDot: dotAVX2, rawL2: l2AVX2,
	}
	avx512 = impl{
		name:   "avx512",
		dot:    func(a, b []float32) float32 { return call(dotAVX512, a, b) },
		l2:     func(a, b []float32) float32 { return call(l2AVX512, a, b) },
		rawDot: dotAVX512, rawL2: l2AVX512,
	}
)

func call(f func(a, b *float32, n int) float32, a, b []float32) float32 {
	if len(a) == 0 {
		return 0
	}
	b = b[:len(a)]
	return f(&a[0], &b[0], len(a))
}

// available lists the kernel sets this CPU can run, best first. cpuid
// reports the operating system's support for the wider registers too
// (OSXSAVE), so a listed set never faults.
func available() []impl {
	var out []impl
	if cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512DQ) {
		out = append(out, avx512)
	}
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		out = append(out, avx2)
	}
	return append(out, generic)
}

func best() impl { return available()[0] }
