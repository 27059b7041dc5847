package pipeline_test

import (
	"os"
	"testing"

	"github.com/lakelink/lakelink/runners"
)

// The test binary is its own Beam worker when Prism starts it in a PROCESS
// environment. The statement-level tests of imports and exports are in
// package engine, which runs them through a Session.
func TestMain(m *testing.M) {
	if runners.IsWorker(os.Args[1:]) {
		os.Exit(runners.RunWorker(os.Args[1:]))
	}
	os.Exit(m.Run())
}
