package format_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/format"
)

var update = flag.Bool("update", false, "rewrite the option table in docs/formats.md")

const (
	tableStart = "<!-- format options: made by format.Table from the declarations; go test ./format -run TestDocsTable -update -->\n"
	tableEnd   = "<!-- end of format options -->"
)

// docs/formats.md shows the options of every format as their
// declarations say: the table is format.Table's output.
func TestDocsTable(t *testing.T) {
	const path = "../docs/formats.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	before, rest, ok := strings.Cut(doc, tableStart)
	_, after, ok2 := strings.Cut(rest, tableEnd)
	if !ok || !ok2 {
		t.Fatalf("%s has no generated option table between %q and %q", path, tableStart, tableEnd)
	}
	want := before + tableStart + format.Table() + tableEnd + after
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if doc != want {
		t.Errorf("%s's option table is not format.Table's; run go test ./format -run TestDocsTable -update", path)
	}
}
