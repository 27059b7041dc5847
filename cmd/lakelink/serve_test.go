package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	cmd := exec.Command(os.Args[0], "--store", st, "serve", "--listen", "127.0.0.1:0")
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
	m := regexp.MustCompile(`on (127\.0\.0\.1:\d+) \(PostgreSQL protocol\); no users are configured`).FindStringSubmatch(line)
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
