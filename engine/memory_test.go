package engine_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/sources"
	"github.com/lakelink/lakelink/testing/fixtures"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"512MB": 512 << 20, "512 MiB": 512 << 20, "1GB": 1 << 30, "1.5gb": 3 << 29, "64kB": 64 << 10, "4096": 4096, "2T": 2 << 40} {
		if got, err := pipeline.ParseSize(in); err != nil || got != want {
			t.Errorf("%q = %d (%v), want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MB", "-1MB", "12 parsecs", "1e99GB"} {
		if _, err := pipeline.ParseSize(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

// SET values are checked when set, the limit and threshold against each
// other too: a refused SET leaves the session's settings as they were.
func TestMemorySettings(t *testing.T) {
	path := writeDocs(t, fixtures.Documents{Rows: 100, Dim: 4})
	s := session(t, "direct")
	for sql, want := range map[string]string{
		"SET lakelink.import_memory_limit = 'lots'":    "bad size",
		"SET lakelink.import_parallel_workers = '0'":   "between 1 and 1024",
		"SET lakelink.import_spill_threshold = '-5MB'": "bad size",
		"SET lakelink.import_memory_limit = '64MB'":    "below the minimum of 128 MB",
	} {
		if _, err := s.Exec(context.Background(), sql); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", sql, err, want)
		}
	}
	if len(s.Settings) != 0 {
		t.Errorf("refused SETs left settings %v", s.Settings)
	}
	exec(t, s, "SET lakelink.import_memory_limit = '256MB'")
	if _, err := s.Exec(context.Background(), "SET lakelink.import_spill_threshold = '200MB'"); err == nil || !strings.Contains(err.Error(), "at most half of import_memory_limit") {
		t.Errorf("threshold over half the limit: %v", err)
	}
	if _, err := s.Exec(context.Background(), "SET lakelink.import_memory_limit = '300MB'; SET lakelink.import_spill_threshold = '100MB'; SET lakelink.import_memory_limit = '150MB'"); err == nil || !strings.Contains(err.Error(), "at most half") {
		t.Errorf("a limit below twice the threshold: %v", err)
	}
	if s.Settings["lakelink.import_memory_limit"] != "300MB" || s.Settings["lakelink.import_spill_threshold"] != "100MB" {
		t.Errorf("settings %v, want the last accepted ones", s.Settings)
	}
	exec(t, s, "COPY FROM '"+path+"' INTO docs")
	if n := count(t, s, "docs"); n != 100 {
		t.Errorf("%d rows", n)
	}
}

// Under a spill threshold, the first segments stay in memory and the rest
// go to disk; the rows are the same as an import staged all on disk. With
// workers in other processes the threshold does not apply.
func TestSpillThreshold(t *testing.T) {
	path := writeDocs(t, fixtures.Documents{Rows: 4000, Dim: 16, RowGroupRows: 1000})
	digest := func(runner runners.Options, threshold int64) (string, pipeline.ImportResult) {
		st := openStore(t)
		opts := pipeline.DefaultImportOptions()
		opts.PrimaryKey = []string{"id"}
		opts.BatchSize = 500
		opts.SpillThreshold = threshold
		res, err := pipeline.RunImport(context.Background(), st, pipeline.Import{Sources: []string{path}, Table: "docs", Options: opts}, runner)
		if err != nil {
			t.Fatal(err)
		}
		return content(t, st, "docs", st.Head()), res
	}
	onDisk, res := digest(runners.Options{}, 0)
	if res.StagedInMemory != 0 {
		t.Errorf("no threshold, %d bytes staged in memory", res.StagedInMemory)
	}
	// 8 segments of ~300 KB: a 1 MB threshold keeps three in memory.
	mixed, res := digest(runners.Options{}, 1<<20)
	if res.StagedInMemory == 0 || res.StagedInMemory > 1<<20 {
		t.Errorf("%d bytes staged in memory, want some, at most 1 MB", res.StagedInMemory)
	}
	if mixed != onDisk {
		t.Errorf("digest with a spill threshold differs from one staged on disk")
	}
	all, res := digest(runners.Options{Runner: "prism"}, 64<<20)
	if all != onDisk || res.StagedInMemory == 0 {
		t.Errorf("prism loopback: digest equal %v, %d bytes in memory", all == onDisk, res.StagedInMemory)
	}
	proc, res := digest(runners.Options{Runner: "prism", Environment: "process"}, 64<<20)
	if proc != onDisk || res.StagedInMemory != 0 {
		t.Errorf("prism process: digest equal %v, %d bytes in memory (want 0)", proc == onDisk, res.StagedInMemory)
	}
}

// The memory limit sizes the readers: at 128 MB, rows of ~2 KB in batches
// of 4096 leave room for one reader; at 1 GB, for one per core.
func TestMemoryLimitSizesReaders(t *testing.T) {
	path := writeDocs(t, fixtures.Documents{Rows: 200, Dim: 384, ContentChars: 500})
	plan := func(limit int64) (workers, batch int) {
		opts := pipeline.DefaultImportOptions()
		opts.MemoryLimit = limit
		p, err := pipeline.Prepare(context.Background(), openStore(t), pipeline.Import{Sources: []string{path}, Table: "docs", Options: opts})
		if err != nil {
			t.Fatal(err)
		}
		return p.Read.Workers, p.Read.BatchRows
	}
	if w, b := plan(128 << 20); w != 1 || b != 4096 {
		t.Errorf("128 MB: %d readers, batches of %d; want 1, 4096", w, b)
	}
	if w, _ := plan(1 << 30); w != min(runtime.GOMAXPROCS(0), 10) {
		t.Errorf("1 GB: %d readers, want one per core", w)
	}
	if w, _ := plan(0); w != 0 {
		t.Errorf("no limit: %d readers planned, want 0 (one per core, decided by the worker)", w)
	}
}

// parallel_workers bounds the row groups read at once in a process, on
// the direct runner and on Prism (whose loopback workers share it).
func TestParallelWorkersHonoured(t *testing.T) {
	path := writeDocs(t, fixtures.Documents{Rows: 4000, Dim: 64, RowGroupRows: 250})
	for _, runner := range []string{"direct", "prism"} {
		for _, workers := range []int{1, 2} {
			s := session(t, runner)
			sources.PeakReaders()
			exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO docs WITH (parallel_workers = %d)", path, workers))
			if peak := sources.PeakReaders(); peak < 1 || peak > int64(workers) {
				t.Errorf("%s, parallel_workers = %d: %d row groups read at once", runner, workers, peak)
			}
			if n := count(t, s, "docs"); n != 4000 {
				t.Errorf("%s: %d rows", runner, n)
			}
		}
	}
}
