package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// asCLIEnv makes the test binary run as the lakelink command, so a test can
// start it as a child process and kill it.
const asCLIEnv = "LAKELINK_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(asCLIEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// A process killed during the commit leaves the store at its previous head;
// running the import again then completes it.
func TestKillDuringCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills child processes")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	const rows = 120000
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: rows, Dim: 64, ContentChars: 200, RowGroupRows: 20000}); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "small.parquet")
	if err := fixtures.WriteDocuments(small, fixtures.Documents{Rows: 10, Dim: 64, FirstID: 1 << 40}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+small+"' INTO docs WITH (primary_key = 'id')"); code != 0 {
		t.Fatal(errs)
	}
	copySQL := "COPY FROM '" + data + "' INTO docs WITH (mode = 'upsert')"
	staging := filepath.Join(st, "staging")

	killedMidCommit := false
	for attempt, delay := range []time.Duration{30 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond, 5 * time.Millisecond, 500 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "--store", st, "sql", copySQL)
		cmd.Env = append(os.Environ(), asCLIEnv+"=1")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The manifest appears when the pipeline has finished: the commit
		// starts right after it.
		deadline := time.Now().Add(2 * time.Minute)
		for !manifestExists(staging) && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(delay)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		s, err := store.Open(st)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := s.Count("docs", s.Head())
		recovered := s.Recovered()
		s.Close()
		t.Logf("attempt %d: killed %s after the manifest; recovered commit %d; %d rows", attempt, delay, recovered, n)
		if recovered != 0 {
			killedMidCommit = true
			if n != 10 {
				t.Fatalf("after a kill during the commit the table has %d rows, want the previous 10", n)
			}
			break
		}
		if n != 10 && n != 10+rows {
			t.Fatalf("partial import visible: %d rows", n)
		}
	}
	if !killedMidCommit {
		t.Fatal("no attempt landed inside the commit")
	}
	if code, out, errs := cli(t, "--store", st, "sql", copySQL); code != 0 || !strings.Contains(out, "COPY 120000 rows") {
		t.Fatalf("re-run: %d %q %q", code, out, errs)
	}
	s, err := store.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.Count("docs", s.Head()); n != 10+rows {
		t.Errorf("after re-run: %d rows, want %d", n, 10+rows)
	}
}

func manifestExists(staging string) bool {
	m, _ := filepath.Glob(filepath.Join(staging, "*", "manifest.json"))
	return len(m) > 0
}
