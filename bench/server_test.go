package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/server"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// groupRow is a row of BenchmarkGroupBy's table.
type groupRow struct {
	ID  int64   `parquet:"id"`
	Cat string  `parquet:"cat"`
	N   int64   `parquet:"n"`
	X   float64 `parquet:"x"`
}

func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkGroupBy: SELECT cat, count(*), sum(n), avg(x), min(x), max(x)
// FROM t GROUP BY cat over 1M rows (LAKELINK_BENCH_GROUP_ROWS) and 100
// categories, in a store table through lakelink's SQL (engine/aggregate.go),
// and in DuckDB over the same rows loaded into a table, with one thread
// and with its default (one per core). Medians of 3 runs each; the
// answers are compared.
func BenchmarkGroupBy(b *testing.B) {
	n := sizeFromEnv("LAKELINK_BENCH_GROUP_ROWS", 1_000_000)
	r := rand.New(rand.NewPCG(3, 4))
	rows := make([]groupRow, n)
	for i := range rows {
		rows[i] = groupRow{ID: int64(i), Cat: fmt.Sprintf("cat%02d", r.IntN(100)), N: int64(r.IntN(1000)), X: r.Float64()}
	}
	path := filepath.Join(b.TempDir(), "groups.parquet")
	if err := parquet.WriteFile(path, rows); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(filepath.Join(b.TempDir(), "store"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s := &engine.Session{Store: st}
	ctx := context.Background()
	if _, err := s.Exec(ctx, "CREATE TABLE t (id BIGINT PRIMARY KEY, cat TEXT, n BIGINT, x DOUBLE); COPY FROM '"+path+"' INTO t"); err != nil {
		b.Fatal(err)
	}
	const q = "SELECT cat, count(*), sum(n), avg(x), min(x), max(x) FROM t GROUP BY cat"
	var secs []float64
	var groups int
	for range 3 {
		start := time.Now()
		res, err := s.Exec(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		secs = append(secs, time.Since(start).Seconds())
		groups = len(res[0].Rows)
	}
	ours := medianOf(secs)
	b.ReportMetric(ours*1000, "lakelink-ms")
	b.ReportMetric(float64(n)/ours/1e6, "lakelink-Mrows/s")
	bin, why := duckPeer(b)
	if bin == "" {
		b.Logf("no DuckDB peer: %s", why)
		return
	}
	for _, threads := range []string{"1", "0"} {
		line := duckLines(b, bin, "time", path, threads, "3", q)[0]
		var ds []float64
		for _, v := range line["seconds"].([]any) {
			ds = append(ds, v.(float64))
		}
		duck := medianOf(ds)
		if int(line["rows"].(float64)) != groups {
			b.Errorf("DuckDB found %v groups, lakelink %d", line["rows"], groups)
		}
		name := fmt.Sprintf("duckdb-%vthreads", line["threads"])
		b.ReportMetric(duck*1000, name+"-ms")
		b.ReportMetric(duck/ours, "speed-vs-"+name)
		b.Logf("GROUP BY over %d rows: lakelink %.0f ms (%v), DuckDB with %v thread(s) %.0f ms (%v): lakelink at %.2fx DuckDB's speed",
			n, ours*1000, secs, line["threads"], duck*1000, ds, duck/ours)
	}
}

// searchLoad runs clients searching (top 10 by cosine distance, a query
// vector as $1) until stop closes, and returns each answer's latency.
func searchLoad(clients int, stop <-chan struct{}, search func(client int, q []float32) error, queries [][]float32) ([]time.Duration, error) {
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				err := search(c, queries[i%len(queries)])
				d := time.Since(start)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, d)
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return lat, firstErr
}

func percentile(lat []time.Duration, p float64) time.Duration {
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[min(int(float64(len(s))*p), len(s)-1)]
}

// BenchmarkServerSearchDuringImport: 16 clients search a 20k-document
// table (128-d, HNSW) with top-10 queries while another connection
// imports 40k more rows (LAKELINK_BENCH_SERVE_ROWS, the two together),
// through lakelink
// serve with pgx (extended protocol, the vector as $1); and the same
// searches from 16 goroutines through the Go API (engine.Session) in one
// process during the same import, on an identical store. It reports
// queries/s and p50/p99 latency of both, and the server's queries/s as a
// fraction of the Go API's: the protocol's cost.
func BenchmarkServerSearchDuringImport(b *testing.B) {
	all := sizeFromEnv("LAKELINK_BENCH_SERVE_ROWS", 60_000)
	base, more := all/3, all-all/3
	const dim, clients = 128, 16
	dir := b.TempDir()
	first, second := filepath.Join(dir, "first.parquet"), filepath.Join(dir, "second.parquet")
	if err := fixtures.WriteDocuments(first, fixtures.Documents{Rows: base, Dim: dim, ContentChars: 100, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	if err := fixtures.WriteDocuments(second, fixtures.Documents{Rows: more, Dim: dim, ContentChars: 100, Seed: 2, FirstID: int64(base)}); err != nil {
		b.Fatal(err)
	}
	queries := fixtures.Clustered(200, dim, 9, 10)
	vecText := func(v []float32) string {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = strconv.FormatFloat(float64(x), 'g', -1, 32)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	const search = "SELECT id FROM documents ORDER BY embedding <=> $1 LIMIT 10"
	ctx := context.Background()
	newStore := func(name string) *store.Store {
		st, err := store.Open(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		s := &engine.Session{Store: st}
		if _, err := s.Exec(ctx, "CREATE TABLE documents (id BIGINT PRIMARY KEY, title TEXT, content TEXT, embedding VECTOR(128)); CREATE INDEX ON documents USING hnsw (embedding); COPY FROM '"+first+"' INTO documents"); err != nil {
			b.Fatal(err)
		}
		return st
	}
	type outcome struct {
		qps      float64
		p50, p99 time.Duration
		answers  int
		importS  float64
	}
	measure := func(importFn func() error, searchFn func(int, []float32) error) outcome {
		stop := make(chan struct{})
		imported := make(chan error, 1)
		start := time.Now()
		go func() { imported <- importFn(); close(stop) }()
		lat, err := searchLoad(clients, stop, searchFn, queries)
		if err != nil {
			b.Fatal(err)
		}
		if err := <-imported; err != nil {
			b.Fatal(err)
		}
		el := time.Since(start).Seconds()
		return outcome{qps: float64(len(lat)) / el, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), answers: len(lat), importS: el}
	}

	// The Go API in one process.
	stA := newStore("a")
	defer stA.Close()
	sessions := make([]*engine.Session, clients)
	for i := range sessions {
		sessions[i] = &engine.Session{Store: stA}
	}
	goAPI := measure(func() error {
		_, err := (&engine.Session{Store: stA}).Exec(ctx, "COPY FROM '"+second+"' INTO documents")
		return err
	}, func(c int, q []float32) error {
		s := sessions[c]
		s.Params = map[int]any{1: q}
		res, err := s.Exec(ctx, search)
		if err == nil && len(res[0].Rows) != 10 {
			err = fmt.Errorf("%d rows", len(res[0].Rows))
		}
		return err
	})

	// The server, with pgx.
	stB := newStore("b")
	defer stB.Close()
	srv := &server.Server{Store: stB, CopyRoots: []string{dir}}
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx) }()
	defer func() { cancel(); <-served }()
	conns := make([]*pgx.Conn, clients+1)
	for i := range conns {
		if conns[i], err = pgx.Connect(ctx, "postgres://bench@"+addr.String()+"/lakelink?sslmode=disable"); err != nil {
			b.Fatal(err)
		}
		defer conns[i].Close(ctx)
	}
	viaServer := measure(func() error {
		_, err := conns[clients].Exec(ctx, "COPY FROM '"+second+"' INTO documents")
		return err
	}, func(c int, q []float32) error {
		rows, err := conns[c].Query(ctx, search, vecText(q))
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n != 10 {
			return fmt.Errorf("%d rows", n)
		}
		return nil
	})
	b.ReportMetric(viaServer.qps, "server-qps")
	b.ReportMetric(float64(viaServer.p50.Microseconds())/1000, "server-p50-ms")
	b.ReportMetric(float64(viaServer.p99.Microseconds())/1000, "server-p99-ms")
	b.ReportMetric(goAPI.qps, "goapi-qps")
	b.ReportMetric(float64(goAPI.p50.Microseconds())/1000, "goapi-p50-ms")
	b.ReportMetric(float64(goAPI.p99.Microseconds())/1000, "goapi-p99-ms")
	b.ReportMetric(viaServer.qps/goAPI.qps, "server/goapi-qps")
	b.Logf("%d clients searching during an import of %d rows into %d: server %.0f q/s (p50 %v, p99 %v, import %.1fs), Go API %.0f q/s (p50 %v, p99 %v, import %.1fs): the server at %.2fx the Go API",
		clients, more, base, viaServer.qps, viaServer.p50, viaServer.p99, viaServer.importS, goAPI.qps, goAPI.p50, goAPI.p99, goAPI.importS, viaServer.qps/goAPI.qps)
}

// TestServerChild is the server BenchmarkServerMemory runs in a child
// process; it does nothing in an ordinary test run.
func TestServerChild(t *testing.T) {
	spec := os.Getenv("LAKELINK_BENCH_SERVER_CHILD")
	if spec == "" {
		t.Skip("run by BenchmarkServerMemory")
	}
	var args struct{ Store, Root, Limit string }
	_ = json.Unmarshal([]byte(spec), &args)
	st, err := store.Open(args.Store)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := &server.Server{Store: st, CopyRoots: []string{args.Root}, Settings: map[string]string{"lakelink.import_memory_limit": args.Limit}}
	addr, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(addr.String())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	go func() { // the parent closes stdin when it is done
		var b [1]byte
		os.Stdin.Read(b[:])
		cancel()
	}()
	srv.Serve(ctx)
}

// vmHWM is a process's peak resident set (VmHWM), in bytes.
func vmHWM(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkServerMemory: a server in a child process with
// import_memory_limit = 256MB (what lakelink serve --memory-limit sets)
// imports the memory benchmark's documents file (about 1 GiB of Parquet,
// LAKELINK_BENCH_BIG_ROWS) from one connection while 4 others search. It
// reports the server's peak RSS (VmHWM) and its ratio to the limit.
func BenchmarkServerMemory(b *testing.B) {
	const limit = 256 << 20
	path := docsFile(b, bigRows())
	dir := b.TempDir()
	st := filepath.Join(dir, "store")
	s, err := store.Open(st)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := (&engine.Session{Store: s}).Exec(context.Background(), "CREATE TABLE documents (id BIGINT PRIMARY KEY, title TEXT, content TEXT, embedding VECTOR(384))"); err != nil {
		b.Fatal(err)
	}
	s.Close()
	spec, _ := json.Marshal(map[string]string{"Store": st, "Root": filepath.Dir(path), "Limit": "256MB"})
	self, _ := os.Executable()
	cmd := exec.Command(self, "-test.run=^TestServerChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LAKELINK_BENCH_SERVER_CHILD="+string(spec))
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	var addr string
	if _, err := fmt.Fscanln(out, &addr); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	connect := func() *pgx.Conn {
		c, err := pgx.Connect(ctx, "postgres://bench@"+addr+"/lakelink?sslmode=disable")
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	importer := connect()
	defer importer.Close(ctx)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var searches int64
	var mu sync.Mutex
	q := "[" + strings.TrimSuffix(strings.Repeat("0.05,", 384), ",") + "]"
	for range 4 {
		c := connect()
		defer c.Close(ctx)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rows, err := c.Query(ctx, "SELECT id FROM documents ORDER BY embedding <=> $1 LIMIT 10", q)
				if err == nil {
					for rows.Next() {
					}
					rows.Close()
				}
				mu.Lock()
				searches++
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	// The resident set, sampled: anonymous memory (the heap) and mapped
	// files (Badger's tables and value log, which the page cache can
	// give back) apart.
	var peakAnon, peakFile int64
	sampled, stopSampling := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-tick.C:
				anon, file := procRSS(cmd.Process.Pid)
				peakAnon, peakFile = max(peakAnon, anon), max(peakFile, file)
			}
		}
	}()
	start := time.Now()
	_, err = importer.Exec(ctx, "COPY FROM '"+path+"' INTO documents")
	secs := time.Since(start).Seconds()
	close(stop)
	wg.Wait() // the searches in flight, over the whole table now
	close(stopSampling)
	<-sampled
	if err != nil {
		b.Fatal(err)
	}
	peak := vmHWM(cmd.Process.Pid)
	b.ReportMetric(float64(peak)/(1<<20), "server-peak-MB")
	b.ReportMetric(float64(peakAnon)/(1<<20), "server-peak-anon-MB")
	b.ReportMetric(float64(peakFile)/(1<<20), "server-peak-file-MB")
	b.ReportMetric(float64(peakAnon)/limit, "anon/limit")
	b.Logf("server with import_memory_limit 256MB: imported %d rows in %.1fs beside %d searches; peak RSS %d MB (VmHWM), sampled peaks: anonymous %d MB (%.2fx the limit), mapped files %d MB",
		bigRows(), secs, searches, peak>>20, peakAnon>>20, float64(peakAnon)/limit, peakFile>>20)
}
