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

// dotNEON and l2NEON run the assembly over the leading multiple of 16
// values and add the rest in Go.
func dotNEON(a, b *float32, n int) float32 {
	m := n &^ 15
	s := dotNEON16(a, b, m)
	if m < n {
		s += dotGeneric(unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(a), 4*m)), n-m), unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(b), 4*m)), n-m))
	}
	return s
}

func l2NEON(a, b *float32, n int) float32 {
	m := n &^ 15
	s := l2NEON16(a, b, m)
	if m < n {
		s += l2Generic(unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(a), 4*m)), n-m), unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(b), 4*m)), n-m))
	}
	return s
}

// available lists the kernel sets this CPU can run, best first.
func available() []impl { return []impl{neon, generic} }

func best() impl { return neon }
