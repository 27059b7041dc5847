package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// sizeFromEnv is a benchmark's size: the environment variable's value
// when it is a positive number (for a quick look), else def.
func sizeFromEnv(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// importRows is the size of the import benchmark.
func importRows() int { return sizeFromEnv("LAKELINK_BENCH_ROWS", 200_000) }

// docsFile generates (once per configuration, cached in the temp folder) the
// benchmark input: id, ~40-char title, ~500-char content, 384-d float32
// embedding, snappy, row groups of 64k.
func docsFile(b *testing.B, rows int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "lakelink-bench")
	os.MkdirAll(dir, 0o755)
	path := filepath.Join(dir, fmt.Sprintf("docs-%d-v1.parquet", rows))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".tmp"
	if err := fixtures.WriteDocuments(tmp, fixtures.Documents{Rows: rows, Dim: 384, RowGroupRows: 64 << 10, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// peakRSS returns the process's peak resident set size in bytes, and resets
// the peak so the next phase is measured on its own.
func peakRSS() int64 {
	data, _ := os.ReadFile("/proc/self/status")
	var kb int64
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ = strconv.ParseInt(strings.Fields(line)[1], 10, 64)
		}
	}
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	return kb << 10
}

// rawLimit measures what the stack underneath can do with no Beam and no
// lakelink: a parquet-go page scan of every column, then a Badger
// WriteBatchAt of rows of the same byte size, in a fresh managed-mode store.
func rawLimit(b *testing.B, path string) (time.Duration, int64) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	start := time.Now()
	pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		b.Fatal(err)
	}
	// Row sizes, as the scan sees them: 8 bytes of id, the text lengths and
	// 4 bytes per embedding value.
	var rowBytes []int
	var total int64
	for _, rg := range pf.RowGroups() {
		base := len(rowBytes)
		for i := int64(0); i < rg.NumRows(); i++ {
			rowBytes = append(rowBytes, 8)
		}
		for ci, cc := range rg.ColumnChunks() {
			pages := cc.Pages()
			row := base
			for {
				p, err := pages.ReadPage()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				data := p.Data()
				switch ci {
				case 1, 2:
					_, offs := data.ByteArray()
					for k := 0; k+1 < len(offs); k++ {
						rowBytes[row] += int(offs[k+1] - offs[k])
						row++
					}
				case 3:
					_ = data.Float() // touch the decoded values
					for k, r := range p.RepetitionLevels() {
						if r == 0 && k > 0 {
							row++
						}
						rowBytes[row] += 4
					}
					row++
				}
				parquet.Release(p)
			}
			pages.Close()
		}
	}
	for _, n := range rowBytes {
		total += int64(n)
	}
	dir := b.TempDir()
	db, err := badger.OpenManaged(badger.DefaultOptions(dir).WithValueThreshold(1 << 10).WithLogger(nil).WithDetectConflicts(false))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	wb := db.NewWriteBatchAt(1)
	buf := make([]byte, 0, 64<<20)
	for i, n := range rowBytes {
		if cap(buf)-len(buf) < n+8 {
			buf = make([]byte, 0, 64<<20)
		}
		k := binary.BigEndian.AppendUint64(buf[len(buf):], uint64(i))
		buf = buf[:len(buf)+8]
		v := buf[len(buf) : len(buf)+n]
		buf = buf[:len(buf)+n]
		if err := wb.Set(k, v); err != nil {
			b.Fatal(err)
		}
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start), total
}

// importDocs imports a documents file (keyed by id) into a fresh store on
// the direct runner, checks the row count and returns the time it took.
func importDocs(b *testing.B, src string, rows int) (pipeline.ImportResult, time.Duration) {
	st, err := store.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	return importInto(b, st, src, rows)
}

// importInto imports a documents file into st as table documents.
func importInto(b *testing.B, st *store.Store, src string, rows int) (pipeline.ImportResult, time.Duration) {
	opts := pipeline.DefaultImportOptions()
	opts.PrimaryKey = []string{"id"}
	start := time.Now()
	res, err := pipeline.RunImport(context.Background(), st, pipeline.Import{Sources: []string{src}, Table: "documents", Options: opts}, runners.Options{})
	dur := time.Since(start)
	if err != nil || res.Rows != int64(rows) {
		b.Fatalf("import of %s: %d rows, want %d (%v)", src, res.Rows, rows, err)
	}
	return res, dur
}

// BenchmarkImport200k: import from local disk into a fresh store on the
// direct runner, beside the raw limit of the same stack. The aim is a
// ratio of at least 0.8.
func BenchmarkImport200k(b *testing.B) {
	rows := importRows()
	path := docsFile(b, rows)
	fi, _ := os.Stat(path)
	for i := 0; i < b.N; i++ {
		peakRSS()
		rawDur, rawBytes := rawLimit(b, path)
		rawRSS := peakRSS()

		res, dur := importDocs(b, path, rows)
		rss := peakRSS()
		mb := float64(rawBytes) / 1e6
		b.Logf("input: %d rows, %.0f MB of values, %.0f MB file", rows, mb, float64(fi.Size())/1e6)
		b.Logf("raw limit (parquet-go page scan + Badger WriteBatchAt): %8.0f rows/s %6.1f MB/s  peak RSS %4d MB  (%s)", float64(rows)/rawDur.Seconds(), mb/rawDur.Seconds(), rawRSS>>20, rawDur.Round(time.Millisecond))
		b.Logf("lakelink import (direct runner, stage + commit):       %8.0f rows/s %6.1f MB/s  peak RSS %4d MB  (%s)", float64(rows)/dur.Seconds(), mb/dur.Seconds(), rss>>20, dur.Round(time.Millisecond))
		b.Logf("  of which: plan %s, pipeline (read, map, stage) %s, commit %s", res.PlanTime.Round(time.Millisecond), res.PipelineTime.Round(time.Millisecond), res.CommitTime.Round(time.Millisecond))
		b.Logf("ratio import/raw: %.2f (aim: >= 0.80)", rawDur.Seconds()/dur.Seconds())
		b.ReportMetric(float64(rows)/dur.Seconds(), "rows/s")
		b.ReportMetric(rawDur.Seconds()/dur.Seconds(), "ratio")
		b.ReportMetric(math.Round(float64(rss)/(1<<20)), "peakMB")
	}
}
