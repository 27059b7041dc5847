package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/objstore"
)

// RunFormatTests is the conformance suite of a registered format: every
// format runs it on every kind of location (format/conformance_test.go
// loops over format.Names, so registering a format means running it).
func RunFormatTests(t *testing.T, name string, mk MakeHarness) {
	f, err := format.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("RoundTripEveryType", func(t *testing.T) { testFormatRoundTrip(t, f, mk) })
	t.Run("PartitionsAndFilters", func(t *testing.T) { testFormatPartitions(t, f, mk) })
	t.Run("MissingObjectCommitsNothing", func(t *testing.T) { testFormatMissing(t, f, mk) })
}

func ext(f format.Format) string { return f.Extensions[0] }

// Every type written in the format and read back into a table of the same
// schema gives the same digest; read into a new table, the rows and the
// inferred types are those of a second import of the same files (the
// import is deterministic), and the key columns come back.
func testFormatRoundTrip(t *testing.T, f format.Format, mk MakeHarness) {
	h := mk(t)
	s := sinkSession(t, 500)
	msg := run(t, s, fmt.Sprintf("COPY src TO '%s' WITH (format = '%s', parallel_workers = 2)", h.URL("rt/"), f.Name))[0].Message
	if !strings.Contains(msg, "COPY 500 rows") {
		t.Errorf("%s", msg)
	}
	for _, k := range objects(t, h, "rt/") {
		if !f.Claims(k) {
			t.Errorf("file %s does not end in %s", k, ext(f))
		}
	}
	run(t, s, "CREATE TABLE back "+EveryTypeDDL)
	run(t, s, fmt.Sprintf("COPY FROM '%s' INTO back WITH (format = '%s')", h.URL("rt/*"+ext(f)), f.Name))
	if a, b := digestOf(t, s, "src"), digestOf(t, s, "back"); a != b {
		t.Errorf("digest %s, back %s", a, b)
	}
	// The same files into a table the import creates, twice.
	run(t, s, fmt.Sprintf("COPY FROM '%s' INTO new1 WITH (primary_key = 'id')", h.URL("rt/*"+ext(f))))
	run(t, s, fmt.Sprintf("COPY FROM '%s' INTO new2 WITH (primary_key = 'id')", h.URL("rt/*"+ext(f))))
	if a, b := digestOf(t, s, "new1"), digestOf(t, s, "new2"); a != b {
		t.Errorf("two imports of the same files differ")
	}
	if n := count(t, s, "new1"); n != 500 {
		t.Errorf("%d rows in the created table, want 500", n)
	}
}

// Hive partitions written by an export are read back as columns, and a
// filter on them leaves the other partitions unopened.
func testFormatPartitions(t *testing.T, f format.Format, mk MakeHarness) {
	h := mk(t)
	s := sinkSession(t, 300)
	run(t, s, fmt.Sprintf("COPY (SELECT id, name, ok FROM src WHERE ok IS NOT NULL) TO '%s' WITH (format = '%s', partition_by = ['ok'])", h.URL("parts/"), f.Name))
	want := count(t, s, "src WHERE ok = true")
	before := objstore.ObjectsOpened()
	run(t, s, fmt.Sprintf("COPY FROM '%s' INTO oks WITH (format = '%s', partition_columns = ['ok'], filter = 'ok = ''true''')", h.URL("parts/**/*"+ext(f)), f.Name))
	if n := count(t, s, "oks"); n != want {
		t.Errorf("%d rows with ok = true, want %d", n, want)
	}
	files, others := 0, 0
	for _, k := range objects(t, h, "parts/") {
		switch {
		case !f.Claims(k):
		case strings.Contains(k, "ok=true/"):
			files++
		default:
			others++
		}
	}
	// Each kept file may be opened twice (planned, read), and the first
	// once more to describe it; a file of the other partition never.
	if opened := objstore.ObjectsOpened() - before; others == 0 || opened > int64(2*files+2) {
		t.Errorf("opened %d objects for %d files of the kept partition (and %d others)", opened, files, others)
	}
}

// A missing object fails the import, names it, and commits nothing.
func testFormatMissing(t *testing.T, f format.Format, mk MakeHarness) {
	h := mk(t)
	s := sinkSession(t, 1)
	head := s.Store.Head()
	_, err := s.Exec(context.Background(), fmt.Sprintf("COPY FROM '%s' INTO gone", h.URL("none/missing"+ext(f))))
	if err == nil || !strings.Contains(err.Error(), "missing"+ext(f)) {
		t.Errorf("error %v does not name the object", err)
	}
	if s.Store.Head() != head {
		t.Error("a failed import committed")
	}
}

// count is SELECT count(*) FROM what (a table, and a WHERE if wanted).
func count(t *testing.T, s interface {
	Exec(context.Context, string) ([]engine.Result, error)
}, what string) int64 {
	t.Helper()
	res, err := s.Exec(context.Background(), "SELECT count(*) FROM "+what)
	if err != nil {
		t.Fatal(err)
	}
	return res[0].Rows[0][0].(int64)
}

// LocalHarness stores objects as files in Dir; with UseURL it names them
// file://... rather than by plain path.
type LocalHarness struct {
	Dir    string
	UseURL bool
}

// Put writes an object as a file.
func (h LocalHarness) Put(_ context.Context, key string, data []byte) error {
	p := filepath.Join(h.Dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

// URL names key by path or file:// URL.
func (h LocalHarness) URL(key string) string {
	if h.UseURL {
		return "file://" + h.Dir + "/" + key
	}
	return h.Dir + "/" + key
}
