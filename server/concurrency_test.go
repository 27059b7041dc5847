package server_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/server"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// serveStore starts a server over st on 127.0.0.1, whose clients may
// use local files under the temporary folder, and returns its address;
// the server stops when the test ends. Options change the server first.
func serveStore(t *testing.T, st *store.Store, opts ...func(*server.Server)) string {
	t.Helper()
	srv := &server.Server{Store: st, Logf: t.Logf, CopyRoots: []string{os.TempDir()}}
	for _, o := range opts {
		o(srv)
	}
	return serveWith(t, srv)
}

// dial connects pgx to the server as user tester, in pgx's default mode
// (the extended protocol) unless configure changes it; the connection
// closes when the test ends.
func dial(t *testing.T, addr string, configure ...func(*pgx.ConnConfig)) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig("postgres://tester@" + addr + "/lakelink?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range configure {
		f(cfg)
	}
	c, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// simple puts a connection in pgx's simple-protocol mode.
func simple(cfg *pgx.ConnConfig) { cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol }

// connect is dial in the simple protocol.
func connect(t *testing.T, addr string) *pgx.Conn { t.Helper(); return dial(t, addr, simple) }

// answer is one reader's result and when it was asked and answered.
type answer struct {
	query      string
	got        string
	start, end time.Time
}

// documentsStore makes a store with a documents table (keyed or not) of
// the first file's rows, and writes a second file of more rows with
// other ids and vectors.
func documentsStore(t *testing.T, keyed bool, first, more int) (*store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	if err := fixtures.WriteDocuments(a, fixtures.Documents{Rows: first, Dim: 16, ContentChars: 40, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := fixtures.WriteDocuments(b, fixtures.Documents{Rows: more, Dim: 16, ContentChars: 40, FirstID: int64(first), Seed: 2, RowGroupRows: 10000}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key := ""
	if keyed {
		key = " PRIMARY KEY"
	}
	s := &engine.Session{Store: st}
	if _, err := s.Exec(context.Background(), "CREATE TABLE documents (id BIGINT"+key+", title TEXT, content TEXT, embedding VECTOR(16)); COPY FROM '"+a+"' INTO documents"); err != nil {
		t.Fatal(err)
	}
	return st, b
}

// While one connection imports 200,000 rows, others search and count
// continuously. Every answer is exactly the answer at the head before the
// import or at the head after it, never a mix; answers during the import
// are the old head's; the import's live progress shows to every
// connection in lakelink_import_status. Keyed and keyless tables.
func TestSearchDuringImport(t *testing.T) {
	for _, keyed := range []bool{true, false} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			st, more := documentsStore(t, keyed, 20000, 200000)
			addr := serveStore(t, st)
			ctx := context.Background()
			queries := []string{
				"SELECT count(*) FROM documents",
				"SELECT id FROM documents ORDER BY embedding <=> '[0.3,-0.1,0.2,0.1,0,0.5,-0.4,0.1,0.2,0.2,-0.3,0,0.1,0.4,-0.2,0.1]' LIMIT 5",
				"SELECT count(*) FROM documents WHERE id >= 19990 AND id < 20010",
			}
			before := st.Head()

			importer := connect(t, addr)
			imported := make(chan error, 1)
			var importStart, importEnd time.Time
			importStart = time.Now()
			go func() {
				_, err := importer.Exec(ctx, "COPY FROM '"+more+"' INTO documents")
				importEnd = time.Now()
				imported <- err
			}()

			var mu sync.Mutex
			var answers []answer
			var progress []string
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for r := 0; r < 3; r++ {
				c := connect(t, addr)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := r; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						q := queries[i%len(queries)]
						a := answer{query: q, start: time.Now()}
						rows, err := c.Query(ctx, q)
						if err != nil {
							t.Errorf("%s: %v", q, err)
							return
						}
						var vals []string
						for rows.Next() {
							v, _ := rows.Values()
							vals = append(vals, fmt.Sprint(v...))
						}
						if err := rows.Err(); err != nil {
							t.Errorf("%s: %v", q, err)
							return
						}
						a.got, a.end = strings.Join(vals, ","), time.Now()
						mu.Lock()
						answers = append(answers, a)
						mu.Unlock()
					}
				}()
			}
			// A fourth connection follows the import's progress.
			watcher := connect(t, addr)
			for done := false; !done; {
				select {
				case err := <-imported:
					if err != nil {
						t.Fatalf("import: %v", err)
					}
					done = true
				case <-time.After(100 * time.Millisecond):
					var state string
					var rows int64
					err := watcher.QueryRow(ctx, "SELECT status, rows_imported FROM lakelink_import_status WHERE table_name = 'documents' AND status = 'running'").Scan(&state, &rows)
					if err == nil {
						progress = append(progress, fmt.Sprintf("%s %d", state, rows))
					}
				}
			}
			time.Sleep(300 * time.Millisecond) // answers at the new head too
			close(stop)
			wg.Wait()
			after := st.Head()
			if after == before {
				t.Fatal("the import made no commit")
			}

			// The exact answers at both heads, from the engine in-process.
			want := map[string][2]string{}
			for _, q := range queries {
				var w [2]string
				for i, at := range []uint64{before, after} {
					res, err := (&engine.Session{Store: st, At: at}).Exec(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					var vals []string
					for _, row := range res[0].Rows {
						vals = append(vals, fmt.Sprint(row...))
					}
					w[i] = strings.Join(vals, ",")
				}
				if w[0] == w[1] {
					t.Fatalf("%s: the same answer at both heads (%s): the test cannot tell them apart", q, w[0])
				}
				want[q] = w
			}
			var during, old, new int
			for _, a := range answers {
				w := want[a.query]
				switch a.got {
				case w[0]:
					old++
				case w[1]:
					new++
				default:
					t.Errorf("%s: %q is neither the old head's answer %q nor the new one's %q", a.query, a.got, w[0], w[1])
				}
				if a.start.After(importStart) && a.end.Before(importEnd) {
					during++
					if a.got == w[1] && a.end.Before(importEnd.Add(-time.Second)) {
						t.Errorf("%s answered the new head a second before the import returned", a.query)
					}
				}
			}
			t.Logf("%d answers (%d during the import): %d at the old head, %d at the new; progress seen: %v", len(answers), during, old, new, progress)
			if during < 3 || old == 0 || new == 0 {
				t.Errorf("%d answers during the import, %d old, %d new: the readers did not overlap the import", during, old, new)
			}
			if len(progress) == 0 {
				t.Error("no connection saw the import running in lakelink_import_status")
			} else if last := progress[len(progress)-1]; last == "running 0" && len(progress) > 1 && progress[0] == last {
				t.Errorf("progress never moved: %v", progress)
			}
		})
	}
}

// psql's Ctrl-C stops an import through the server: psql sends a
// CancelRequest, the COPY fails with "canceling statement", nothing is
// committed, no staging stays, and every connection sees the job as
// canceled.
func TestPsqlCancelImport(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is not installed (scripts/test-peers installs postgresql-client)")
		}
		t.Skip("psql is not installed (apt-get install postgresql-client)")
	}
	for _, keyed := range []bool{true, false} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			st, more := documentsStore(t, keyed, 1000, 400000)
			addr := serveStore(t, st)
			host, port, _ := net.SplitHostPort(addr)
			before := st.Head()
			cmd := exec.Command(psql, "-X", "-h", host, "-p", port, "-U", "tester", "-d", "lakelink", "-c", "COPY FROM '"+more+"' INTO documents")
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Once the import has rows, press Ctrl-C.
			watcher := connect(t, addr)
			ctx := context.Background()
			deadline := time.Now().Add(60 * time.Second)
			for {
				var rows int64
				err := watcher.QueryRow(ctx, "SELECT rows_imported FROM lakelink_import_status WHERE status = 'running'").Scan(&rows)
				if err == nil && rows > 0 {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("the import never showed running rows; psql: %s", out.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if err == nil || !strings.Contains(out.String(), "canceling statement") {
				t.Fatalf("psql after Ctrl-C: %v: %s", err, out.String())
			}
			if st.Head() != before {
				t.Errorf("a cancelled import committed (head %d, was %d)", st.Head(), before)
			}
			var n int64
			if err := watcher.QueryRow(ctx, "SELECT count(*) FROM documents").Scan(&n); err != nil || n != 1000 {
				t.Errorf("after the cancel: %d rows, %v", n, err)
			}
			var states []string
			rows, _ := watcher.Query(ctx, "SELECT status FROM lakelink_import_status")
			for rows.Next() {
				var s string
				rows.Scan(&s)
				states = append(states, s)
			}
			slices.Sort(states)
			if fmt.Sprint(states) != "[canceled committed]" {
				t.Errorf("job states %v, want the first import committed and the cancelled one canceled", states)
			}
			left, _ := os.ReadDir(filepath.Join(st.Dir(), "staging"))
			if len(left) != 0 {
				t.Errorf("staging left after the cancel: %v", left)
			}
		})
	}
}

// The server's settings (lakelink serve --memory-limit) start every
// connection's session; SET changes them for its own connection only.
func TestServerSettings(t *testing.T) {
	st, _ := documentsStore(t, false, 5, 1)
	addr := serveStore(t, st, func(s *server.Server) {
		s.Settings = map[string]string{"lakelink.import_memory_limit": "256MB"}
	})
	ctx := context.Background()
	a, b := connect(t, addr), connect(t, addr)
	show := func(c *pgx.Conn) string {
		var v string
		if err := c.QueryRow(ctx, "SHOW lakelink.import_memory_limit").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := show(a); v != "256MB" {
		t.Errorf("a connection starts with %q", v)
	}
	if _, err := a.Exec(ctx, "SET lakelink.import_memory_limit = '1GB'"); err != nil {
		t.Fatal(err)
	}
	if va, vb := show(a), show(b); va != "1GB" || vb != "256MB" {
		t.Errorf("after SET on a: a %q, b %q", va, vb)
	}
}

// GC through the server while other connections search and count: GC
// waits for their statements, swaps the database, and every answer,
// before, during and after, is the head's; tags, REVERT and COMPACT run
// as statements too.
func TestGCThroughServer(t *testing.T) {
	for _, keyed := range []bool{true, false} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			st, more := documentsStore(t, keyed, 20000, 5000)
			addr := serveStore(t, st)
			ctx := context.Background()
			admin := connect(t, addr)
			for _, q := range []string{"COPY FROM '" + more + "' INTO documents", "CREATE TAG before_gc", "DELETE FROM documents WHERE id < 100"} {
				if _, err := admin.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			var total int64
			if err := admin.QueryRow(ctx, "SELECT count(*) FROM documents").Scan(&total); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprint(total)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var reads, bad int64
			var mu sync.Mutex
			for range 3 {
				c := connect(t, addr)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						var n int64
						err := c.QueryRow(ctx, "SELECT count(*) FROM documents WHERE id >= 0").Scan(&n)
						mu.Lock()
						reads++
						if err != nil || fmt.Sprint(n) != want {
							bad++
							t.Errorf("a read during gc: %d %v", n, err)
						}
						mu.Unlock()
						if err != nil {
							return
						}
					}
				}()
			}
			time.Sleep(100 * time.Millisecond)
			res := admin.PgConn().Exec(ctx, "GC KEEP 0 DAYS")
			_, err := res.ReadAll()
			if err != nil {
				t.Fatalf("GC through the server: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
			close(stop)
			wg.Wait()
			if reads < 10 || bad > 0 {
				t.Errorf("%d reads beside gc, %d wrong", reads, bad)
			}
			var n int64
			if err := admin.QueryRow(ctx, "SELECT count(*) FROM documents AT (TAG => 'before_gc')").Scan(&n); err != nil || n != 25000 {
				t.Errorf("the tagged commit after gc: %d %v", n, err)
			}
			for _, q := range []string{"COMPACT documents", "DROP TAG before_gc"} {
				if _, err := admin.Exec(ctx, q); err != nil {
					t.Errorf("%s: %v", q, err)
				}
			}
		})
	}
}
