package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// The README's Go example is this program as it is, from "package main"
// on.
func TestREADMEShowsThisProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```go\n")
	shown, _, ok2 := strings.Cut(rest, "```\n")
	if !ok || !ok2 {
		t.Fatal("README.md has no ```go block")
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(src), "\npackage main\n")
	if want := "package main\n" + body; shown != want {
		t.Errorf("README.md's Go example differs from examples/readme/main.go:\n%s", shown)
	}
}

// The program runs as the README says: it imports the documents, indexes
// them and prints the five nearest to document 42, 42 first; run again,
// as a user re-runs an example, it prints the same and the table still
// holds each document once.
func TestREADMEProgramRuns(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "lake", "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, first := range []int64{0, 500} {
		path := filepath.Join(dir, "lake", "docs", []string{"a.parquet", "b.parquet"}[i])
		if err := fixtures.WriteDocuments(path, fixtures.Documents{Rows: 500, Dim: 384, FirstID: first, Seed: uint64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	var runs [][]string
	for range 2 {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout := os.Stdout
		os.Stdout = w
		main()
		os.Stdout = stdout
		w.Close()
		var lines []string
		sc := bufio.NewScanner(io.Reader(r))
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		if len(lines) != 5 || !strings.HasPrefix(lines[0], "42 ") {
			t.Errorf("printed %q, want five rows, document 42 first", lines)
		}
		runs = append(runs, lines)
	}
	if strings.Join(runs[0], "\n") != strings.Join(runs[1], "\n") {
		t.Errorf("the second run printed\n%s\nthe first\n%s", strings.Join(runs[1], "\n"), strings.Join(runs[0], "\n"))
	}
	st, err := store.Open("./lakelink-data")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ti, _ := st.Table("documents", st.Head())
	if n, err := st.Count("documents", st.Head()); err != nil || n != 1000 || len(ti.Indexes) != 1 {
		t.Errorf("after two runs: %d rows (%v), indexes %v; want 1000 and one index", n, err, ti.Indexes)
	}
}
