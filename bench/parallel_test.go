package bench

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
)

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkParallelRead: the pipeline phase (read, map, stage) of one
// large file, with parallel_workers 1 and 2, on the direct runner and on
// Prism. Busy cores = CPU time / wall time over the phase; the ratio
// compares 2 workers with 1 in the same run.
func BenchmarkParallelRead(b *testing.B) {
	rows := importRows()
	path := docsFile(b, rows)
	for i := 0; i < b.N; i++ {
		for _, runner := range []string{"direct", "prism"} {
			var rate [3]float64
			for _, workers := range []int{1, 2} {
				st, err := store.Open(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				opts := pipeline.DefaultImportOptions()
				opts.Workers = workers
				ctx := context.Background()
				p, err := pipeline.Prepare(ctx, st, pipeline.Import{Sources: []string{path}, Table: "documents", Options: opts})
				if err != nil {
					b.Fatal(err)
				}
				bp, s := beam.NewPipelineWithRoot()
				p.Build(s)
				cpu0, t0 := cpuTime(), time.Now()
				if err := runners.Execute(ctx, bp, runners.Options{Runner: runner}); err != nil {
					b.Fatal(err)
				}
				wall, cpu := time.Since(t0), cpuTime()-cpu0
				res, err := p.Commit(ctx, st, runner, time.Now())
				st.Close()
				if err != nil || res.Rows != int64(rows) {
					b.Fatalf("%d rows (%v)", res.Rows, err)
				}
				rate[workers] = float64(rows) / wall.Seconds()
				b.Logf("%-6s parallel_workers=%d: pipeline %8.0f rows/s  busy cores %.2f  (%s)", runner, workers, rate[workers], cpu.Seconds()/wall.Seconds(), wall.Round(time.Millisecond))
			}
			b.Logf("%-6s 2 workers / 1 worker: %.2f", runner, rate[2]/rate[1])
			b.ReportMetric(rate[2]/rate[1], runner+"-speedup")
		}
	}
}
