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
	const (
		path  = "../docs/statements.md"
		start = "<!-- COPY options: made by pipeline.CopyOptionsTable from the declarations; go test ./pipeline -run TestCopyOptionsDocs -update -->\n"
		end   = "<!-- end of COPY options -->"
	)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	before, rest, ok := strings.Cut(doc, start)
	_, after, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		t.Fatalf("%s has no generated COPY options table", path)
	}
	want := before + start + pipeline.CopyOptionsTable() + end + after
	if *updateDocs {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if doc != want {
		t.Errorf("%s's COPY options table is not CopyOptionsTable's; run go test ./pipeline -run TestCopyOptionsDocs -update", path)
	}
}
