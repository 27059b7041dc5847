package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lakelink/lakelink/server"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// usersFile writes a users file: alice may write, reader may only read
// and may not use object-store URLs.
func usersFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.txt")
	if err := server.AddUser(path, "alice", server.ReadWrite, false, "alice-secret"); err != nil {
		t.Fatal(err)
	}
	if err := server.AddUser(path, "reader", server.ReadOnly, true, "reader-secret"); err != nil {
		t.Fatal(err)
	}
	if err := server.AddUser(path, "loader", server.ReadWrite, true, "loader-secret"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "secret") {
		t.Fatalf("the users file holds a password: %s", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("users file mode %v, want 0600", fi.Mode().Perm())
	}
	return path
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// With users, a client needs its password (SCRAM-SHA-256): none or a
// wrong one is refused, and an unknown user is refused alike. A
// read-only user cannot write; COPY of a path outside the server's roots
// is refused, also through a symbolic link; a user without URLs cannot
// reach a bucket. The server's log never holds a password.
func TestUsersRolesAndRoots(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	inside, away := filepath.Join(root, "docs.parquet"), filepath.Join(outside, "docs.parquet")
	for _, p := range []string{inside, away} {
		if err := fixtures.WriteDocuments(p, fixtures.Documents{Rows: 20, Dim: 16, ContentChars: 20}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	st, _ := documentsStore(t, true, 10, 1)
	users, err := server.LoadUsers(usersFile(t))
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	srv := &server.Server{Store: st, Users: users, CopyRoots: []string{root}, Logf: func(f string, a ...any) {
		log.WriteString(fmt.Sprintf(f, a...) + "\n")
	}}
	addr := serveWith(t, srv)
	ctx := context.Background()
	dial := func(user, password string) (*pgx.Conn, error) {
		cfg, err := pgx.ParseConfig("postgres://" + addr + "/lakelink?sslmode=disable")
		if err != nil {
			t.Fatal(err)
		}
		cfg.User, cfg.Password = user, password
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			t.Cleanup(func() { c.Close(ctx) })
		}
		return c, err
	}
	for _, bad := range [][2]string{{"alice", ""}, {"alice", "wrong"}, {"mallory", "alice-secret"}, {"reader", "alice-secret"}} {
		if _, err := dial(bad[0], bad[1]); err == nil || !strings.Contains(err.Error(), "28P01") {
			t.Errorf("user %q with password %q: %v, want refused (28P01)", bad[0], bad[1], err)
		}
	}
	alice, err := dial("alice", "alice-secret")
	if err != nil {
		t.Fatal(err)
	}
	reader, err := dial("reader", "reader-secret")
	if err != nil {
		t.Fatal(err)
	}
	count := func(c *pgx.Conn) int64 {
		var n int64
		if err := c.QueryRow(ctx, "SELECT count(*) FROM documents").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(reader); n != 10 {
		t.Errorf("the reader reads %d rows", n)
	}
	// The read-only user writes nothing.
	for _, q := range []string{
		"COPY FROM '" + inside + "' INTO documents WITH (mode = 'upsert')",
		"DELETE FROM documents WHERE id = 1",
		"CREATE TABLE mine (id BIGINT)",
		"COPY (SELECT * FROM documents) TO '" + filepath.Join(root, "out") + "/'",
	} {
		head := st.Head()
		if _, err := reader.Exec(ctx, q); pgCode(err) != "42501" {
			t.Errorf("read-only %s: %v, want 42501", q, err)
		}
		if st.Head() != head {
			t.Errorf("read-only %s committed", q)
		}
	}
	if _, err := reader.Exec(ctx, "SELECT count(*) FROM parquet_scan('s3://bucket/x.parquet')"); pgCode(err) != "42501" {
		t.Errorf("a bucket URL for a user without URLs: %v, want 42501", err)
	}
	if _, err := reader.Exec(ctx, "SELECT count(*) FROM parquet_scan('"+inside+"')"); err != nil {
		t.Errorf("the reader's parquet_scan under the root: %v", err)
	}
	// A writer without URLs loads local files only: no bucket, no bucket
	// options (an endpoint would point the server's credentials anywhere).
	loader, err := dial("loader", "loader-secret")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"COPY FROM 's3://bucket/docs.parquet' INTO documents",
		"COPY FROM '" + inside + "' INTO documents WITH (mode = 'upsert', endpoint = 'http://169.254.169.254')",
		"COPY FROM '" + inside + "' INTO documents WITH (mode = 'upsert', credentials = 'env:SECRET')",
		"COPY (SELECT * FROM documents) TO 'gs://bucket/out/'",
	} {
		head := st.Head()
		if _, err := loader.Exec(ctx, q); pgCode(err) != "42501" {
			t.Errorf("no-urls writer: %s: %v, want 42501", q, err)
		}
		if st.Head() != head {
			t.Errorf("no-urls writer: %s committed", q)
		}
	}
	// Paths outside the roots, however named, are refused to everyone.
	for _, q := range []string{
		"COPY FROM '" + away + "' INTO documents",
		"COPY FROM '" + filepath.Join(root, "link", "docs.parquet") + "' INTO documents",
		"COPY FROM '" + root + "/../" + filepath.Base(outside) + "/*.parquet' INTO documents",
		"COPY FROM 'file://" + away + "' INTO documents",
		"COPY (SELECT * FROM documents) TO '" + filepath.Join(outside, "out") + "/'",
		"SELECT count(*) FROM parquet_scan('/etc/passwd')",
		"COPY FROM '" + inside + "' INTO documents WITH (staging = '" + outside + "')",
		"ALTER TABLE documents SET (cold_storage = '" + outside + "')",
	} {
		head := st.Head()
		if _, err := alice.Exec(ctx, q); pgCode(err) != "42501" {
			t.Errorf("%s: %v, want refused (42501)", q, err)
		}
		if st.Head() != head {
			t.Errorf("%s committed", q)
		}
	}
	if n := count(alice); n != 10 {
		t.Errorf("after the refusals: %d rows", n)
	}
	if _, err := alice.Exec(ctx, "COPY FROM '"+inside+"' INTO documents WITH (mode = 'upsert')"); err != nil {
		t.Errorf("alice's COPY under the root: %v", err)
	}
	if _, err := alice.Exec(ctx, "COPY (SELECT * FROM documents) TO '"+filepath.Join(root, "out")+"/'"); err != nil {
		t.Errorf("alice's export under the root: %v", err)
	}
	if n := count(reader); n != 20 {
		t.Errorf("after alice's COPY the reader reads %d rows, want 20", n)
	}
	if strings.Contains(log.String(), "secret") {
		t.Errorf("the server logged a password:\n%s", log.String())
	}
	if !strings.Contains(log.String(), `"mallory"`) {
		t.Errorf("the log does not name the refused user:\n%s", log.String())
	}
}

// serveWith starts srv on 127.0.0.1 and returns its address.
func serveWith(t *testing.T, srv *server.Server) string {
	t.Helper()
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return addr.String()
}

// selfSigned makes a certificate for 127.0.0.1 and writes it and its key
// as PEM files.
func selfSigned(t *testing.T) (certFile, keyFile string, cert tls.Certificate, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lakelink test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, err = tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AppendCertsFromPEM(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return certFile, keyFile, cert, pool
}

// With a certificate, a client that asks for TLS gets it and verifies the
// server (pgx with sslmode=verify-full, psql with sslmode=require), and
// the password exchange runs inside it. Without users the server will
// not listen beyond loopback.
func TestTLSAndListen(t *testing.T) {
	certFile, _, cert, pool := selfSigned(t)
	st, _ := documentsStore(t, false, 5, 1)
	users, err := server.LoadUsers(usersFile(t))
	if err != nil {
		t.Fatal(err)
	}
	addr := serveWith(t, &server.Server{Store: st, Users: users, TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	ctx := context.Background()
	cfg, err := pgx.ParseConfig("postgres://alice:alice-secret@" + addr + "/lakelink?sslmode=verify-full&sslrootcert=" + certFile)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tc, ok := conn.PgConn().Conn().(*tls.Conn)
	if !ok {
		t.Fatalf("the connection is %T, not TLS", conn.PgConn().Conn())
	}
	if !tc.ConnectionState().HandshakeComplete {
		t.Error("TLS handshake incomplete")
	}
	_ = pool
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM documents").Scan(&n); err != nil || n != 5 {
		t.Errorf("count over TLS: %d %v", n, err)
	}
	if psql, err := exec.LookPath("psql"); err == nil {
		host, port, _ := net.SplitHostPort(addr)
		cmd := exec.Command(psql, "-X", "-A", "-t", "-h", host, "-p", port, "-U", "alice", "-d", "lakelink", "-c", "SELECT count(*) FROM documents")
		cmd.Env = append(os.Environ(), "PGPASSWORD=alice-secret", "PGSSLMODE=require", "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "5" {
			t.Errorf("psql over TLS with a password: %v %q", err, out)
		}
		cmd = exec.Command(psql, "-X", "-w", "-h", host, "-p", port, "-U", "alice", "-d", "lakelink", "-c", "SELECT 1")
		cmd.Env = append(os.Environ(), "PGPASSWORD=", "PGCONNECT_TIMEOUT=10")
		if out, err := cmd.CombinedOutput(); err == nil {
			t.Errorf("psql without a password connected: %s", out)
		}
	} else if os.Getenv("CI") == "true" {
		t.Error("psql is not installed")
	}
	for _, a := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		if _, err := (&server.Server{Store: st}).Listen(a); !errors.Is(err, server.ErrNeedUsers) {
			t.Errorf("listen on %s without users: %v", a, err)
		}
	}
}
