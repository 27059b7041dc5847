// Package layers holds the test that keeps lakelink's packages in their
// layers: a package imports only packages of its own layer or below, and
// the foundations link none of the heavy dependencies they must not have.
// docs/design.md draws the same picture.
package layers

import (
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/lakelink/lakelink"

// layers lists every package of the module, lowest layer first. A new
// package must be placed here (the test fails until it is).
var layers = []struct {
	name     string
	packages []string
}{
	{"test data and servers, which import no package of the module", []string{
		"testing/fixtures", "testing/fixtures/arrowfile", "testing/blobtest"}},
	{"foundations: the language, types, vector and graph kernels, job records", []string{
		"sql", "option", "lake", "lake/filter", "vectorops", "vectorops/ailk", "graphops", "progress", "testing/conformance/vectorindex"}},
	{"the store (Badger) and object stores (gocloud buckets)", []string{"store", "objstore", "objstore/objstoretest", "format"}},
	{"index lifecycle, Beam plumbing, object-store sources, transforms, runners", []string{
		"indexes", "history", "datasets", "graphs", "tiering", "internal/beamlake", "sources", "transforms", "runners", "io/csvio", "io/ndjsonio", "io/parquetio"}},
	{"sinks: staging and the commit; the store as a Beam IO", []string{"sinks", "io/storeio"}},
	{"planning: imports and exports as Beam pipelines, the launcher's commit", []string{"pipeline"}},
	{"the engine: sessions, statements, SELECT and search, table functions, history", []string{"engine"}},
	{"the PostgreSQL wire-protocol server over the engine", []string{"server"}},
	{"programs, examples, benchmarks and test kits", []string{
		"cmd/lakelink", "examples/pipelines/deezer", "examples/pipelines/quickstart", "examples/pipelines/compose", "examples/readme", "bench",
		"testing/conformance", "internal/layers"}},
}

// banned lists, per package, dependencies it must not link, directly or
// through anything it imports (prefixes of import paths).
var banned = map[string][]string{
	"sql":            {"github.com/apache/beam", "github.com/dgraph-io/badger", "gocloud.dev", "github.com/apache/arrow-go", module + "/"},
	"option":         {"github.com/apache/beam", "github.com/dgraph-io/badger", "gocloud.dev", "github.com/apache/arrow-go", module + "/"},
	"indexes":        {"github.com/apache/beam", "gocloud.dev"},
	"lake":           {"github.com/apache/beam", "github.com/dgraph-io/badger", "gocloud.dev"},
	"lake/filter":    {"github.com/apache/beam", "github.com/dgraph-io/badger", "gocloud.dev"},
	"progress":       {"github.com/apache/beam", "github.com/dgraph-io/badger", "gocloud.dev"},
	"vectorops":      {"github.com/apache/beam", "github.com/dgraph-io/badger", "gocloud.dev", module + "/store"},
	"vectorops/ailk": {"github.com/apache/beam", "github.com/dgraph-io/badger", "gocloud.dev", module + "/store"},
	"graphops":       {"github.com/apache/beam", "github.com/dgraph-io/badger", "gocloud.dev", module + "/store"},
	"store":          {"github.com/apache/beam", "gocloud.dev"},
	"objstore":       {"github.com/apache/beam", "github.com/dgraph-io/badger", module + "/store"},
	// Sinks reach buckets through objstore, not through the Parquet reader.
	"sinks": {module + "/sources"},
	// A format is plain Go over objstore and lake; the Beam transforms that
	// run it are shared (sources.Read, sinks.WriteFiles).
	"format":       {"github.com/apache/beam", "github.com/dgraph-io/badger", module + "/store"},
	"io/csvio":     {"github.com/apache/beam", "github.com/dgraph-io/badger", module + "/store"},
	"io/ndjsonio":  {"github.com/apache/beam", "github.com/dgraph-io/badger", module + "/store"},
	"io/parquetio": {"github.com/apache/beam", "github.com/dgraph-io/badger", module + "/store"},
	// History (tags, log, diff, revert, gc) runs over the store alone.
	"history": {"github.com/apache/beam", "gocloud.dev"},
	// Graph jobs run over the store alone.
	"graphs": {"github.com/apache/beam", "gocloud.dev"},
	// Datasets, audits and backups are buckets and the store, no Beam.
	"datasets": {"github.com/apache/beam"},
	// The cold tier's reads, sweep and file writes: buckets, Parquet and
	// the store, no Beam (moves run as pipelines in pipeline/tier.go).
	"tiering": {"github.com/apache/beam"},
	// Transforms work on batches; what they need of values is in lake.
	"transforms": {module + "/store", "github.com/dgraph-io/badger"},
}

type pkg struct {
	path     string   // relative to the module
	imports  []string // the module's packages its code and in-package tests import, relative
	xImports []string // those its external tests (package x_test) import, relative
	deps     []string // everything it links, full import paths
}

// xTestAllowed lists, per package, the packages above its layer that its
// external tests (package x_test, which Go compiles as a package of their
// own) may import, each with the reason. Such a test is a user of the
// package from above: it may reach no further than this list says, and
// an entry that no test uses any more fails the test, so the list stays
// what the code does.
var xTestAllowed = map[string]map[string]string{
	// Conformance suites live in the test kits (the top layer) and run
	// every registered format against real servers, as Beam's and
	// gocloud's suites do; each format's own test runs them.
	"format":      {"testing/conformance": "the format suite over every location", "pipeline": "links every registered format, as the engine does"},
	"io/csvio":    {"testing/conformance": "the format suite", "engine": "CSV end to end through COPY and COPY TO statements"},
	"io/ndjsonio": {"testing/conformance": "the format suite"},
	"sources":     {"testing/conformance": "the source suite over every location", "engine": "Read's results compared with COPY's"},
	"sinks":       {"testing/conformance": "the sink suite over every location"},
	"engine":      {"testing/conformance": "statements over every location and the store suites"},
	// The AI-Lake spec reader lives beside the format's package and also
	// checks the files lakelink's Parquet writer makes in each precision.
	"vectorops/ailk": {"io/parquetio": "the spec reader checks the F32, F16 and I8 files parquetio writes, byte by byte"},
}

func list(t *testing.T) map[string]pkg {
	t.Helper()
	// go test caches a result against the files a test opens; go list's
	// reading is not seen, so the test stats every Go file itself.
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	filepath.WalkDir(strings.TrimSpace(string(root)), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
			os.Stat(p)
		}
		return nil
	})
	// One line a package: path, its imports, its external tests' imports,
	// then its dependencies. Only standard output is read: go writes
	// "go: downloading ..." lines to standard error.
	cmd := exec.Command("go", "list", "-f",
		`{{.ImportPath}}|{{join .Imports " "}} {{join .TestImports " "}}|{{join .XTestImports " "}}|{{join .Deps " "}}`, module+"/...")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]pkg{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 4 {
			t.Fatalf("go list printed %q", line)
		}
		p := pkg{path: rel(f[0]), deps: strings.Fields(f[3])}
		for _, imp := range strings.Fields(f[1]) {
			if r := rel(imp); r != imp && r != p.path {
				p.imports = append(p.imports, r)
			}
		}
		for _, imp := range strings.Fields(f[2]) {
			if r := rel(imp); r != imp && r != p.path && !slices.Contains(p.xImports, r) {
				p.xImports = append(p.xImports, r)
			}
		}
		pkgs[p.path] = p
	}
	return pkgs
}

func rel(importPath string) string {
	if importPath == module {
		return "."
	}
	if r, ok := strings.CutPrefix(importPath, module+"/"); ok {
		return r
	}
	return importPath
}

func layerOf(p string) int {
	for i, l := range layers {
		if slices.Contains(l.packages, p) {
			return i
		}
	}
	return -1
}

// Every package sits in a layer and imports (in its code and its tests)
// nothing from a layer above its own.
func TestPackagesImportOnlyTheirLayerOrBelow(t *testing.T) {
	for _, p := range list(t) {
		mine := layerOf(p.path)
		if mine < 0 {
			t.Errorf("package %s is in no layer: place it in internal/layers and docs/design.md", p.path)
			continue
		}
		for _, imp := range p.imports {
			if l := layerOf(imp); l > mine {
				t.Errorf("%s (%s) imports %s (%s), a layer above it", p.path, layers[mine].name, imp, layers[l].name)
			}
		}
	}
}

// External tests (package x_test) import nothing above their package's
// layer beyond what xTestAllowed lists with its reason, and every entry
// there is still used.
func TestExternalTestsImportOnlyWhatIsListed(t *testing.T) {
	pkgs := list(t)
	used := map[string]bool{}
	for _, p := range pkgs {
		mine := layerOf(p.path)
		if mine < 0 {
			continue // the layer test names it
		}
		for _, imp := range p.xImports {
			l := layerOf(imp)
			if l <= mine {
				continue
			}
			if _, ok := xTestAllowed[p.path][imp]; ok {
				used[p.path+" "+imp] = true
				continue
			}
			t.Errorf("the external tests of %s (%s) import %s (%s), a layer above it: move the test up, or list it with its reason in xTestAllowed", p.path, layers[mine].name, imp, layers[l].name)
		}
	}
	for from, tos := range xTestAllowed {
		for to := range tos {
			if !used[from+" "+to] {
				t.Errorf("xTestAllowed lets %s's external tests import %s, which none does (or which is no longer above it): remove the entry", from, to)
			}
		}
	}
}

// The foundations stay light: the parser links no Beam, Badger, gocloud
// or Arrow; the store links no Beam; the vector and graph kernels link no
// Beam and no store.
func TestFoundationsLinkNoHeavyDependencies(t *testing.T) {
	pkgs := list(t)
	for name, bans := range banned {
		p, ok := pkgs[name]
		if !ok {
			t.Errorf("no package %s", name)
			continue
		}
		for _, b := range bans {
			var hits []string
			for _, d := range p.deps {
				if strings.HasPrefix(d, b) || d == strings.TrimSuffix(b, "/") {
					hits = append(hits, d)
				}
			}
			if len(hits) > 0 {
				t.Errorf("%s must not link %s, and links %d package(s) of it: %s", name, path.Clean(b), len(hits), strings.Join(hits[:min(3, len(hits))], ", "))
			}
		}
	}
}
