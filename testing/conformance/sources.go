package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// Harness is a fresh location of one source kind.
type Harness interface {
	// Put stores an object under key (keys use / as separator).
	Put(ctx context.Context, key string, data []byte) error
	// URL returns the import pattern that names key (which may be a glob)
	// in this location.
	URL(key string) string
}

// MakeHarness returns a fresh, empty location; it registers its own
// cleanup with t.
type MakeHarness func(t *testing.T) Harness

// RunSourceTests runs the source conformance suite against a kind.
func RunSourceTests(t *testing.T, mk MakeHarness) {
	t.Run("SameRowsAsLocal", func(t *testing.T) { testSameRowsAsLocal(t, mk) })
	t.Run("GlobOrderIsDeterministic", func(t *testing.T) { testGlobOrder(t, mk) })
	t.Run("ErrorsNameTheObject", func(t *testing.T) { testErrors(t, mk) })
	t.Run("ListingIsPagedOrderedAndStreams", func(t *testing.T) { testListing(t, mk) })
}

// testListing lists more objects than one page holds (gocloud pages hold
// 1,000): every match comes once, in bytewise key order (k/a-1 before
// k/a/1, as in S3), an object named by two patterns comes once, and a
// consumer that stops early stops the listing.
func testListing(t *testing.T, mk MakeHarness) {
	h := mk(t)
	ctx := context.Background()
	var keys []string
	for i := 0; i < 1100; i++ {
		keys = append(keys, fmt.Sprintf("k/p%04d.parquet", i))
	}
	keys = append(keys, "k/a-1.parquet", "k/a/1.parquet", "k/a0.parquet", "k/a/b/2.parquet")
	for _, k := range keys {
		if err := h.Put(ctx, k, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(keys)
	list := func(patterns ...string) ([]string, error) {
		pats, err := objstore.Patterns(objstore.Options{}, patterns...)
		if err != nil {
			return nil, err
		}
		var got []string
		err = objstore.List(ctx, pats, func(o objstore.Object) error {
			// Names differ by kind (path, URL); the keys under k/ do not.
			got = append(got, o.Name[strings.LastIndex(o.Name, "/k/")+1:])
			return nil
		})
		return got, err
	}
	got, err := list(h.URL("k/**/*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != strings.Join(keys, ",") {
		t.Errorf("listed %d objects, want %d in bytewise key order; first %v", len(got), len(keys), got[:min(len(got), 5)])
	}
	got, err = list(h.URL("k/a/1.parquet"), h.URL("k/a/**/*.parquet"), h.URL("k/a/"))
	if err != nil || strings.Join(got, ",") != "k/a/1.parquet,k/a/b/2.parquet" {
		t.Errorf("overlapping patterns listed %v (%v)", got, err)
	}
	pats, _ := objstore.Patterns(objstore.Options{}, h.URL("k/"))
	stop := errors.New("enough")
	n := 0
	err = objstore.List(ctx, pats, func(objstore.Object) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("an early stop returned %v after %d objects", err, n)
	}
}

func docsBytes(t *testing.T, cfg fixtures.Documents) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.parquet")
	if err := fixtures.WriteDocuments(path, cfg); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// importDigest imports pattern into a fresh store and returns the digest
// and the ids in scan order.
func importDigest(t *testing.T, pattern, with string) (string, []int64) {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := &engine.Session{Store: st, Runner: runners.Options{Runner: "direct"}}
	if _, err := s.Exec(context.Background(), "COPY FROM '"+pattern+"' INTO docs "+with); err != nil {
		t.Fatalf("import %s: %v", pattern, err)
	}
	d, err := st.Digest("docs", st.Head())
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	_ = st.Scan("docs", st.Head(), func(r store.Row) error { ids = append(ids, r[0].(int64)); return nil })
	return d, ids
}

func testSameRowsAsLocal(t *testing.T, mk MakeHarness) {
	h := mk(t)
	data := docsBytes(t, fixtures.Documents{Rows: 700, Dim: 8, RowGroupRows: 200, BadVectorRows: []int{9}})
	if err := h.Put(context.Background(), "data/docs.parquet", data); err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(t.TempDir(), "docs.parquet")
	if err := os.WriteFile(local, data, 0o644); err != nil {
		t.Fatal(err)
	}
	want, _ := importDigest(t, local, "WITH (primary_key = 'id', on_error = 'continue')")
	got, ids := importDigest(t, h.URL("data/docs.parquet"), "WITH (primary_key = 'id', on_error = 'continue')")
	if got != want || len(ids) != 699 {
		t.Errorf("digest %s (%d rows), local %s", got, len(ids), want)
	}
}

func testGlobOrder(t *testing.T, mk MakeHarness) {
	h := mk(t)
	ctx := context.Background()
	// Written out of order, in two folders; without a primary key the table
	// keeps input order, which must follow the sorted object names.
	for _, p := range []struct {
		key   string
		first int64
	}{{"lake/b/part-1.parquet", 300}, {"lake/a/part-0.parquet", 0}, {"lake/b/part-0.parquet", 200}, {"lake/a/part-1.parquet", 100}} {
		if err := h.Put(ctx, p.key, docsBytes(t, fixtures.Documents{Rows: 100, Dim: 4, FirstID: p.first, RowGroupRows: 30})); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Put(ctx, "lake/a/_SUCCESS", nil); err != nil {
		t.Fatal(err)
	}
	_, ids := importDigest(t, h.URL("lake/**/*.parquet"), "")
	if len(ids) != 400 {
		t.Fatalf("%d rows, want 400", len(ids))
	}
	for i, id := range ids {
		if id != int64(i) {
			t.Fatalf("row %d has id %d: input order not kept", i, id)
		}
	}
	d1, _ := importDigest(t, h.URL("lake/a/*.parquet"), "")
	d2, _ := importDigest(t, h.URL("lake/a/part-?.parquet"), "")
	if d1 != d2 {
		t.Errorf("two globs naming the same objects differ")
	}
}

func testErrors(t *testing.T, mk MakeHarness) {
	h := mk(t)
	ctx := context.Background()
	good := docsBytes(t, fixtures.Documents{Rows: 50, Dim: 4})
	_ = h.Put(ctx, "bad/truncated.parquet", good[:len(good)/2])
	_ = h.Put(ctx, "bad/notes.parquet", []byte("id,title\n1,x\n"))
	for _, key := range []string{"bad/truncated.parquet", "bad/notes.parquet", "bad/missing.parquet"} {
		st, err := store.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		s := &engine.Session{Store: st}
		_, err = s.Exec(ctx, "COPY FROM '"+h.URL(key)+"' INTO docs")
		name := key[strings.LastIndexByte(key, '/')+1:]
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v does not name the object", key, err)
		}
		if st.Head() != 0 {
			t.Errorf("%s: a failed import committed", key)
		}
		st.Close()
	}
}

// BucketHarness is a Harness over a bucket (or folder) that
// objstore.OpenBucket opens: Bucket is its URL for writing, KeyURL names a
// key for import and export statements.
type BucketHarness struct {
	Bucket string
	KeyURL func(key string) string
}

// Put writes an object into the bucket.
func (h BucketHarness) Put(ctx context.Context, key string, data []byte) error {
	b, done, err := objstore.OpenBucket(ctx, h.Bucket)
	if err != nil {
		return err
	}
	defer done()
	return b.WriteAll(ctx, key, data, nil)
}

// URL names key.
func (h BucketHarness) URL(key string) string { return h.KeyURL(key) }
