package server_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// serve starts a server on 127.0.0.1 over a fresh store with a table of
// n rows, and returns its address.
func serve(t *testing.T, n int) (*store.Store, string) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := &engine.Session{Store: st}
	if _, err := s.Exec(context.Background(), "CREATE TABLE docs (id BIGINT PRIMARY KEY, title TEXT, day DATE, score DOUBLE, ok BOOLEAN, v VECTOR(3))"); err != nil {
		t.Fatal(err)
	}
	rows := make([]store.Row, n)
	for i := range rows {
		rows[i] = store.Row{int64(i), fmt.Sprintf("doc %d", i), nil, float64(i) / 2, i%2 == 0, []float32{float32(i), 1, -0.5}}
	}
	putRows(t, st, "docs", rows)
	return st, serveStore(t, st)
}

// putRows writes rows, keyed by their first column, in one commit.
func putRows(t *testing.T, st *store.Store, table string, rows []store.Row) {
	t.Helper()
	c, err := st.Begin("rows")
	if err != nil {
		t.Fatal(err)
	}
	ti, _ := c.Table(table)
	for _, row := range rows {
		pk, _ := store.KeyOf(ti.Schema, row[0])
		v, err := store.EncodeRow(ti.Schema, row)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Put(ti, pk, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Finish(); err != nil {
		t.Fatal(err)
	}
}

// pgx, in its simple protocol, reads rows with the right types, sees
// SQLSTATE codes and positions, and a session's SET lasts for its
// connection.
func TestPgxSimpleProtocol(t *testing.T) {
	_, addr := serve(t, 10)
	ctx := context.Background()
	conn := connect(t, addr)
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM docs").Scan(&n); err != nil || n != 10 {
		t.Fatalf("count: %d %v", n, err)
	}
	var (
		id    int64
		title string
		score float64
		ok    bool
		v     string
	)
	if err := conn.QueryRow(ctx, "SELECT id, title, score, ok, v FROM docs WHERE id = 3").Scan(&id, &title, &score, &ok, &v); err != nil {
		t.Fatal(err)
	}
	if id != 3 || title != "doc 3" || score != 1.5 || ok || v != "[3,1,-0.5]" {
		t.Errorf("row 3: %d %q %v %v %q", id, title, score, ok, v)
	}
	rows, err := conn.Query(ctx, "SELECT id FROM docs ORDER BY id LIMIT 4")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || fmt.Sprint(ids) != "[0 1 2 3]" {
		t.Errorf("ids %v %v", ids, err)
	}
	for q, code := range map[string]string{
		"SELEC id FROM docs":                       "42601",
		"SELECT id FROM nosuch":                    "42P01",
		"SELECT id FROM docs WHERE nosuch_col = 1": "42703",
	} {
		_, err := conn.Exec(ctx, q)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != code {
			t.Errorf("%s: %v, want SQLSTATE %s", q, err, code)
		}
		if code == "42601" && pe != nil && pe.Position != 1 {
			t.Errorf("%s: position %d", q, pe.Position)
		}
	}
	// The connection still works after errors; SET lasts for it.
	if _, err := conn.Exec(ctx, "SET lakelink.hnsw_ef_search = 77"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM docs").Scan(&n); err != nil || n != 10 {
		t.Errorf("after errors: %d %v", n, err)
	}
}

// psql, the client users reach for first, runs statements against the
// server and prints the rows, and an error with its SQLSTATE.
func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is not installed (scripts/test-peers installs postgresql-client)")
		}
		t.Skip("psql is not installed (apt-get install postgresql-client)")
	}
	st, addr := serve(t, 5)
	host, port, _ := net.SplitHostPort(addr)
	run := func(sql string) (string, error) {
		cmd := exec.Command(psql, "-X", "-A", "-t", "-h", host, "-p", port, "-U", "tester", "-d", "lakelink", "-v", "VERBOSITY=verbose", "-v", "ON_ERROR_STOP=1", "-c", sql)
		cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := run("SELECT count(*) FROM docs"); err != nil || out != "5" {
		t.Fatalf("count: %q %v", out, err)
	}
	if out, err := run("SELECT id, title, v FROM docs WHERE id = 4"); err != nil || out != "4|doc 4|[4,1,-0.5]" {
		t.Errorf("row: %q %v", out, err)
	}
	data := filepath.Join(t.TempDir(), "more.csv")
	os.WriteFile(data, []byte("id,title\n100,new\n101,newer\n"), 0o644)
	if out, err := run("COPY FROM '" + data + "' INTO docs (id, title)"); err != nil || !strings.Contains(out, "COPY 2") && !strings.Contains(out, "2 rows") {
		t.Errorf("COPY through psql: %q %v", out, err)
	}
	if n, _ := st.Count("docs", st.Head()); n != 7 {
		t.Errorf("after COPY through psql: %d rows", n)
	}
	out, err := run("SELECT id FROM docs WHER id = 1")
	if err == nil || !strings.Contains(out, "ERROR:  42601") {
		t.Errorf("syntax error through psql: %q %v", out, err)
	}
}

// CancelRequest (pgx's, as psql's Ctrl-C sends it) stops the statement a
// connection runs: a long scan fails with 57014, and so does an import,
// which commits nothing; the connection goes on; a wrong secret cancels
// nothing.
func TestCancelRequest(t *testing.T) {
	st, addr := serve(t, 300000)
	ctx := context.Background()
	conn := connect(t, addr)
	slow := "SELECT id FROM docs ORDER BY v <-> '[1, 2, 3]' LIMIT 3"
	start := time.Now()
	if _, err := conn.Exec(ctx, slow); err != nil {
		t.Fatal(err)
	}
	full := time.Since(start)
	data := filepath.Join(t.TempDir(), "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 40000, Dim: 256, RowGroupRows: 2000}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{slow, "COPY FROM '" + data + "' INTO imported"} {
		head := st.Head()
		go func() {
			time.Sleep(full / 5)
			if err := conn.PgConn().CancelRequest(ctx); err != nil {
				t.Errorf("CancelRequest: %v", err)
			}
		}()
		start = time.Now()
		_, err := conn.Exec(ctx, q)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "57014" {
			t.Errorf("%s: %v after %s, want SQLSTATE 57014", q, err, time.Since(start))
		}
		if st.Head() != head {
			t.Errorf("%s: a cancelled statement committed (head %d, was %d)", q, st.Head(), head)
		}
	}
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM docs").Scan(&n); err != nil || n != 300000 {
		t.Errorf("after cancelling: %d %v", n, err)
	}
	// Another connection's key cancels nothing of this one.
	other := connect(t, addr)
	go func() {
		time.Sleep(full / 5)
		_ = other.PgConn().CancelRequest(ctx)
	}()
	if _, err := conn.Exec(ctx, slow); err != nil {
		t.Errorf("cancelled through another connection's key: %v", err)
	}
}

// What drivers send first: SET of PostgreSQL settings and SHOW of them,
// BEGIN/COMMIT/ROLLBACK, which the ready status follows, and a ROLLBACK
// after a write that says it cannot undo it (the write stays).
func TestDriverStatements(t *testing.T) {
	st, addr := serve(t, 3)
	var notices []string
	conn := dial(t, addr, simple, func(cfg *pgx.ConnConfig) {
		cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n.Message) }
	})
	ctx := context.Background()
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil || !strings.Contains(v, "lakelink") {
		t.Errorf("SHOW server_version: %q %v", v, err)
	}
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&v); err != nil || !strings.HasPrefix(v, "PostgreSQL ") {
		t.Errorf("SELECT version(): %q %v", v, err)
	}
	if err := conn.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
	if _, err := conn.Exec(ctx, "SET application_name = 'my tool'"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SHOW application_name").Scan(&v); err != nil || v != "my tool" {
		t.Errorf("SHOW application_name: %q %v", v, err)
	}
	if _, err := conn.Exec(ctx, "BEGIN"); err != nil || conn.PgConn().TxStatus() != 'T' {
		t.Fatalf("BEGIN: %v, status %c", err, conn.PgConn().TxStatus())
	}
	if _, err := conn.Exec(ctx, "DELETE FROM docs WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	notices = nil
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil || conn.PgConn().TxStatus() != 'I' {
		t.Fatalf("ROLLBACK: %v, status %c", err, conn.PgConn().TxStatus())
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "ROLLBACK cannot undo the 1 statement(s)") {
		t.Errorf("ROLLBACK's notice: %q", notices)
	}
	if n, _ := st.Count("docs", st.Head()); n != 2 {
		t.Errorf("after ROLLBACK %d rows: the DELETE committed on its own and stays", n)
	}
	for _, q := range []string{"BEGIN", "SELECT count(*) FROM docs", "COMMIT"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := conn.Exec(ctx, "SHOW nosuch"); err == nil {
		t.Error("SHOW of an unknown setting")
	}
}

// pgx in its default mode (the extended protocol: Parse, Describe, Bind,
// Execute, results in binary) and in exec mode: rows decode to the right
// Go types, a vector parameter goes as text or as a []float32, and an
// error ends the batch until Sync with the connection still usable.
func TestPgxExtendedProtocol(t *testing.T) {
	_, addr := serve(t, 20)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec, pgx.QueryExecModeDescribeExec} {
		t.Run(mode.String(), func(t *testing.T) {
			conn := dial(t, addr, func(cfg *pgx.ConnConfig) { cfg.DefaultQueryExecMode = mode })
			ctx := context.Background()
			var n int64
			if err := conn.QueryRow(ctx, "SELECT count(*) FROM docs").Scan(&n); err != nil || n != 20 {
				t.Fatalf("count: %d %v", n, err)
			}
			var one int64
			var word string
			if err := conn.QueryRow(ctx, "SELECT 1, 'up' AS state").Scan(&one, &word); err != nil || one != 1 || word != "up" {
				t.Errorf("SELECT 1, 'up': %d %q %v", one, word, err)
			}
			if err := conn.Ping(ctx); err != nil {
				t.Errorf("ping: %v", err)
			}
			var (
				id    int64
				title string
				score float64
				ok    bool
				v     string
			)
			if err := conn.QueryRow(ctx, "SELECT id, title, score, ok, v FROM docs WHERE id = 4").Scan(&id, &title, &score, &ok, &v); err != nil {
				t.Fatal(err)
			}
			if id != 4 || title != "doc 4" || score != 2 || !ok || v != "[4,1,-0.5]" {
				t.Errorf("row 4: %d %q %v %v %q", id, title, score, ok, v)
			}
			for _, q := range []any{"[7, 1, -0.5]", []float32{7, 1, -0.5}} {
				rows, err := conn.Query(ctx, "SELECT id, v <-> $1 AS d FROM docs ORDER BY d LIMIT 2", q)
				if err != nil {
					t.Fatal(err)
				}
				type hit struct {
					ID int64
					D  float64
				}
				hits, err := pgx.CollectRows(rows, pgx.RowToStructByPos[hit])
				if err != nil || len(hits) != 2 || hits[0].ID != 7 || hits[0].D != 0 {
					t.Errorf("search with %T: %v %v", q, hits, err)
				}
			}
			_, err := conn.Exec(ctx, "SELECT nosuch FROM docs")
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "42703" {
				t.Errorf("unknown column: %v", err)
			}
			if err := conn.QueryRow(ctx, "SELECT count(*) FROM docs").Scan(&n); err != nil || n != 20 {
				t.Errorf("after an error: %d %v", n, err)
			}
		})
	}
}

// Dates, timestamps, UUIDs, REAL and SMALLINT in binary format (pgx's
// default) read back as written, before and after 2000-01-01.
func TestBinaryTypes(t *testing.T) {
	st, addr := serve(t, 1)
	s := &engine.Session{Store: st}
	if _, err := s.Exec(context.Background(), "CREATE TABLE t (id BIGINT PRIMARY KEY, d DATE, ts TIMESTAMP, u UUID, r REAL, sm SMALLINT, i INT, j JSONB)"); err != nil {
		t.Fatal(err)
	}
	days := []time.Time{time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}
	stamps := []time.Time{time.Date(1969, 7, 20, 20, 17, 40, 123456000, time.UTC), time.Date(2026, 12, 7, 21, 30, 0, 5000, time.UTC)}
	u := uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	var rows []store.Row
	for i := range days {
		rows = append(rows, store.Row{int64(i), days[i], stamps[i], u, float32(1.5), int64(-3), int64(70000), `{"a":1}`})
	}
	putRows(t, st, "t", rows)
	ctx := context.Background()
	conn := dial(t, addr)
	for i := range days {
		var (
			d, ts time.Time
			gotU  uuid.UUID
			r     float32
			sm    int16
			n     int32
			j     map[string]any
		)
		err := conn.QueryRow(ctx, fmt.Sprintf("SELECT d, ts, u, r, sm, i, j FROM t WHERE id = %d", i)).Scan(&d, &ts, &gotU, &r, &sm, &n, &j)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Equal(days[i]) || !ts.Equal(stamps[i]) || gotU != u || r != 1.5 || sm != -3 || n != 70000 || j["a"] != float64(1) {
			t.Errorf("row %d: %v %v %v %v %v %v %v", i, d, ts, gotU, r, sm, n, j)
		}
	}
}
