package vectorops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// inputs are the vector pairs every kernel set must agree on: random
// values, zeros, huge and tiny magnitudes (tiny products are subnormal),
// mixed signs that cancel, at lengths around every vector width and
// unrolled step, and unaligned.
func inputs() map[string][2][]float32 {
	r := rand.New(rand.NewPCG(1, 2))
	out := map[string][2][]float32{}
	gen := map[string]func(i int) float32{
		"normal": func(int) float32 { return float32(r.NormFloat64()) },
		"zeros":  func(int) float32 { return 0 },
		"huge":   func(int) float32 { return float32(r.NormFloat64() * 1e15) },
		"tiny":   func(int) float32 { return float32(r.NormFloat64() * 1e-20) },
		"cancel": func(i int) float32 { return float32(1-2*(i%2)) * (1 + float32(i%7)) },
		"mixed": func(i int) float32 {
			return float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(20)-10)))
		},
	}
	var lengths []int
	for n := 0; n <= 70; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 127, 128, 129, 383, 384, 385, 768, 1000, 1536)
	for name, g := range gen {
		for _, n := range lengths {
			// One value past the end is NaN: a kernel that reads it fails.
			a, b := make([]float32, n+2), make([]float32, n+2)
			for i := 0; i < n+1; i++ {
				a[i], b[i] = g(i), g(i+1)
			}
			a[n+1], b[n+1] = float32(math.NaN()), float32(math.NaN())
			out[fmt.Sprintf("%s/%d", name, n)] = [2][]float32{a[1 : n+1], b[1 : n+1]} // unaligned
		}
	}
	return out
}

// within checks got against the exact value want (in float64): float32
// sums in any order differ from it by at most a few ulps of the sum of
// the terms' magnitudes, so that is the scale of the bound.
func within(got float32, want, scale float64) bool {
	if math.IsInf(want, 0) || math.IsNaN(want) {
		return false
	}
	return math.Abs(float64(got)-want) <= 1e-5*scale+1e-45
}

func TestEveryKernelSetAgreesWithTheFallback(t *testing.T) {
	sets := available()
	t.Logf("kernel sets on this CPU: %v (in use: %s)", names(sets), Kernel())
	for name, in := range inputs() {
		a, b := in[0], in[1]
		var dot, l2, scaleDot, scaleL2 float64
		for i := range a {
			x, y := float64(a[i]), float64(b[i])
			dot += x * y
			scaleDot += math.Abs(x * y)
			l2 += (x - y) * (x - y)
			scaleL2 += (x - y) * (x - y)
		}
		fallbackDot, fallbackL2 := generic.dot(a, b), generic.l2(a, b)
		for _, k := range sets {
			gotDot, gotL2 := k.dot(a, b), k.l2(a, b)
			if !within(gotDot, dot, scaleDot) || !within(gotDot, float64(fallbackDot), scaleDot) {
				t.Errorf("%s: %s dot = %g, exact %g, fallback %g", name, k.name, gotDot, dot, fallbackDot)
			}
			if !within(gotL2, l2, scaleL2) || !within(gotL2, float64(fallbackL2), scaleL2) {
				t.Errorf("%s: %s l2 = %g, exact %g, fallback %g", name, k.name, gotL2, l2, fallbackL2)
			}
		}
	}
}

func names(sets []impl) []string {
	var out []string
	for _, s := range sets {
		out = append(out, s.name)
	}
	return out
}

func TestCosineAndBatches(t *testing.T) {
	a := []float32{1, 2, 3}
	if c := CosineSimilarity(a, []float32{2, 4, 6}); math.Abs(float64(c)-1) > 1e-6 {
		t.Errorf("parallel vectors: cosine %g", c)
	}
	if c := CosineSimilarity(a, []float32{-1, -2, -3}); math.Abs(float64(c)+1) > 1e-6 {
		t.Errorf("opposite vectors: cosine %g", c)
	}
	if c := CosineSimilarity(a, make([]float32, 3)); c != 0 {
		t.Errorf("against zeros: cosine %g, want 0", c)
	}
	rows := []float32{1, 0, 0, 0, 1, 0, 1, 1, 1}
	out := make([]float32, 3)
	DotBatch(a, rows, out)
	if fmt.Sprint(out) != "[1 2 6]" {
		t.Errorf("DotBatch: %v", out)
	}
	L2SquaredBatch(a, rows, out)
	if fmt.Sprint(out) != "[13 11 5]" {
		t.Errorf("L2SquaredBatch: %v", out)
	}
	v := []float32{3, 4}
	Normalize(v)
	if fmt.Sprint(v) != "[0.6 0.8]" {
		t.Errorf("Normalize: %v", v)
	}
	if Finite([]float32{1, float32(math.Inf(1))}) || Finite([]float32{float32(math.NaN())}) || !Finite([]float32{0, -1e38}) {
		t.Error("Finite")
	}
}

func BenchmarkKernels(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, dim := range []int{128, 384, 1536} {
		x, y := make([]float32, dim), make([]float32, dim)
		for i := range x {
			x[i], y[i] = r.Float32(), r.Float32()
		}
		for _, k := range available() {
			b.Run(fmt.Sprintf("dot/%d/%s", dim, k.name), func(b *testing.B) {
				for b.Loop() {
					k.dot(x, y)
				}
			})
			b.Run(fmt.Sprintf("l2/%d/%s", dim, k.name), func(b *testing.B) {
				for b.Loop() {
					k.l2(x, y)
				}
			})
		}
	}
}
