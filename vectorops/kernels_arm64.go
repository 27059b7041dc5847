package vectorops

import "unsafe"

// Implemented in kernels_arm64.s, over n values, n a multiple of 16.
//
//go:noescape
func dotNEON16(a, b *float32, n int) float32

//go:noescape
func l2NEON16(a, b *float32, n int) float32

//go:noescape
func prefetchRows(base *float32, ids *uint32, n, stride, lines int)

// NEON (Advanced SIMD) is part of every AArch64 CPU that Linux, macOS or
// Windows runs on, so it needs no feature check.
var neon = impl{
	name:   "neon",
	dot:    func(a, b []float32) float32 { return callNEON(dotNEON, a, b) },
	l2:     func(a, b []float32) float32 { return callNEON(l2NEON, a, b) },
	rawDot: dotNEON, rawL2: l2NEON,
}

func callNEON(f rawKernel, a, b []float32) float32 {
	if len(a) == 0 {
		return 0
	}
	b = b[:len(a)]
	return f(&a[0], &b[0], len(a))
}

func dotNEON(a, b *float32, n int) float32 { return withTail(dotNEON16, dotGeneric, a, b, n) }
func l2NEON(a, b *float32, n int) float32  { return withTail(l2NEON16, l2Generic, a, b, n) }

// withTail runs the assembly over the leading multiple of 16 values and
// the Go form over the rest.
func withTail(asm rawKernel, tail func(a, b []float32) float32, a, b *float32, n int) float32 {
	m := n &^ 15
	s := asm(a, b, m)
	if m < n {
		at := func(p *float32) []float32 { return unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(p), 4*m)), n-m) }
		s += tail(at(a), at(b))
	}
	return s
}

// available lists the kernel sets this CPU can run, best first.
func available() []impl { return []impl{neon, generic} }

func best() impl { return neon }
