package indexes_test

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/conformance/vectorindex"
	"github.com/lakelink/lakelink/vectorops"
)

// recallBars are, per kind that keeps parts, the recall@10 its parts must
// reach in the vector-index suite (and for the inner product). A kind
// registered without a bar fails TestEveryIndexKindsParts: registering a
// kind means running the suite.
var recallBars = map[string][2]float64{
	indexes.Flat:  {1, 1},
	indexes.HNSW:  {0.95, 0.85},
	indexes.IVFPQ: {0.90, 0.90},
	indexes.Auto:  {0.95, 0.85}, // parts of this size are HNSW
}

// partIndex searches a decoded part under the suite's labels: the part's
// entries are positions whose keys hold the labels.
type partIndex struct{ p *indexes.Part }

func (x partIndex) label(pos uint64) uint64 { return binary.BigEndian.Uint64(x.p.Keys[pos]) }

func (x partIndex) Search(q []float32, k int, keep func(uint64) bool) ([]vectorops.Result, error) {
	var byPos func(uint64) bool
	if keep != nil {
		byPos = func(pos uint64) bool { return keep(x.label(pos)) }
	}
	res, err := x.p.Index.Search(q, k, 0, byPos)
	for i := range res {
		res[i].Label = x.label(res[i].Label)
	}
	return res, err
}

func (x partIndex) Len() int { return x.p.Index.Len() }

// Every registered kind that keeps parts passes the vector-index suite
// through the registry's path: a Builder over rows keyed by the labels,
// the part's encoding, and DecodePart.
func TestEveryIndexKindsParts(t *testing.T) {
	for _, name := range indexes.Kinds() {
		kind, _ := indexes.Lookup(name)
		if !kind.Parts() {
			continue
		}
		bar, ok := recallBars[name]
		if !ok {
			t.Errorf("index kind %s is registered without a recall bar in recallBars; give it one so the suite runs", name)
			continue
		}
		var parts = map[partIndex][]byte{}
		t.Run(name, func(t *testing.T) {
			vectorindex.Run(t, vectorindex.Kind{
				Build: func(dim int, m vectorops.Metric, labels []uint64, vecs [][]float32) (vectorindex.Index, error) {
					schema := lake.Schema{Columns: []lake.Column{{Name: "v", Type: lake.Vector(dim)}}}
					b, err := indexes.NewBuilder(store.IndexDef{Name: "x", Column: "v", Type: name, Metric: m.String()}, schema)
					if err != nil {
						return nil, err
					}
					for i, l := range labels {
						if err := b.Add(binary.BigEndian.AppendUint64(nil, l), vecs[i], 1); err != nil {
							return nil, err
						}
					}
					enc, err := b.Build()
					if err != nil {
						return nil, err
					}
					p, err := indexes.DecodePart(enc)
					if err != nil {
						return nil, err
					}
					x := partIndex{p}
					parts[x] = enc
					return x, nil
				},
				Encode: func(x vectorindex.Index) ([]byte, error) { return parts[x.(partIndex)], nil },
				Decode: func(b []byte) (vectorindex.Index, error) {
					p, err := indexes.DecodePart(b)
					if err != nil {
						return nil, err
					}
					return partIndex{p}, nil
				},
				MinRecall: bar[0], MinRecallIP: bar[1],
			})
		})
	}
}

// Every kind's options are declared with a default and limits, named with
// the kind's prefix, and CREATE INDEX's short names reach them.
func TestIndexKindOptionsAreDeclared(t *testing.T) {
	for _, name := range indexes.Kinds() {
		kind, _ := indexes.Lookup(name)
		for _, o := range kind.Options {
			if o.Max == 0 || o.Help == "" || o.DefaultString() == "none" {
				t.Errorf("%s: option %s lacks a limit, help or default", name, o.Name)
			}
			if kind.Prefix != "" && !strings.HasPrefix(o.Name, kind.Prefix) {
				t.Errorf("%s: option %s does not start with the kind's prefix %s", name, o.Name, kind.Prefix)
			}
			if kind.Prefix != "" {
				short := strings.TrimPrefix(o.Name, kind.Prefix)
				if got := indexes.Prefixed(name, map[string]int{short: 1}); got[o.Name] != 1 {
					t.Errorf("%s: CREATE INDEX's %s became %v, want %s", name, short, got, o.Name)
				}
			}
			// The declared limits are what Check enforces.
			for v, ok := range map[int64]bool{o.Min: true, o.Max: true, o.Min - 1: false, o.Max + 1: false} {
				_, _, err := indexes.Check(name, "", map[string]int{o.Name: int(v)})
				if (err == nil) != ok {
					t.Errorf("%s: %s = %d: %v", name, o.Name, v, err)
				}
			}
		}
	}
	if _, _, err := indexes.Check("nope", "", nil); err == nil || !strings.Contains(err.Error(), strings.Join(indexes.Kinds(), ", ")) {
		t.Errorf("an unknown kind: %v", err)
	}
	if _, _, err := indexes.Check("hnsw", "", map[string]int{"hnsw_mm": 4}); err == nil || !strings.Contains(err.Error(), "did you mean hnsw_m") {
		t.Errorf("a misspelt option: %v", err)
	}
}

var update = flag.Bool("update", false, "rewrite the generated table in docs/search.md")

// docs/search.md shows the kinds and their options as the registry
// declares them (go test ./indexes -update rewrites it).
func TestIndexKindsDocs(t *testing.T) {
	const path = "../docs/search.md"
	const start = "<!-- index kinds: made by indexes.Table from the registry; go test ./indexes -run TestIndexKindsDocs -update -->\n"
	const end = "<!-- end of index kinds -->"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, start), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %q ... %q", path, start, end)
	}
	want := doc[:i+len(start)] + indexes.Table() + doc[j:]
	if want == doc {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s's table of index kinds differs from the registry; run go test ./indexes -run TestIndexKindsDocs -update", path)
}

// A kind of one's own registers beside its definition and is then taken
// by CREATE INDEX, COPY's index_type and the docs' table; this one wraps
// HNSW with a fixed, small graph degree.
func ExampleRegister() {
	hnsw, _ := indexes.Lookup(indexes.HNSW)
	indexes.Register(indexes.Kind{
		Name: "hnsw8", Help: "HNSW with 8 neighbours a node", Prefix: "hnsw8_",
		Build: func(vb vectorops.Build, d store.IndexDef, dim int, m vectorops.Metric, vecs [][]float32) ([]byte, error) {
			d.Options = map[string]int{"hnsw_m": 8}
			return hnsw.Build(vb, d, dim, m, vecs)
		},
		// It makes HNSW structures, which the hnsw kind decodes.
	})
	_, _, err := indexes.Check("HNSW8", "l2", nil)
	fmt.Println(err, indexes.Structured("hnsw8"))
	// Output: <nil> true
}

// A session's search settings are the kinds' declared search options, and
// reach a part by the kind of its structure.
func TestSearchSettingsFollowTheKinds(t *testing.T) {
	var names []string
	for _, o := range indexes.SearchSettings() {
		names = append(names, o.Name)
	}
	if fmt.Sprint(names) != "[lakelink.hnsw_ef_search lakelink.ivf_nprobe]" {
		t.Errorf("search settings %v", names)
	}
	p := indexes.SearchParams{"hnsw_ef_search": 7, "ivf_nprobe": 3}
	for kind, want := range map[string]int{"hnsw": 7, "ivfpq": 3, "flat": 0, "auto": 0, "nope": 0} {
		if got := p.For(kind); got != want {
			t.Errorf("For(%s) = %d, want %d", kind, got, want)
		}
	}
}
