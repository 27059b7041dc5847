package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
)

// bigRows is the size of the memory benchmark's input: 660k rows of the
// documents shape make a Parquet file of a little over 1 GiB.
func bigRows() int { return sizeFromEnv("LAKELINK_BENCH_BIG_ROWS", 660_000) }

// childResult is what an import run in a child process reports.
type childResult struct {
	Rows    int64   `json:"rows"`
	Seconds float64 `json:"seconds"`
	Error   string  `json:"error,omitempty"`
}

// TestMemoryChild is the import that BenchmarkImportMemoryLimit runs in a
// child process (inside a memory cgroup where it can make one). It does
// nothing in an ordinary test run.
func TestMemoryChild(t *testing.T) {
	spec := os.Getenv("LAKELINK_BENCH_CHILD")
	if spec == "" {
		t.Skip("run by BenchmarkImportMemoryLimit")
	}
	var args struct {
		Path  string `json:"path"`
		Store string `json:"store"`
		Limit int64  `json:"limit"`
	}
	_ = json.Unmarshal([]byte(spec), &args)
	res := childResult{}
	st, err := store.Open(args.Store)
	if err == nil {
		opts := pipeline.DefaultImportOptions()
		opts.PrimaryKey = []string{"id"}
		opts.MemoryLimit = args.Limit
		start := time.Now()
		var r pipeline.ImportResult
		r, err = pipeline.RunImport(context.Background(), st, pipeline.Import{Sources: []string{args.Path}, Table: "documents", Options: opts}, runners.Options{})
		res.Rows, res.Seconds = r.Rows, time.Since(start).Seconds()
		st.Close()
	}
	if err != nil {
		res.Error = err.Error()
	}
	out, _ := json.Marshal(res)
	fmt.Println("RESULT " + string(out))
}

// memoryCgroup makes a cgroup (v1 memory controller) below this process's
// own, limited to limit bytes, and returns its folder; "" where the machine
// does not allow it.
func memoryCgroup(b *testing.B, limit int64) string {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 || parts[1] != "memory" {
			continue
		}
		dir := filepath.Join("/sys/fs/cgroup/memory", parts[2], fmt.Sprintf("lakelink-bench-%d", os.Getpid()))
		if os.Mkdir(dir, 0o755) != nil {
			return ""
		}
		b.Cleanup(func() { os.Remove(dir) })
		if os.WriteFile(filepath.Join(dir, "memory.limit_in_bytes"), []byte(strconv.FormatInt(limit, 10)), 0) != nil {
			return ""
		}
		_ = os.WriteFile(filepath.Join(dir, "memory.memsw.limit_in_bytes"), []byte(strconv.FormatInt(limit, 10)), 0)
		return dir
	}
	return ""
}

// memoryRun is one child import and what was seen of its memory.
type memoryRun struct {
	childResult
	peakAnon, peakFile, peakTotal int64 // sampled from /proc/PID/status
	cgroupMax                     int64
	oomKilled                     bool
}

// runChild imports path in a child process, in cgroup when set, sampling
// its resident memory every 20 ms.
func runChild(b *testing.B, path string, limit int64, cgroup string) memoryRun {
	spec, _ := json.Marshal(map[string]any{"path": path, "store": b.TempDir(), "limit": limit})
	self, _ := os.Executable()
	cmd := exec.Command(self, "-test.run=^TestMemoryChild$", "-test.count=1")
	if cgroup != "" {
		// The shell joins the cgroup, then becomes the child: it is inside
		// before it allocates anything.
		cmd = exec.Command("/bin/sh", "-c", `echo $$ > "$0/cgroup.procs" && exec "$@"`, cgroup, self, "-test.run=^TestMemoryChild$", "-test.count=1")
	}
	cmd.Env = append(os.Environ(), "LAKELINK_BENCH_CHILD="+string(spec))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var run memoryRun
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var werr error
loop:
	for {
		select {
		case werr = <-done:
			break loop
		case <-tick.C:
			anon, file := procRSS(cmd.Process.Pid)
			run.peakAnon, run.peakFile, run.peakTotal = max(run.peakAnon, anon), max(run.peakFile, file), max(run.peakTotal, anon+file)
		}
	}
	if cgroup != "" {
		run.cgroupMax = readInt(filepath.Join(cgroup, "memory.max_usage_in_bytes"))
		oom, _ := os.ReadFile(filepath.Join(cgroup, "memory.oom_control"))
		run.oomKilled = strings.Contains(string(oom), "oom_kill 1")
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			_ = json.Unmarshal([]byte(rest), &run.childResult)
		}
	}
	if werr != nil && run.Error == "" {
		run.Error = fmt.Sprintf("child: %v (OOM-killed: %v)", werr, run.oomKilled)
	}
	return run
}

func procRSS(pid int) (anon, file int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "RssAnon:":
			anon = kb << 10
		case "RssFile:", "RssShmem:":
			file += kb << 10
		}
	}
	return anon, file
}

func readInt(path string) int64 {
	data, _ := os.ReadFile(path)
	n, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	return n
}

// BenchmarkImportMemoryLimit: a Parquet file of more than 1 GiB imported
// with import_memory_limit = 512MB, in a child process inside a memory
// cgroup with a hard limit of 512 MB where the machine allows one (file
// pages count there too: the import must fit or be killed). The peer is the
// same import with no limit, measured in the same run.
func BenchmarkImportMemoryLimit(b *testing.B) {
	const limit = 512 << 20
	rows := bigRows()
	path := docsFile(b, rows)
	fi, _ := os.Stat(path)
	for i := 0; i < b.N; i++ {
		// The bounded run goes first: any warm-up cost is on its side.
		cg := memoryCgroup(b, limit)
		bounded := runChild(b, path, limit, cg)
		free := runChild(b, path, 0, "")
		for _, r := range []memoryRun{free, bounded} {
			if r.Error != "" || r.Rows != int64(rows) {
				b.Fatalf("import: %d rows, %s", r.Rows, r.Error)
			}
		}
		mb := func(n int64) int64 { return n >> 20 }
		b.Logf("input: %d rows, %.2f GiB file", rows, float64(fi.Size())/(1<<30))
		b.Logf("no limit:                     %7.0f rows/s  peak RSS %5d MB (anonymous %4d MB, mapped files %4d MB)",
			float64(rows)/free.Seconds, mb(free.peakTotal), mb(free.peakAnon), mb(free.peakFile))
		where := "no cgroup on this machine: not enforced"
		if cg != "" {
			where = fmt.Sprintf("cgroup hard limit 512 MB, peak charge %d MB, OOM-killed %v", mb(bounded.cgroupMax), bounded.oomKilled)
		}
		b.Logf("import_memory_limit = 512MB:  %7.0f rows/s  peak RSS %5d MB (anonymous %4d MB, mapped files %4d MB); %s",
			float64(rows)/bounded.Seconds, mb(bounded.peakTotal), mb(bounded.peakAnon), mb(bounded.peakFile), where)
		b.Logf("peak RSS / limit: %.2f (must be < 1); anonymous / limit: %.2f; speed limited / unlimited: %.2f",
			float64(bounded.peakTotal)/limit, float64(bounded.peakAnon)/limit, free.Seconds/bounded.Seconds)
		b.ReportMetric(float64(bounded.peakTotal)/limit, "rss/limit")
		b.ReportMetric(free.Seconds/bounded.Seconds, "speed-ratio")
	}
}
