package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakelink/lakelink/testing/blobtest"
	"github.com/lakelink/lakelink/tiering"
)

// The guide's four tiering statements against a local S3 server
// (versitygw), its endpoint added to cold_storage's URL, with every
// request counted by a proxy in front of it: the files land in the
// bucket; a query for recent rows makes no request for a cold object; a
// key lookup reads only the one file whose statistics admit the key; the
// search over both tiers is exact; TO HOT runs. The local cache is off,
// so every read of a file is a request.
func TestTierGuideS3(t *testing.T) {
	srv := blobtest.StartS3(t)
	srv.CreateBucket(t, "my-bucket")
	counter := blobtest.Count(t, srv.Endpoint)
	s := session(t, "direct")
	tiering.CacheFor(s.Store).Max = 0
	docs := tierDocs(600)
	exec(t, s, "CREATE TABLE documents (id BIGINT PRIMARY KEY, content TEXT, created_at TIMESTAMP, embedding VECTOR(8))")
	exec(t, s, "CREATE INDEX ON documents USING hnsw (embedding) WITH (metric = 'cosine')")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents", writeParquet(t, docs)))
	query := (&blobtest.S3{Endpoint: counter.Endpoint, Region: srv.Region}).Query()
	exec(t, s, "ALTER TABLE documents SET (hot_storage = 'local', cold_storage = 's3://my-bucket/archive/?"+query+"', tier_after = INTERVAL '90 days');")
	exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2024-01-01' TO COLD;")
	var inBucket []string
	_ = filepath.Walk(filepath.Join(srv.Dir, "my-bucket", "archive", "documents"), func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".parquet") {
			inBucket = append(inBucket, p)
		}
		return nil
	})
	cat, _ := s.Store.ColdFiles("documents", s.Store.Head())
	if len(cat) < 18 || len(inBucket) != len(cat) {
		t.Fatalf("%d files in the bucket, %d listed", len(inBucket), len(cat))
	}

	counter.Reset()
	rows := exec(t, s, "SELECT id FROM documents WHERE created_at > '2024-01-15'")[0].Rows
	if len(rows) == 0 {
		t.Fatal("no recent rows")
	}
	if got := counter.Requests("GET", "/my-bucket/archive/"); len(got) != 0 {
		t.Errorf("a query for recent rows read cold objects: %v", got)
	}
	counter.Reset()
	rows = exec(t, s, "SELECT id, content FROM documents WHERE id = 3")[0].Rows
	if len(rows) != 1 || rows[0][1] != "doc 3" {
		t.Errorf("key lookup: %v", rows)
	}
	objects := map[string]bool{}
	for _, r := range counter.Requests("GET", "/my-bucket/archive/") {
		objects[r] = true
	}
	if len(objects) != 1 {
		t.Errorf("a key lookup read %d cold objects, want 1: %v", len(objects), objects)
	}
	counter.Reset()
	q := docs[300].Embedding
	s.Params = map[int]any{1: q}
	want := cosineTop(docs, func(d tierDoc) bool { return d.CreatedAt.After(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)) }, q, 10)
	got := ids(t, exec(t, s, "SELECT id, content, cosine_similarity(embedding, $1) AS score FROM documents\nWHERE created_at > '2023-01-01' ORDER BY score DESC LIMIT 10;")[0].Rows)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the guide's search: %v, want %v", got, want)
	}
	if len(counter.Requests("GET", "/my-bucket/archive/")) == 0 {
		t.Error("a search over old rows read no cold object: the counter counts nothing")
	}
	exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at BETWEEN '2023-01-01' AND '2023-06-30' TO HOT;")
	if n := count(t, s, "documents"); n != int64(len(docs)) {
		t.Errorf("count(*) = %d", n)
	}
}

// The same statements against Azurite.
func TestTierGuideAzure(t *testing.T) {
	az := blobtest.StartAzure(t)
	az.CreateContainer(t, "archive")
	s := session(t, "direct")
	docs := tierDocs(400)
	exec(t, s, "CREATE TABLE documents (id BIGINT, content TEXT, created_at TIMESTAMP, embedding VECTOR(8))")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents", writeParquet(t, docs)))
	exec(t, s, "ALTER TABLE documents SET (hot_storage = 'local', cold_storage = '"+az.URL("archive", "tiers/")+"', tier_after = INTERVAL '90 days');")
	before, _ := tiering.Digest(t.Context(), s.Store, "documents", s.Store.Head())
	exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2024-01-01' TO COLD;")
	exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at BETWEEN '2023-01-01' AND '2023-06-30' TO HOT;")
	if cat, _ := s.Store.ColdFiles("documents", s.Store.Head()); len(cat) == 0 {
		t.Fatal("no cold file listed")
	}
	if after, _ := tiering.Digest(t.Context(), s.Store, "documents", s.Store.Head()); after != before {
		t.Errorf("digest %s, before the moves %s", after, before)
	}
	q := docs[100].Embedding
	s.Params = map[int]any{1: q}
	want := cosineTop(docs, func(d tierDoc) bool { return d.CreatedAt.After(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)) }, q, 10)
	got := ids(t, exec(t, s, "SELECT id, content, cosine_similarity(embedding, $1) AS score FROM documents\nWHERE created_at > '2023-01-01' ORDER BY score DESC LIMIT 10;")[0].Rows)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the guide's search: %v, want %v", got, want)
	}
}
