package graphops

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/lakelink/lakelink/testing/fixtures"
)

// The FastRP paper's BlogCatalog result, reproduced: dimension 512,
// iteration weights [0, 0, 1, 6.67], normalisation strength -0.64 on the
// transition matrix, evaluated as the authors' notebook does
// (scripts/fastrp-eval.py: standardised features, one-vs-rest logistic
// regression with C = 0.1, as many labels predicted as each test node
// has). Micro-F1 must be within 0.01 of the published 0.372 / 0.412 /
// 0.426 at training ratios 10% / 50% / 90%.
func TestFastRPBlogCatalogQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("short: the evaluation takes a minute")
	}
	edges, nodes, err := fixtures.LoadBlogCatalog(fixtures.GraphDir(1, "blogcatalog"))
	if errors.Is(err, fixtures.ErrNoData) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import sklearn").Run(); err != nil {
		t.Skip("scikit-learn is not installed (apt-get install python3-sklearn; scripts/quality-peers installs it)")
	}
	src, dst := make([]uint32, len(edges)), make([]uint32, len(edges))
	for i, e := range edges {
		src[i], dst[i] = uint32(e.Src), uint32(e.Dst)
	}
	g, err := NewCSR(len(nodes), src, dst, Undirected)
	if err != nil {
		t.Fatal(err)
	}
	if g.Nodes() != 10312 || g.Edges() != 2*333983 {
		t.Fatalf("%d nodes, %d adjacencies", g.Nodes(), g.Edges())
	}
	start := time.Now()
	emb, err := FastRP(g, FastRPConfig{Dim: 512, IterationWeights: []float64{0, 0, 1, 6.67}, NormalizationStrength: -0.64, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("FastRP on BlogCatalog (10,312 nodes, 667,966 adjacencies, 512-d): %v", time.Since(start).Round(time.Millisecond))

	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "emb.f32"))
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	labels := make([][]int64, len(nodes))
	for _, n := range nodes {
		labels[n.ID] = n.Labels
	}
	for _, row := range emb {
		for _, v := range row {
			_ = binary.Write(w, binary.LittleEndian, math.Float32bits(v))
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	lb, _ := json.Marshal(labels)
	if err := os.WriteFile(filepath.Join(dir, "labels.json"), lb, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "../scripts/fastrp-eval.py", filepath.Join(dir, "emb.f32"), "512", filepath.Join(dir, "labels.json"), "0.1", "0.5", "0.9")
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), "PYTHONWARNINGS=ignore")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("evaluation: %v", err)
	}
	published := map[float64]float64{0.1: 0.372, 0.5: 0.412, 0.9: 0.426}
	sc := bufio.NewScanner(bytes.NewReader(out))
	seen := 0
	for sc.Scan() {
		var r struct {
			Ratio   float64 `json:"ratio"`
			MicroF1 float64 `json:"micro_f1"`
			MacroF1 float64 `json:"macro_f1"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("evaluation output %q: %v", sc.Text(), err)
		}
		seen++
		want := published[r.Ratio]
		t.Logf("training ratio %.0f%%: Micro-F1 %.3f (published %.3f), Macro-F1 %.3f", 100*r.Ratio, r.MicroF1, want, r.MacroF1)
		if math.Abs(r.MicroF1-want) > 0.01 {
			t.Errorf("training ratio %.0f%%: Micro-F1 %.3f, published %.3f", 100*r.Ratio, r.MicroF1, want)
		}
	}
	if seen != 3 {
		t.Errorf("%d evaluation results, want 3", seen)
	}
}
