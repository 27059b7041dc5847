package main

import (
	"errors"
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

// An import whose process is killed shows as failed (abandoned) in
// `lakelink status` at once, while its staged data waits for the store's
// next open, which removes it and records the job failed for good; the
// status of a running import says running.
func TestKilledImportIsAbandoned(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a child process")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 20000, Dim: 384, RowGroupRows: 1000}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	cmd := exec.Command(os.Args[0], "--store", st, "sql", "COPY FROM '"+data+"' INTO docs WITH (primary_key = 'id', build_indexes = true)")
	cmd.Env = append(os.Environ(), asCLIEnv+"=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	staging := filepath.Join(st, "staging")
	// Kill it once it has staged rows: a segment file with bytes in it (a
	// file just created is empty, and a kill then leaves nothing staged).
	deadline := time.Now().Add(2 * time.Minute)
	var running string
	for time.Now().Before(deadline) {
		segs, _ := filepath.Glob(filepath.Join(staging, "*", "rows-*"))
		if len(segs) > 0 && dirSize(t, filepath.Dir(segs[0])) > 0 {
			_, running, _ = cli(t, "--store", st, "status", "--format", "csv")
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if !strings.Contains(running, ",docs,running,") {
		t.Errorf("status while the import ran: %q", running)
	}
	jobs, _ := filepath.Glob(filepath.Join(staging, "*"))
	if len(jobs) != 1 || dirSize(t, jobs[0]) == 0 {
		t.Fatalf("staged data before the next open: %v", jobs)
	}
	code, out, _ := cli(t, "--store", st, "status", "--format", "csv")
	if code != 0 || !strings.Contains(out, ",docs,failed,") || !strings.Contains(out, "abandoned: its process (") {
		t.Errorf("status after the kill: %q", out)
	}
	// The next open settles the job.
	code, _, errs := cli(t, "--store", st, "sql", "--format", "csv", "SELECT status, error FROM lakelink_import_status")
	if code != 0 || !strings.Contains(errs, "was abandoned") {
		t.Errorf("the next open: %d %q", code, errs)
	}
	if left, _ := filepath.Glob(filepath.Join(staging, "*")); len(left) != 0 {
		t.Errorf("staging after the next open: %v", left)
	}
	s, err := store.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Table("docs", s.Head()); err == nil {
		t.Errorf("the killed import committed its table")
	}
	code, out, _ = cli(t, "--store", st, "status", "--format", "csv")
	if code != 0 || !strings.Contains(out, ",docs,failed,") {
		t.Errorf("status after settling: %q", out)
	}
}

func dirSize(t *testing.T, dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// Ctrl-C during an indexed import of 200k rows, while the workers build
// the index: the command says it is interrupting, exits within 2 s with
// status 130, commits nothing, removes its staging and records the job
// canceled. Before the interrupt, status shows the phase and how far it
// is, and stderr (not a terminal) gets plain progress lines.
func TestInterruptIndexedImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and interrupts a child process")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 200000, Dim: 64, ContentChars: 50, RowGroupRows: 10000}); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "small.parquet")
	if err := fixtures.WriteDocuments(small, fixtures.Documents{Rows: 10, Dim: 64}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+small+"' INTO small"); code != 0 {
		t.Fatal(errs)
	}
	head := storeHead(t, st)
	cmd := exec.Command(os.Args[0], "--store", st, "--progress-every", "200ms", "sql", "COPY FROM '"+data+"' INTO docs WITH (primary_key = 'id', build_indexes = true)")
	cmd.Env = append(os.Environ(), asCLIEnv+"=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the index build, and for it to have made some progress.
	var status string
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		_, status, _ = cli(t, "--store", st, "status", "--format", "csv")
		if i := strings.Index(status, ",docs,running,building index parts,"); i >= 0 && !strings.HasPrefix(status[i+len(",docs,running,building index parts,"):], "0,") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(status, ",docs,running,building index parts,") {
		_ = cmd.Process.Kill()
		t.Fatalf("no index build phase in status: %q", status)
	}
	start := time.Now()
	_ = cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	took := time.Since(start)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("exit: %v, want status 130; stderr %q", err, stderr.String())
	}
	if took > 2*time.Second {
		t.Errorf("exited %s after Ctrl-C, want within 2s", took)
	}
	t.Logf("exited %s after Ctrl-C; status before: %s", took.Round(time.Millisecond), strings.TrimSpace(status))
	if !strings.Contains(stderr.String(), "interrupting") || !strings.Contains(stderr.String(), ": building index parts ") {
		t.Errorf("stderr: %q", stderr.String())
	}
	if got := storeHead(t, st); got != head {
		t.Errorf("head moved from %d to %d", head, got)
	}
	if left, _ := filepath.Glob(filepath.Join(st, "staging", "*")); len(left) != 0 {
		t.Errorf("staging left: %v", left)
	}
	if _, out, _ := cli(t, "--store", st, "status", "--format", "csv"); !strings.Contains(out, ",docs,canceled,") {
		t.Errorf("status after Ctrl-C: %q", out)
	}
}

func storeHead(t *testing.T, dir string) uint64 {
	t.Helper()
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return s.Head()
}
