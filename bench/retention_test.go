package bench

import (
	"io"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/store"
)

// dataBytes is the size of a closed store's tables and value log.
func dataBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(filepath.Join(dir, "db"), func(p string, d fs.DirEntry, err error) error {
		if fi, ierr := d.Info(); err == nil && ierr == nil && (strings.HasSuffix(p, ".vlog") || strings.HasSuffix(p, ".sst")) {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// badgerCopy copies every version of the closed store in dir into a new
// Badger directory with Badger's own tools (Stream.Backup piped into
// DB.Load): what reclaiming space by backup and restore would cost.
func badgerCopy(b *testing.B, dir string) time.Duration {
	opts := func(d string) badger.Options {
		return badger.DefaultOptions(d).WithValueThreshold(1 << 10).WithNumVersionsToKeep(math.MaxInt32).WithLogger(nil).
			WithMemTableSize(32 << 20).WithValueLogFileSize(256 << 20)
	}
	start := time.Now()
	src, err := badger.OpenManaged(opts(filepath.Join(dir, "db")))
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := badger.OpenManaged(opts(b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	defer dst.Close()
	pr, pw := io.Pipe()
	go func() {
		_, err := src.NewStreamAt(math.MaxUint64).Backup(pw, 0)
		pw.CloseWithError(err)
	}()
	if err := dst.Load(pr, 16); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkGC: a store with three versions of every row (an import and
// two upserts of 100k 384-d documents), the first tagged; gc --keep-days
// 0 keeps the tag and the head. Beside it, Badger's own copy of the same
// store (backup streamed into a new database), as the cost of a full
// rewrite with the stock tools; gc scans as much and writes two thirds.
func BenchmarkGC(b *testing.B) {
	rows := importRows() / 2
	path := docsFile(b, rows)
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		st, err := store.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		importInto(b, st, path, rows)
		s := &engine.Session{Store: st}
		if _, err := s.CreateTag("first", 0, ""); err != nil {
			b.Fatal(err)
		}
		for range 2 {
			opts := pipeline.DefaultImportOptions()
			opts.Mode = sinks.Upsert
			opts.KeyColumns = []string{"id"}
			if _, err := pipeline.RunImport(b.Context(), st, pipeline.Import{Sources: []string{path}, Table: "documents", Options: opts}, runners.Options{}); err != nil {
				b.Fatal(err)
			}
		}
		want, _ := st.Digest("documents", st.Head())
		st.Close()
		before := dataBytes(dir)
		peer := badgerCopy(b, dir)

		if st, err = store.Open(dir); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		res, err := st.GC(store.GCOptions{Before: time.Now()})
		dur := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if got, _ := st.Digest("documents", st.Head()); got != want {
			b.Fatalf("digest after gc %s, before %s", got, want)
		}
		st.Close()
		after := dataBytes(dir)
		mb := float64(before) / 1e6
		b.Logf("store: %d rows x 3 versions, %.0f MB of tables and value log", rows, mb)
		b.Logf("Badger copy (Stream.Backup -> Load, every version): %6.2f s  %6.1f MB/s", peer.Seconds(), mb/peer.Seconds())
		b.Logf("lakelink gc (keep the tag and the head):            %6.2f s  %6.1f MB/s  -> %.0f MB (%.2f of before), %d versions dropped, %d kept",
			dur.Seconds(), mb/dur.Seconds(), float64(after)/1e6, float64(after)/float64(before), res.VersionsDropped, res.VersionsKept)
		b.Logf("ratio Badger copy / gc: %.2f", peer.Seconds()/dur.Seconds())
		b.ReportMetric(peer.Seconds()/dur.Seconds(), "ratio")
		b.ReportMetric(float64(after)/float64(before), "kept")
	}
}
