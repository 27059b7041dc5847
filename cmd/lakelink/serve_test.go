package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// lakelink serve listens on loopback, says so, answers a Postgres client,
// and on SIGTERM stops cleanly: exit code 0, and the store opens again.
func TestServeCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 50, Dim: 8}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+data+"' INTO docs WITH (primary_key = 'id')"); code != 0 {
		t.Fatal(errs)
	}
	cmd := exec.Command(os.Args[0], "--store", st, "serve", "--listen", "127.0.0.1:0", "--copy-root", dir)
	cmd.Env = append(os.Environ(), asCLIEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`on (127\.0\.0\.1:\d+) \(PostgreSQL protocol\); no users are configured.*local files only under`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("serve said %q", line)
	}
	cfg, _ := pgx.ParseConfig("postgres://someone@" + m[1] + "/lakelink?sslmode=disable")
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM docs").Scan(&n); err != nil || n != 50 {
		t.Errorf("count through the server: %d %v", n, err)
	}
	// lakelink sql finds the server through the store's holder file and
	// sends it the script, instead of failing on a store in use.
	if code, out, errs := cli(t, "--store", st, "sql", "SELECT count(*) FROM docs; SELECT id FROM docs WHERE id < 2 ORDER BY id", "--format", "csv"); code != 0 || out != "count\n50\nid\n0\n1\n" {
		t.Errorf("lakelink sql through the server: %d %q %q", code, out, errs)
	}
	more := filepath.Join(dir, "more.parquet")
	if err := fixtures.WriteDocuments(more, fixtures.Documents{Rows: 7, Dim: 8, FirstID: 1000}); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, "--store", st, "sql", "COPY FROM '"+more+"' INTO docs"); code != 0 || !strings.Contains(out, "COPY 7 rows") {
		t.Errorf("COPY through the server: %d %q %q", code, out, errs)
	}
	if code, out, errs := cli(t, "--store", st, "sql", "--param", "1=[1,2,3,4,5,6,7,8]", "SELECT id FROM docs ORDER BY embedding <-> $1 LIMIT 3"); code != 0 || strings.Count(out, "\n") < 4 {
		t.Errorf("a search with a parameter through the server: %d %q %q", code, out, errs)
	}
	if code, _, errs := cli(t, "--store", st, "sql", "SELECT id FROM nosuch"); code == 0 || !strings.Contains(errs, "SQLSTATE 42P01") {
		t.Errorf("an unknown table through the server: %d %q", code, errs)
	}
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM docs").Scan(&n); err != nil || n != 57 {
		t.Errorf("count after the CLI's COPY: %d %v", n, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20s of SIGTERM")
	}
	s, err := store.Open(st)
	if err != nil {
		t.Fatalf("the store after serve stopped: %v", err)
	}
	s.Close()
}

// A holder file left by a server that died (kill -9) names an address
// nobody answers on: lakelink sql opens the store as usual.
func TestStaleServerHolder(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "CREATE TABLE t (id BIGINT)"); code != 0 {
		t.Fatal(errs)
	}
	stale := `{"pid": 999999, "command": "lakelink serve", "since": "2026-01-01T00:00:00Z", "server": "127.0.0.1:1"}`
	if err := os.WriteFile(filepath.Join(st, "holder.json"), []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, "--store", st, "sql", "SELECT count(*) FROM t", "--format", "csv"); code != 0 || out != "count\n0\n" {
		t.Errorf("with a stale holder file: %d %q %q", code, out, errs)
	}
}

// startServe starts lakelink serve with args and returns the line it
// printed at start; the process is killed when the test ends.
func startServe(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asCLIEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errs strings.Builder
	cmd.Stderr = &errs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed nothing: %v; stderr: %s", err, errs.String())
	}
	return cmd, line
}

// The default listener is 127.0.0.1:5433 and nothing else, as the
// kernel's socket table (ss) shows it; with users made by lakelink user
// add, psql needs the password; beyond loopback without users, serve
// refuses to start.
func TestServeDefaultsAndUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ss, err := exec.LookPath("ss")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ss is not installed (scripts/test-peers installs iproute2)")
		}
		t.Skip("ss is not installed (apt-get install iproute2)")
	}
	dir := t.TempDir()
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "CREATE TABLE t (id BIGINT PRIMARY KEY)"); code != 0 {
		t.Fatal(errs)
	}
	cmd, line := startServe(t, "--store", st, "serve")
	if !strings.Contains(line, "on 127.0.0.1:5433 ") || !strings.Contains(line, "only this machine may connect") || !strings.Contains(line, "no local files") {
		t.Fatalf("serve said %q", line)
	}
	out, err := exec.Command(ss, "-ltnpH").Output()
	if err != nil {
		t.Fatal(err)
	}
	var mine []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "pid="+strconv.Itoa(cmd.Process.Pid)+",") {
			mine = append(mine, strings.Fields(l)[3])
		}
	}
	if len(mine) != 1 || mine[0] != "127.0.0.1:5433" {
		t.Errorf("serve listens on %v, want only 127.0.0.1:5433 (ss -ltnp:\n%s)", mine, out)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()

	if code, _, errs := cli(t, "--store", st, "serve", "--listen", "0.0.0.0:0"); code == 0 || !strings.Contains(errs, "needs users") {
		t.Errorf("serve on 0.0.0.0 without users: %d %q", code, errs)
	}
	users := filepath.Join(dir, "users.txt")
	if code, out, errs := cliIn(t, "s3cret-pw\n", "user", "add", "--users", users, "alice", "--role", "read-only"); code != 0 || !strings.Contains(out, "user alice (read-only)") {
		t.Fatalf("user add: %d %q %q", code, out, errs)
	}
	_, line = startServe(t, "--store", st, "serve", "--listen", "127.0.0.1:0", "--users", users)
	m := regexp.MustCompile(`on 127\.0\.0\.1:(\d+) .*1 user\(s\)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("serve with users said %q", line)
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is not installed")
		}
		t.Skip("psql is not installed")
	}
	run := func(password, q string) (string, error) {
		c := exec.Command(psql, "-X", "-w", "-A", "-t", "-h", "127.0.0.1", "-p", m[1], "-U", "alice", "-d", "lakelink", "-c", q)
		c.Env = append(os.Environ(), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=10")
		b, err := c.CombinedOutput()
		return strings.TrimSpace(string(b)), err
	}
	if out, err := run("", "SELECT count(*) FROM t"); err == nil || !strings.Contains(out, "password") {
		t.Errorf("psql without the password: %v %q", err, out)
	}
	if out, err := run("s3cret-pw", "SELECT count(*) FROM t"); err != nil || out != "0" {
		t.Errorf("psql with the password: %v %q", err, out)
	}
	if out, err := run("s3cret-pw", "DROP TABLE t"); err == nil || !strings.Contains(out, "read-only") {
		t.Errorf("a read-only user's DROP TABLE: %v %q", err, out)
	}
}

// While psql runs a COPY through lakelink serve, the other commands work
// through the server instead of failing on a store in use: lakelink
// status shows the job's live progress, tables, digest and log answer at
// the head before the import, and after it at the new head; --server
// reaches the server without the store's folder.
func TestCLIDuringServerImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is not installed (scripts/test-peers installs postgresql-client)")
		}
		t.Skip("psql is not installed")
	}
	dir := t.TempDir()
	small, big := filepath.Join(dir, "small.parquet"), filepath.Join(dir, "big.parquet")
	if err := fixtures.WriteDocuments(small, fixtures.Documents{Rows: 50, Dim: 8, ContentChars: 40}); err != nil {
		t.Fatal(err)
	}
	if err := fixtures.WriteDocuments(big, fixtures.Documents{Rows: 300000, Dim: 8, ContentChars: 40, FirstID: 1000, Seed: 9, RowGroupRows: 10000}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	if code, _, errs := cli(t, "--store", st, "sql", "COPY FROM '"+small+"' INTO docs WITH (primary_key = 'id')"); code != 0 {
		t.Fatal(errs)
	}
	_, before, _ := cli(t, "--store", st, "digest", "docs")
	_, line := startServe(t, "--store", st, "serve", "--listen", "127.0.0.1:0", "--copy-root", dir)
	m := regexp.MustCompile(`on 127\.0\.0\.1:(\d+) `).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("serve said %q", line)
	}
	copyCmd := exec.Command(psql, "-X", "-h", "127.0.0.1", "-p", m[1], "-U", "me", "-d", "lakelink", "-c", "COPY FROM '"+big+"' INTO docs")
	var psqlOut strings.Builder
	copyCmd.Stdout, copyCmd.Stderr = &psqlOut, &psqlOut
	if err := copyCmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- copyCmd.Wait() }()

	// lakelink status shows the running job's rows as they grow.
	var seen []string
	var tablesDuring, digestDuring, logDuring string
	running := regexp.MustCompile(`(?m)^[^,]+,docs,running,[^,]*,[^,]*,[^,]*,[^,]*,([1-9]\d*),`)
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("psql COPY: %v %s", err, psqlOut.String())
			}
			finished = true
		case <-time.After(50 * time.Millisecond):
			code, out, errs := cli(t, "--store", st, "status", "--format", "csv")
			if code != 0 {
				t.Errorf("status during the import: %s", errs)
				continue
			}
			if r := running.FindStringSubmatch(out); r != nil {
				seen = append(seen, r[1])
				if tablesDuring == "" {
					_, tablesDuring, errs = cli(t, "--store", st, "tables", "--format", "csv")
					_, digestDuring, _ = cli(t, "--store", st, "digest", "docs")
					_, logDuring, _ = cli(t, "--store", st, "log", "docs", "--format", "csv")
					if errs != "" {
						t.Errorf("tables during the import: %s", errs)
					}
				}
			}
		}
	}
	t.Logf("rows seen by lakelink status while psql's COPY ran: %v", seen)
	if len(seen) == 0 {
		t.Fatal("lakelink status never showed the running import")
	}
	if tablesDuring == "" || !strings.Contains(tablesDuring, "docs,50,") {
		t.Errorf("tables during the import: %q, want docs with 50 rows (the head before it)", tablesDuring)
	}
	if digestDuring != before {
		t.Errorf("digest during the import %q, want the old head's %q", digestDuring, before)
	}
	if strings.Count(logDuring, "\n") != 2 { // header and the first COPY
		t.Errorf("log during the import: %q", logDuring)
	}
	code, out, errs := cli(t, "--store", st, "tables", "--format", "csv")
	if code != 0 || !strings.Contains(out, "docs,300050,") {
		t.Errorf("tables after the import: %d %q %q", code, out, errs)
	}
	if _, after, _ := cli(t, "--store", st, "digest", "docs"); after == before {
		t.Error("the digest did not change with the import")
	}
	// --server reaches the server from anywhere, without the store.
	code, out, errs = cli(t, "--store", filepath.Join(dir, "nowhere"), "--server", "127.0.0.1:"+m[1], "tables", "docs", "--format", "csv")
	if code != 0 || !strings.Contains(out, "id,BIGINT,true,") {
		t.Errorf("tables docs through --server: %d %q %q", code, out, errs)
	}
}
