package bench

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakelink/lakelink/testing/fixtures"
	"github.com/lakelink/lakelink/vectorops"
)

// vectorCount is the size of the vector benchmark (LAKELINK_BENCH_VECTORS
// overrides it for a quick look).
func vectorCount() int { return sizeFromEnv("LAKELINK_BENCH_VECTORS", 200_000) }

// efLadder is the ef values searched; the figures are taken at the
// smallest that reaches the recall asked for.
var efLadder = []int{10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512}

type efRun struct {
	EF     int     `json:"ef"`
	QPS    float64 `json:"qps"`
	Recall float64 `json:"recall"`
}

// firstAt returns the first run that reaches recall.
func firstAt(runs []efRun, recall float64) (efRun, bool) {
	for _, r := range runs {
		if r.Recall >= recall {
			return r, true
		}
	}
	return efRun{}, false
}

// BenchmarkHNSW: clustered, normalised 384-d vectors (200k, 1,000
// queries, cosine), exact ground truth from the flat index. Single-
// threaded queries/s at recall@10 >= 0.95, build time and bytes per
// vector, as ratios to the flat SIMD scan and to hnswlib (M = 16,
// ef_construction = 200, one thread) run on the same data in the same
// run (bench/peers/hnswlib_bench.py, Debian's python3-hnswlib).
func BenchmarkHNSW(b *testing.B) {
	const dim, nq, k = 384, 1000, 10
	n := vectorCount()
	base := fixtures.Clustered(n, dim, 1, 2)
	queries := fixtures.Clustered(nq, dim, 1, 3)
	b.Logf("kernels: %s; %d vectors x %d, %d queries", vectorops.Kernel(), n, dim, nq)

	flat := vectorops.NewFlat(dim, vectorops.Cosine)
	for i, v := range base {
		if err := flat.Add(uint64(i), v); err != nil {
			b.Fatal(err)
		}
	}
	truth := make([][]uint64, nq)
	start := time.Now()
	for i, q := range queries {
		res, _ := flat.Search(q, k, nil)
		for _, r := range res {
			truth[i] = append(truth[i], r.Label)
		}
	}
	flatQPS := float64(nq) / time.Since(start).Seconds()

	cfg := vectorops.HNSWConfig{M: 16, EfConstruction: 200, Seed: 1}
	h := vectorops.NewHNSW(dim, vectorops.Cosine, cfg)
	start = time.Now()
	for i, v := range base {
		if err := h.Add(uint64(i), v); err != nil {
			b.Fatal(err)
		}
	}
	build := time.Since(start)
	blob, _ := h.MarshalBinary()
	var runs []efRun
	for _, ef := range efLadder {
		start := time.Now()
		hits := 0
		for i, q := range queries {
			res, _ := h.Search(q, k, ef, nil)
			for _, r := range res {
				for _, t := range truth[i] {
					if r.Label == t {
						hits++
						break
					}
				}
			}
		}
		runs = append(runs, efRun{EF: ef, QPS: float64(nq) / time.Since(start).Seconds(), Recall: float64(hits) / float64(nq*k)})
	}
	at, ok := firstAt(runs, 0.95)
	if !ok {
		b.Fatalf("HNSW never reached recall@10 0.95: %+v", runs)
	}
	fmt.Printf("HNSW %d x %d cosine: build %.1fs (%.0f vectors/s), %.0f bytes/vector (vectors %d)\n",
		n, dim, build.Seconds(), float64(n)/build.Seconds(), float64(len(blob))/float64(n), 4*dim)
	for _, r := range runs {
		fmt.Printf("  ef %4d: recall@10 %.3f, %7.0f queries/s\n", r.EF, r.Recall, r.QPS)
	}
	fmt.Printf("at recall@10 >= 0.95 (ef %d, recall %.3f): %.0f queries/s = %.1fx the flat SIMD scan (%.0f queries/s)\n",
		at.EF, at.Recall, at.QPS, at.QPS/flatQPS, flatQPS)
	b.ReportMetric(at.QPS, "queries/s")
	b.ReportMetric(at.QPS/flatQPS, "x_flat")

	peer, err := runHNSWLib(b, base, queries, truth, dim)
	if err != nil {
		fmt.Printf("hnswlib: not compared (%v)\n", err)
		return
	}
	pat, ok := firstAt(peer.Runs, 0.95)
	if !ok {
		fmt.Printf("hnswlib never reached recall@10 0.95: %+v\n", peer.Runs)
		return
	}
	fmt.Printf("hnswlib: build %.1fs, %.0f bytes/vector; at recall >= 0.95 (ef %d, recall %.3f): %.0f queries/s\n",
		peer.Build, peer.BytesPerVector, pat.EF, pat.Recall, pat.QPS)
	fmt.Printf("ratios lakelink/hnswlib: queries/s %.2f (goal >= 1), build time %.2f (goal <= 1.5), bytes/vector %.2f\n",
		at.QPS/pat.QPS, build.Seconds()/peer.Build, float64(len(blob))/float64(n)/peer.BytesPerVector)
	b.ReportMetric(at.QPS/pat.QPS, "x_hnswlib_qps")
	b.ReportMetric(build.Seconds()/peer.Build, "x_hnswlib_build")
}

type peerResult struct {
	Build          float64 `json:"build_s"`
	BytesPerVector float64 `json:"bytes_per_vector"`
	Runs           []efRun `json:"runs"`
}

// runHNSWLib writes the data as raw arrays and runs the hnswlib script
// with Debian's Python (which has the python3-hnswlib package).
func runHNSWLib(b *testing.B, base, queries [][]float32, truth [][]uint64, dim int) (peerResult, error) {
	var res peerResult
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import hnswlib, numpy").Run(); err != nil {
		return res, fmt.Errorf("%s cannot import hnswlib and numpy: apt-get install python3-hnswlib python3-numpy", py)
	}
	dir := b.TempDir()
	write := func(name string, vs [][]float32) error {
		buf := make([]byte, 0, len(vs)*dim*4)
		for _, v := range vs {
			for _, x := range v {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
			}
		}
		return os.WriteFile(filepath.Join(dir, name), buf, 0o644)
	}
	if err := write("base.f32", base); err != nil {
		return res, err
	}
	if err := write("queries.f32", queries); err != nil {
		return res, err
	}
	gt := make([]byte, 0, len(truth)*40)
	for _, t := range truth {
		for _, id := range t {
			gt = binary.LittleEndian.AppendUint32(gt, uint32(id))
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "gt.i32"), gt, 0o644); err != nil {
		return res, err
	}
	var efs []string
	for _, ef := range efLadder {
		efs = append(efs, strconv.Itoa(ef))
	}
	cmd := exec.Command(py, filepath.Join("peers", "hnswlib_bench.py"), dir, strconv.Itoa(len(base)), strconv.Itoa(len(queries)),
		strconv.Itoa(dim), "16", "200", strings.Join(efs, ","))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return res, fmt.Errorf("hnswlib script: %w", err)
	}
	return res, json.Unmarshal(out, &res)
}
