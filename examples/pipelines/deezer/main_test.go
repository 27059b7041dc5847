package main

import (
	"os"
	"testing"
)

// The example runs end to end on the real data (a smaller embedding, to
// keep it quick).
func TestDeezerExample(t *testing.T) {
	data := "../../../../shared/data/graphs/deezer_hu"
	if _, err := os.Stat(data); err != nil {
		t.Skip("no deezer_hu data: see docs/testing.md")
	}
	if testing.Short() {
		t.Skip("short")
	}
	if err := run(data, t.TempDir(), 0, 32); err != nil {
		t.Fatal(err)
	}
}
