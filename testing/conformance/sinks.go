package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
)

// RunSinkTests runs the export conformance suite against a kind of
// destination: the same Harness names where exports go (URL of a folder
// key ending in /) and what reads them back (URL of a glob).
func RunSinkTests(t *testing.T, mk MakeHarness) {
	t.Run("RoundTripEveryType", func(t *testing.T) { testSinkRoundTrip(t, mk) })
	t.Run("DatedVersionsAndPrune", func(t *testing.T) { testSinkDated(t, mk) })
	t.Run("FailedExportLeavesNothing", func(t *testing.T) { testSinkFailure(t, mk) })
	t.Run("SearchFilesInPlace", func(t *testing.T) { testSinkSearch(t, mk) })
}

func sinkSession(t *testing.T, rows int) *engine.Session {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := &engine.Session{Store: st, Runner: runners.Options{Runner: "direct"}}
	run(t, s, "CREATE TABLE src "+EveryTypeDDL)
	if err := FillEveryType(st, "src", rows); err != nil {
		t.Fatal(err)
	}
	return s
}

func run(t *testing.T, s *engine.Session, sql string) []engine.Result {
	t.Helper()
	res, err := s.Exec(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return res
}

func digestOf(t *testing.T, s *engine.Session, table string) string {
	t.Helper()
	d, err := s.Store.Digest(table, s.Store.Head())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// objects lists the keys under a folder of the location.
func objects(t *testing.T, h Harness, folder string) []string {
	t.Helper()
	// A raw listing of the bucket: objstore's listings skip a dataset's
	// manifest.json, which these checks must see.
	pats, err := objstore.Patterns(objstore.Options{}, h.URL(folder))
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return nil
		}
		t.Fatal(err)
	}
	b, done, err := objstore.OpenBucket(context.Background(), pats[0].Bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	var out []string
	it := b.List(&blob.ListOptions{Prefix: pats[0].Key})
	for {
		o, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !o.IsDir {
			out = append(out, o.Key)
		}
	}
	return out
}

// Export, then import the files back into a table of the same schema: the
// digests agree, with AILK sections in the files and without.
func testSinkRoundTrip(t *testing.T, mk MakeHarness) {
	h := mk(t)
	s := sinkSession(t, 600)
	msg := run(t, s, "COPY src TO '"+h.URL("plain/")+"' WITH (parallel_workers = 3)")[0].Message
	if !strings.Contains(msg, "COPY 600 rows") || !strings.Contains(msg, "3 file(s)") {
		t.Errorf("%s", msg)
	}
	run(t, s, "COPY src TO '"+h.URL("indexed/")+"' WITH (vector_index = 'hnsw', compression = 'zstd')")
	for i, folder := range []string{"plain/", "indexed/"} {
		back := fmt.Sprintf("back%d", i)
		run(t, s, "CREATE TABLE "+back+" "+EveryTypeDDL)
		run(t, s, "COPY FROM '"+h.URL(folder+"*.parquet")+"' INTO "+back)
		if a, b := digestOf(t, s, "src"), digestOf(t, s, back); a != b {
			t.Errorf("%s: digest %s, back %s", folder, a, b)
		}
	}
	if _, err := s.Exec(context.Background(), "COPY src TO '"+h.URL("plain/")+"'"); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("an export over files: %v", err)
	}
}

// Two dated exports are two versions in the manifest, with the files,
// rows and commit of each; prune keeps the newest.
func testSinkDated(t *testing.T, mk MakeHarness) {
	h := mk(t)
	s := sinkSession(t, 300)
	ctx := context.Background()
	run(t, s, "COPY src TO '"+h.URL("dataset")+"' WITH (dated = true)")
	run(t, s, "COPY (SELECT id, name FROM src WHERE id < 100) TO '"+h.URL("dataset/")+"' WITH (dated = true)")
	vs, err := datasets.Versions(ctx, h.URL("dataset"), objstore.Options{})
	if err != nil || len(vs) != 2 || vs[0].Rows != 300 || vs[1].Rows != 100 || vs[0].Commit != s.Store.Head() {
		t.Fatalf("versions %+v, %v", vs, err)
	}
	for _, v := range vs {
		for _, f := range v.Files {
			if f.SHA256 == "" || f.Bytes == 0 {
				t.Errorf("file %+v", f)
			}
		}
	}
	if gone, err := datasets.Prune(ctx, h.URL("dataset"), 1, objstore.Options{}); err != nil || len(gone) != 1 {
		t.Fatalf("prune: %v %v", gone, err)
	}
	keys := objects(t, h, "dataset/")
	for _, k := range keys {
		if strings.Contains(k, vs[0].Version) {
			t.Errorf("pruned version's %s remains", k)
		}
	}
	if len(keys) != len(vs[1].Files)+1 { // and manifest.json
		t.Errorf("after prune: %v", keys)
	}
}

// An export that fails in its workers leaves no object behind, dated or
// not.
func testSinkFailure(t *testing.T, mk MakeHarness) {
	h := mk(t)
	s := sinkSession(t, 300)
	for _, with := range []string{"", ", dated = true"} {
		// ivf_m = 3 does not divide the dimension 8: with deferred_index
		// the plain files are written, then adding their sections fails.
		_, err := s.Exec(context.Background(), "COPY src TO '"+h.URL("out/")+"' WITH (vector_index = 'ivfpq', ivf_m = 3, deferred_index = true, parallel_workers = 2"+with+")")
		if err == nil {
			t.Fatal("the export succeeded")
		}
	}
	if keys := objects(t, h, ""); len(keys) != 0 {
		t.Errorf("failed exports left %v", keys)
	}
}

// A search over the exported files finds each row's own vector first.
func testSinkSearch(t *testing.T, mk MakeHarness) {
	h := mk(t)
	s := sinkSession(t, 400)
	run(t, s, "COPY src TO '"+h.URL("lake/")+"' WITH (vector_index = 'hnsw', parallel_workers = 4)")
	for _, id := range []int{12, 399} {
		s.Params = map[int]any{1: EveryTypeRow(id)[11]}
		r := run(t, s, "SELECT id FROM parquet_scan('"+h.URL("lake/*.parquet")+"') ORDER BY cosine_similarity(embedding, $1) DESC LIMIT 1")[0]
		if len(r.Rows) != 1 || r.Rows[0][0] != int64(id) || !strings.Contains(r.Plan, "4 file(s)") {
			t.Errorf("search for row %d: %v (%s)", id, r.Rows, r.Plan)
		}
	}
}
