package main

import "testing"

// The demo's whole job, small: generate, import, query, export with AILK
// sections, search the exported files.
func TestQuickstart(t *testing.T) {
	for _, runner := range []string{"direct", "prism"} {
		if err := run(3000, t.TempDir(), runner); err != nil {
			t.Errorf("%s: %v", runner, err)
		}
	}
}
