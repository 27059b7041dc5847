package bench

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lakelink/lakelink/testing/fixtures"
	"github.com/lakelink/lakelink/vectorops"
)

// vectorCount is the size of the vector benchmarks (LAKELINK_BENCH_VECTORS
// overrides it for a quick look).
func vectorCount() int { return sizeFromEnv("LAKELINK_BENCH_VECTORS", 200_000) }

// vectorSet is the vector benchmarks' data: clustered, normalised 384-d
// vectors, 1,000 queries from the same distribution, the exact top 10 of
// each by cosine (from the flat index), and the flat scan's queries/s.
type vectorSet struct {
	dim             int
	base, queries   [][]float32
	truth           [][]uint64
	flatQPS         float64
	peerDir         string // the same data as raw arrays, for the peers
	peerErr         error
	once            sync.Once
	writePeerFilesM sync.Once
}

const benchDim, benchQueries, benchK = 384, 1000, 10

var sharedSet vectorSet

// vectors builds the data once per run: both benchmarks measure on it.
func vectors(b *testing.B) *vectorSet {
	s := &sharedSet
	s.once.Do(func() {
		n := vectorCount()
		s.dim = benchDim
		s.base = fixtures.Clustered(n, benchDim, 1, 2)
		s.queries = fixtures.Clustered(benchQueries, benchDim, 1, 3)
		flat := vectorops.NewFlat(benchDim, vectorops.Cosine)
		for i, v := range s.base {
			_ = flat.Add(uint64(i), v)
		}
		s.truth = make([][]uint64, benchQueries)
		start := time.Now()
		for i, q := range s.queries {
			res, _ := flat.Search(q, benchK, nil)
			for _, r := range res {
				s.truth[i] = append(s.truth[i], r.Label)
			}
		}
		s.flatQPS = float64(benchQueries) / time.Since(start).Seconds()
	})
	b.Logf("kernels: %s; %d vectors x %d, %d queries; flat scan %.0f queries/s", vectorops.Kernel(), len(s.base), s.dim, benchQueries, s.flatQPS)
	return s
}

type efRun struct {
	EF     int     `json:"ef"` // ef for HNSW, nprobe for IVF-PQ
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

// ladder searches every query at each setting, single-threaded, and
// measures queries/s and recall@10 against the exact answers.
func (s *vectorSet) ladder(settings []int, search func(q []float32, param int) []vectorops.Result) []efRun {
	var runs []efRun
	for _, p := range settings {
		start := time.Now()
		hits := 0
		for i, q := range s.queries {
			for _, r := range search(q, p) {
				for _, t := range s.truth[i] {
					if r.Label == t {
						hits++
						break
					}
				}
			}
		}
		runs = append(runs, efRun{EF: p, QPS: float64(benchQueries) / time.Since(start).Seconds(), Recall: float64(hits) / float64(benchQueries*benchK)})
	}
	return runs
}

type peerResult struct {
	Build          float64 `json:"build_s"`
	BytesPerVector float64 `json:"bytes_per_vector"`
	Runs           []efRun `json:"runs"`
}

// nativeHNSWPeer is hnswlib compiled for this machine by
// scripts/bench-peers (bench/peers/hnswlib_bench.cpp against Debian's
// libhnswlib-dev headers, -O3 -march=native).
const nativeHNSWPeer = "../bin/peers/hnswlib_bench"

// hnswlibPeer is the hnswlib the benchmark compares with, and its name in
// the report: the native build when scripts/bench-peers made it, else
// Debian's python3-hnswlib, an SSE-only build, which the name says.
func hnswlibPeer() (name string, argv []string, err error) {
	if _, err := os.Stat(nativeHNSWPeer); err == nil {
		return "hnswlib", []string{nativeHNSWPeer}, nil
	}
	argv, err = pythonPeer("hnswlib", "hnswlib_bench.py")
	return "hnswlib-sse", argv, err
}

// pythonPeer is a peer script from bench/peers run by Debian's Python;
// module is what it must import.
func pythonPeer(module, script string) ([]string, error) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import numpy, "+module).Run(); err != nil {
		return nil, fmt.Errorf("%s cannot import %s and numpy (scripts/bench-peers installs them)", py, module)
	}
	return []string{py, filepath.Join("peers", script)}, nil
}

// runPeer runs a peer (argv: the program and its first arguments) on the
// same data, written once as raw arrays: DIR N Q DIM, then args.
func (s *vectorSet) runPeer(b *testing.B, argv []string, argvErr error, args ...string) (peerResult, error) {
	var res peerResult
	if argvErr != nil {
		return res, argvErr
	}
	s.writePeerFilesM.Do(func() {
		dir, err := os.MkdirTemp("", "lakelink-vectors-")
		s.peerDir, s.peerErr = dir, err
		if err != nil {
			return
		}
		write := func(name string, vs [][]float32) error {
			buf := make([]byte, 0, len(vs)*s.dim*4)
			for _, v := range vs {
				for _, x := range v {
					buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
				}
			}
			return os.WriteFile(filepath.Join(dir, name), buf, 0o644)
		}
		gt := make([]byte, 0, len(s.truth)*4*benchK)
		for _, t := range s.truth {
			for _, id := range t {
				gt = binary.LittleEndian.AppendUint32(gt, uint32(id))
			}
		}
		if s.peerErr = write("base.f32", s.base); s.peerErr == nil {
			if s.peerErr = write("queries.f32", s.queries); s.peerErr == nil {
				s.peerErr = os.WriteFile(filepath.Join(dir, "gt.i32"), gt, 0o644)
			}
		}
	})
	if s.peerErr != nil {
		return res, s.peerErr
	}
	all := append(append(argv[1:len(argv):len(argv)], s.peerDir, strconv.Itoa(len(s.base)), strconv.Itoa(len(s.queries)), strconv.Itoa(s.dim)), args...)
	cmd := exec.Command(argv[0], all...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return res, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return res, json.Unmarshal(out, &res)
}

func joinInts(xs []int) string {
	var out []string
	for _, x := range xs {
		out = append(out, strconv.Itoa(x))
	}
	return strings.Join(out, ",")
}

// report prints one index's ladder and its figures at the recall asked
// for, beside the flat scan and a peer's, and reports them as metrics.
func report(b *testing.B, s *vectorSet, name, param string, recall float64, build time.Duration, bytes int, runs []efRun, peerName string, peer peerResult, peerErr error) {
	n := len(s.base)
	fmt.Printf("%s %d x %d cosine: build %.1fs (%.0f vectors/s), %.0f bytes/vector (vectors alone %d)\n",
		name, n, s.dim, build.Seconds(), float64(n)/build.Seconds(), float64(bytes)/float64(n), 4*s.dim)
	for _, r := range runs {
		fmt.Printf("  %s %4d: recall@10 %.3f, %7.0f queries/s\n", param, r.EF, r.Recall, r.QPS)
	}
	at, ok := firstAt(runs, recall)
	if !ok {
		fmt.Printf("%s never reached recall@10 %.2f: not compared\n", name, recall)
		return
	}
	fmt.Printf("at recall@10 >= %.2f (%s %d, recall %.3f): %.0f queries/s = %.1fx the flat SIMD scan (%.0f queries/s)\n",
		recall, param, at.EF, at.Recall, at.QPS, at.QPS/s.flatQPS, s.flatQPS)
	b.ReportMetric(at.QPS, "queries/s")
	b.ReportMetric(at.QPS/s.flatQPS, "x_flat")
	if peerErr != nil {
		fmt.Printf("%s: not compared (%v)\n", peerName, peerErr)
		return
	}
	pat, ok := firstAt(peer.Runs, recall)
	if !ok {
		fmt.Printf("%s never reached recall@10 %.2f: %+v\n", peerName, recall, peer.Runs)
		return
	}
	fmt.Printf("%s: build %.1fs, %.0f bytes/vector; at recall >= %.2f (%s %d, recall %.3f): %.0f queries/s\n",
		peerName, peer.Build, peer.BytesPerVector, recall, param, pat.EF, pat.Recall, pat.QPS)
	fmt.Printf("ratios lakelink/%s: queries/s %.2f, build time %.2f, bytes/vector %.2f\n",
		peerName, at.QPS/pat.QPS, build.Seconds()/peer.Build, float64(bytes)/float64(n)/peer.BytesPerVector)
	b.ReportMetric(at.QPS/pat.QPS, "x_"+peerName+"_qps")
	b.ReportMetric(build.Seconds()/peer.Build, "x_"+peerName+"_build")
}

// BenchmarkHNSW: single-threaded queries/s at recall@10 >= 0.95, build
// time (one thread) and bytes per vector, as ratios to the flat SIMD scan
// and to hnswlib (M = 16, ef_construction = 200, one thread) on the same
// data in the same run (bench/peers/hnswlib_bench.py). Goals: queries/s
// at least hnswlib's, build within 1.5x.
func BenchmarkHNSW(b *testing.B) {
	s := vectors(b)
	efs := []int{10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512}
	h := vectorops.NewHNSW(s.dim, vectorops.Cosine, vectorops.HNSWConfig{M: 16, EfConstruction: 200, Seed: 1})
	start := time.Now()
	for i, v := range s.base {
		if err := h.Add(uint64(i), v); err != nil {
			b.Fatal(err)
		}
	}
	build := time.Since(start)
	blob, _ := h.MarshalBinary()
	// The same build on every core, as imports build their indexes.
	labels := make([]uint64, len(s.base))
	for i := range labels {
		labels[i] = uint64(i)
	}
	par := vectorops.NewHNSW(s.dim, vectorops.Cosine, vectorops.HNSWConfig{M: 16, EfConstruction: 200, Seed: 1})
	start = time.Now()
	if err := par.AddBatch(labels, s.base, 0); err != nil {
		b.Fatal(err)
	}
	parBuild := time.Since(start)
	parRuns := s.ladder([]int{192}, func(q []float32, ef int) []vectorops.Result {
		res, _ := par.Search(q, benchK, ef, nil)
		return res
	})
	fmt.Printf("HNSW built on %d cores (AddBatch): %.1fs = %.2fx the one-thread build; at ef 192 recall@10 %.3f, %.0f queries/s\n",
		runtime.GOMAXPROCS(0), parBuild.Seconds(), parBuild.Seconds()/build.Seconds(), parRuns[0].Recall, parRuns[0].QPS)
	b.ReportMetric(parBuild.Seconds()/build.Seconds(), "x_parallel_build")
	runs := s.ladder(efs, func(q []float32, ef int) []vectorops.Result {
		res, _ := h.Search(q, benchK, ef, nil)
		return res
	})
	name, argv, err := hnswlibPeer()
	peer, err := s.runPeer(b, argv, err, "16", "200", joinInts(efs))
	report(b, s, "HNSW", "ef", 0.95, build, len(blob), runs, name, peer, err)
}

// BenchmarkIVFPQ: the same figures at recall@10 >= 0.90 for IVF-PQ with
// exact re-ranking (nlist = sqrt(n), m = 96, nbits = 8, 20 candidates per
// result), against FAISS's IndexIVFPQ with IndexRefineFlat of the same
// sizes (bench/peers/faiss_ivfpq_bench.py, Debian's python3-faiss). Both
// train on every core and search on one.
func BenchmarkIVFPQ(b *testing.B) {
	s := vectors(b)
	probes := []int{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64}
	labels := make([]uint64, len(s.base))
	for i := range labels {
		labels[i] = uint64(i)
	}
	cfg := vectorops.IVFPQConfig{M: 96, NBits: 8, Rerank: 20, Seed: 1}
	start := time.Now()
	x, err := vectorops.BuildIVFPQ(s.dim, vectorops.Cosine, cfg, labels, s.base)
	if err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	blob, _ := x.MarshalBinary()
	runs := s.ladder(probes, func(q []float32, nprobe int) []vectorops.Result {
		res, _ := x.Search(q, benchK, nprobe, nil)
		return res
	})
	c := x.Config()
	argv, err := pythonPeer("faiss", "faiss_ivfpq_bench.py")
	peer, perr := s.runPeer(b, argv, err, strconv.Itoa(c.NList), strconv.Itoa(c.M), strconv.Itoa(c.NBits), strconv.Itoa(c.Rerank), joinInts(probes))
	report(b, s, fmt.Sprintf("IVF-PQ (nlist %d, m %d, nbits %d)", c.NList, c.M, c.NBits), "nprobe", 0.90, build, len(blob), runs, "faiss", peer, perr)
}
