package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
)

// duckPeer builds bench/duckdb (DuckDB through duckdb-go, a module of its
// own) once per run, or returns "" with the reason when it cannot.
func duckPeer(b *testing.B) (string, string) {
	bin := filepath.Join(os.TempDir(), "lakelink-bench", "duckpeer")
	// Built again when its source is newer than the binary.
	if fi, err := os.Stat(bin); err == nil {
		if src, err := os.Stat(filepath.Join("duckdb", "main.go")); err == nil && !src.ModTime().After(fi.ModTime()) {
			return bin, ""
		}
	}
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = "duckdb"
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Sprintf("building the DuckDB peer failed: %v\n%s", err, out)
	}
	return bin, ""
}

// duckLines runs the peer and decodes its JSON lines.
func duckLines(b *testing.B, bin string, args ...string) []map[string]any {
	b.Helper()
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		b.Fatalf("duckpeer %v: %v %s", args, err, msg)
	}
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			b.Fatal(err)
		}
		lines = append(lines, m)
	}
	return lines
}

// BenchmarkExport200k: COPY documents TO a local folder (snappy, on the
// direct runner), beside DuckDB's COPY ... TO of the same rows from a
// DuckDB table in the same run; then DuckDB reads the files lakelink
// wrote, plain and with AILK sections, and must find every row.
func BenchmarkExport200k(b *testing.B) {
	rows := importRows()
	src := docsFile(b, rows)
	st, err := store.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	importInto(b, st, src, rows)
	peer, why := duckPeer(b)
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		ex := pipeline.Export{Query: engine.Select{Table: "documents", Star: true, Limit: -1}, URL: dir + "/plain/"}
		start := time.Now()
		res, err := pipeline.RunExport(context.Background(), st, ex, runners.Options{}, st.Head())
		dur := time.Since(start)
		if err != nil || res.Rows != int64(rows) {
			b.Fatalf("export: %d rows (%v)", res.Rows, err)
		}
		mb := float64(res.Bytes) / 1e6
		b.Logf("lakelink COPY documents TO (direct runner, snappy): %8.0f rows/s %6.1f MB/s  %d files, %.0f MB (%s)",
			float64(rows)/dur.Seconds(), mb/dur.Seconds(), len(res.Files), mb, dur.Round(time.Millisecond))
		b.ReportMetric(float64(rows)/dur.Seconds(), "rows/s")
		b.ReportMetric(mb/dur.Seconds(), "MB/s")
		if peer == "" {
			b.Logf("DuckDB peer not measured: %s", why)
			continue
		}
		d := duckLines(b, peer, "copy", src, filepath.Join(dir, "duck.parquet"))[0]
		dsecs, dbytes := d["seconds"].(float64), d["bytes"].(float64)
		b.Logf("DuckDB COPY t TO (snappy, %v threads):              %8.0f rows/s %6.1f MB/s  1 file, %.0f MB (%.3fs)",
			d["threads"], float64(rows)/dsecs, dbytes/1e6/dsecs, dbytes/1e6, dsecs)
		b.Logf("ratio lakelink/DuckDB rows/s: %.2f", dsecs/dur.Seconds())
		b.ReportMetric(dsecs/dur.Seconds(), "ratio")

		// DuckDB reads what lakelink wrote: every row, every vector value.
		// The AILK files hold the first 20k rows: building their indexes
		// is not what this benchmark measures.
		stmts, err := engine.Parse("COPY (SELECT * FROM documents WHERE id < 20000) TO '" + dir + "/ailk/' WITH (vector_index = 'ivfpq', max_file_size = '8MB')")
		if err != nil {
			b.Fatal(err)
		}
		ares, err := pipeline.RunExport(context.Background(), st, stmts[0].(pipeline.Export), runners.Options{}, st.Head())
		if err != nil || ares.Indexed != len(ares.Files) {
			b.Fatalf("AILK export: %d of %d files indexed (%v)", ares.Indexed, len(ares.Files), err)
		}
		for _, set := range []struct {
			name  string
			rows  int
			files []string
		}{{"plain", rows, keys(dir+"/plain", res)}, {"AILK", 20000, keys(dir+"/ailk", ares)}} {
			var n, sum, values float64
			for _, l := range duckLines(b, peer, append([]string{"read"}, set.files...)...) {
				n += l["rows"].(float64)
				sum += l["sum_id"].(float64)
				values += l["values"].(float64)
			}
			want := float64(set.rows) * float64(set.rows-1) / 2
			if n != float64(set.rows) || sum != want || values != float64(set.rows)*384 {
				b.Fatalf("DuckDB reads lakelink's %s files as %v rows, sum(id) %v, %v vector values", set.name, n, sum, values)
			}
			b.Logf("DuckDB reads lakelink's %s files (%d): %v rows, sum(id) and every vector value as written", set.name, len(set.files), n)
		}
	}
}

func keys(dir string, r pipeline.ExportResult) []string {
	var out []string
	for _, f := range r.Files {
		out = append(out, filepath.Join(dir, f.Key))
	}
	return out
}
