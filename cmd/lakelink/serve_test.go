package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
