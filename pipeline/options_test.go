package pipeline_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/pipeline"
)

var updateDocs = flag.Bool("update", false, "rewrite the generated tables in docs/")

// docs/statements.md shows COPY's options as their declarations say.
func TestCopyOptionsDocs(t *testing.T) {
	checkGenerated(t, "../docs/statements.md",
		"<!-- COPY options: made by pipeline.CopyOptionsTable from the declarations; go test ./pipeline -run TestCopyOptionsDocs -update -->\n",
		"<!-- end of COPY options -->", pipeline.CopyOptionsTable())
}

// docs/exports.md shows the export options as their declarations say.
func TestExportOptionsDocs(t *testing.T) {
	checkGenerated(t, "../docs/exports.md",
		"<!-- export options: made by pipeline.ExportOptionsTable from the declarations; go test ./pipeline -run TestExportOptionsDocs -update -->\n",
		"<!-- end of export options -->", pipeline.ExportOptionsTable())
}

// checkGenerated compares a generated block of a doc with what makes it
// (or, with -update, rewrites it).
func checkGenerated(t *testing.T, path, start, end, table string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	before, rest, ok := strings.Cut(doc, start)
	_, after, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		t.Fatalf("%s has no generated block between %q and %q", path, start, end)
	}
	want := before + start + table + end + after
	if *updateDocs {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if doc != want {
		t.Errorf("%s's generated table differs from the declarations; run go test ./pipeline -run 'Options(Docs)' -update", path)
	}
}
