// Package objstoretest is the conformance suite of objstore's schemes, as
// gocloud's drivertest is of its drivers: every registered scheme runs it
// against a real location (a folder, a process bucket, or a server on
// 127.0.0.1), and objstore's own test fails when a registered scheme has
// no run.
package objstoretest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/objstore"
)

// Location is a fresh, empty place of one scheme.
type Location struct {
	// Root is the URL (or path) that names the location's top folder,
	// ending in /, with any query that reaches the server after a ?.
	// Keys are appended to it: Root "s3://b/?endpoint=..." names key k
	// as "s3://b/k?endpoint=...".
	Root string
}

// URL names key (which may be a glob) in the location.
func (l Location) URL(key string) string {
	base, query, ok := strings.Cut(l.Root, "?")
	if !ok {
		return base + key
	}
	return base + key + "?" + query
}

// Run runs the suite; fresh makes a new empty location for each part.
func Run(t *testing.T, fresh func(t *testing.T) Location) {
	t.Run("WriteThenMatchGlobs", func(t *testing.T) { testGlobs(t, fresh(t)) })
	t.Run("HivePartitions", func(t *testing.T) { testHive(t, fresh(t)) })
	t.Run("MissingObjects", func(t *testing.T) { testMissing(t, fresh(t)) })
	t.Run("Destinations", func(t *testing.T) { testDestination(t, fresh(t)) })
}

// put writes objects through objstore's own bucket for the location.
func put(t *testing.T, l Location, objects map[string]string) {
	t.Helper()
	ctx := context.Background()
	for key, data := range objects {
		bucket, k, err := objstore.Destination(objstore.Options{}, l.URL(key))
		if err != nil {
			t.Fatal(err)
		}
		b, done, err := objstore.OpenBucket(ctx, bucket)
		if err != nil {
			t.Fatal(err)
		}
		err = b.WriteAll(ctx, k, []byte(data), nil)
		done()
		if err != nil {
			t.Fatalf("write %s: %v", key, err)
		}
	}
}

func keys(t *testing.T, l Location, patterns ...string) []string {
	t.Helper()
	urls := make([]string, len(patterns))
	for i, p := range patterns {
		urls[i] = l.URL(p)
	}
	objs, err := objstore.Match(context.Background(), urls...)
	if err != nil {
		t.Fatalf("match %v: %v", patterns, err)
	}
	var out []string
	for _, o := range objs {
		_, rel, _ := strings.Cut(o.Name, "/lake/")
		out = append(out, rel)
		if o.Size <= 0 {
			t.Errorf("%s: size %d", o.Name, o.Size)
		}
		if strings.Contains(o.Name, "?") {
			t.Errorf("an object's name carries the URL's query: %s", o.Name)
		}
	}
	return out
}

// Globs match the same keys on every scheme, in bytewise key order: *,
// ?, [...], ** across folders, and a folder prefix ending in /.
func testGlobs(t *testing.T, l Location) {
	put(t, l, map[string]string{
		"lake/a/1.parquet": "x", "lake/a/2.parquet": "xx", "lake/a/10.parquet": "xxx",
		"lake/a-1.parquet": "x", "lake/b/c/3.parquet": "x", "lake/b/notes.txt": "x",
	})
	for _, c := range []struct {
		patterns []string
		want     []string
	}{
		{[]string{"lake/a/*.parquet"}, []string{"a/1.parquet", "a/10.parquet", "a/2.parquet"}},
		{[]string{"lake/a/?.parquet"}, []string{"a/1.parquet", "a/2.parquet"}},
		{[]string{"lake/a/[12].parquet"}, []string{"a/1.parquet", "a/2.parquet"}},
		{[]string{"lake/**/*.parquet"}, []string{"a-1.parquet", "a/1.parquet", "a/10.parquet", "a/2.parquet", "b/c/3.parquet"}},
		{[]string{"lake/b/"}, []string{"b/c/3.parquet", "b/notes.txt"}},
		{[]string{"lake/a/2.parquet", "lake/a/*.parquet"}, []string{"a/2.parquet", "a/1.parquet", "a/10.parquet"}},
	} {
		if got := keys(t, l, c.patterns...); !slices.Equal(got, c.want) {
			t.Errorf("%v: %v, want %v", c.patterns, got, c.want)
		}
	}
}

// Hive folders name partition values, percent-decoded, and infer types.
func testHive(t *testing.T, l Location) {
	put(t, l, map[string]string{
		"lake/year=2024/month=03/x.parquet": "x", "lake/year=2025/month=11/x.parquet": "x",
		"lake/year=2025/month=__HIVE_DEFAULT_PARTITION__/x.parquet": "x",
	})
	objs, err := objstore.Match(context.Background(), l.URL("lake/**/*.parquet"))
	if err != nil || len(objs) != 3 {
		t.Fatalf("match: %d objects, %v", len(objs), err)
	}
	v, err := objstore.PartitionValues(objs[0], []string{"year", "month"})
	if err != nil || v["year"] != "2024" || v["month"] != "03" {
		t.Errorf("partition values of %s: %v, %v", objs[0].Name, v, err)
	}
	if _, err := objstore.PartitionValues(objs[0], []string{"day"}); err == nil || !strings.Contains(err.Error(), objs[0].Name) {
		t.Errorf("a missing partition column: %v", err)
	}
	pats, err := objstore.Patterns(objstore.Options{}, l.URL("lake/**/*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	cols, n, err := objstore.InferPartitions(context.Background(), pats, []string{"year", "month"})
	if err != nil || n != 3 || cols[0].Type.String() != "BIGINT" || cols[1].Type.String() != "BIGINT" {
		t.Errorf("inferred %v over %d objects: %v", cols, n, err)
	}
}

// A pattern that matches nothing, and a missing object, are errors that
// name them without the URL's query.
func testMissing(t *testing.T, l Location) {
	put(t, l, map[string]string{"lake/there.parquet": "x"})
	_, err := objstore.Match(context.Background(), l.URL("lake/none-*.parquet"))
	if err == nil || !strings.Contains(err.Error(), "none-*.parquet") || strings.Contains(err.Error(), "endpoint=") || strings.Contains(err.Error(), "domain=") {
		t.Errorf("a pattern matching nothing: %v", err)
	}
	bucket, key, err := objstore.Destination(objstore.Options{}, l.URL("lake/gone.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	b, done, err := objstore.OpenBucket(context.Background(), bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	_, err = b.ReadAll(context.Background(), key)
	if !objstore.IsNotFound(err) {
		t.Errorf("reading a missing object: %v is not NotFound", err)
	}
	if msg := objstore.ObjectError(l.URL("lake/gone.parquet"), err).Error(); !strings.Contains(msg, "gone.parquet") || !strings.HasSuffix(msg, ": not found") || strings.Contains(msg, "endpoint=") {
		t.Errorf("the error for a missing object: %s", msg)
	}
}

// A destination is a folder (ending in /) or an object; wildcards are
// refused.
func testDestination(t *testing.T, l Location) {
	bucket, key, err := objstore.Destination(objstore.Options{}, l.URL("out/run/"))
	if base, _, _ := strings.Cut(bucket, "?"); err != nil || !strings.HasSuffix(base+"/"+key, "out/run/") {
		t.Fatalf("folder destination: %q %q %v", bucket, key, err)
	}
	put(t, l, map[string]string{"out/run/part-0.parquet": "x"})
	objs, err := objstore.Match(context.Background(), l.URL("out/run/"))
	if err != nil || len(objs) != 1 || !strings.HasSuffix(objs[0].Name, "out/run/part-0.parquet") {
		t.Errorf("written under the destination: %v %v", objs, err)
	}
	if _, _, err := objstore.Destination(objstore.Options{}, l.URL("out/*.parquet")); err == nil {
		t.Error("a wildcard destination was accepted")
	}
	s, ok := objstore.SchemeOf(bucket)
	if !ok {
		t.Errorf("scheme of %s is not registered", bucket)
	}
	if s.Options == nil {
		if _, _, err := objstore.Destination(objstore.Options{Region: "x"}, l.URL("out/")); err == nil {
			t.Errorf("%s:// took connection options it has no use for", s.Name)
		}
	}
}
