package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/runners"
)

// workerMarksEnv names a folder where a worker process started by Prism
// leaves a file named after its PID, so tests can tell that work ran in
// another process.
const workerMarksEnv = "LAKELINK_TEST_WORKER_MARKS"

// The test binary is its own Beam worker when Prism starts it in a PROCESS
// environment.
func TestMain(m *testing.M) {
	if runners.IsWorker(os.Args[1:]) {
		if dir := os.Getenv(workerMarksEnv); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, strconv.Itoa(os.Getpid())), nil, 0o644)
		}
		os.Exit(runners.RunWorker(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// workerPIDs returns the PIDs of worker processes that left marks.
func workerPIDs(t *testing.T, dir string) []int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid != os.Getpid() {
			out = append(out, pid)
		}
	}
	return out
}

// putFile uploads a local file to key in the bucket at bucketURL.
func putFile(t *testing.T, bucketURL, key, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, done, err := objstore.OpenBucket(ctx, bucketURL)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if err := b.WriteAll(ctx, key, data, nil); err != nil {
		t.Fatal(err)
	}
}
