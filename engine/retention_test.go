package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/testing/fixtures"
)

// Import and tag, upsert, then revert the upsert: the head reads as the
// tag again, rows and vector searches through the index (the rows put
// back are indexed by the revert). Then gc --keep-days 0: the tag and the
// head read as before, the upsert's commit is collected, and the log says
// so.
func TestRevertThenGC(t *testing.T) {
	docs := fixtures.Documents{Rows: 600, Dim: 16, RowGroupRows: 200, ContentChars: 20}
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id', build_indexes = true, hnsw_m = 8)", writeDocs(t, docs)))
	exec(t, s, "SET lakelink.hnsw_ef_search = 600")
	tagged := s.Store.Head()
	digest := func(at uint64) string {
		t.Helper()
		d, err := s.Store.Digest("documents", at)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	want, before := digest(tagged), indexSearch(t, s, docs, "")
	if _, err := s.CreateTag("v1", 0, ""); err != nil {
		t.Fatal(err)
	}
	exec(t, s, upsertEvenRows(t, docs))
	upsert := s.Store.Head()
	if fmt.Sprint(indexSearch(t, s, docs, "")) == fmt.Sprint(before) {
		t.Fatal("the upsert did not change the search")
	}

	res, err := s.Revert(context.Background(), fmt.Sprint(upsert))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Message, "documents: 0 put back, 300 restored, 0 deleted") {
		t.Errorf("revert: %s", res.Message)
	}
	if got := digest(s.Store.Head()); got != want {
		t.Errorf("digest after the revert %s, at the tag %s", got, want)
	}
	if got := indexSearch(t, s, docs, ""); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("search after the revert %v, at the tag %v", got, before)
	}
	if _, err := s.Revert(context.Background(), fmt.Sprint(upsert)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("commit %d (", upsert)) || !strings.Contains(err.Error(), "is already reverted, by commit") {
		t.Errorf("reverting twice: %v", err)
	}

	head := s.Store.Head()
	if res, err := s.GC(context.Background(), 0, true); err != nil || !strings.Contains(res.Message, fmt.Sprintf("collect 2 commit(s): %d, %d", upsert-1, upsert)) {
		t.Errorf("dry run: %v %v", res.Message, err)
	}
	if s.Store.Head() != head || digest(upsert) == "" {
		t.Fatal("the dry run changed the store")
	}
	res, err = s.GC(context.Background(), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Message)
	if got := indexSearch(t, s, docs, "AT (TAG => 'v1')"); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("search at the tag after gc %v, before %v", got, before)
	}
	if got := indexSearch(t, s, docs, ""); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("search at the head after gc %v, before %v", got, before)
	}
	if got := digest(tagged); got != want {
		t.Errorf("digest at the tag after gc %s, before %s", got, want)
	}
	for _, stmt := range []string{
		fmt.Sprintf("SELECT count(*) FROM documents AT (COMMIT => %d)", upsert),
		fmt.Sprintf("SELECT id FROM documents AT (COMMIT => %d) ORDER BY cosine_similarity(embedding, $1) DESC LIMIT 3", upsert),
	} {
		if _, err := s.Exec(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("commit %d was collected by retention", upsert)) {
			t.Errorf("%s: %v", stmt, err)
		}
	}
	r := exec(t, s, fmt.Sprintf("SELECT commit, collected FROM lakelink_commits WHERE commit = %d OR commit = %d", tagged, upsert))[0]
	if fmt.Sprint(r.Rows) != fmt.Sprintf("[[%d false] [%d true]]", tagged, upsert) {
		t.Errorf("lakelink_commits: %v", r.Rows)
	}
	if _, err := s.GC(context.Background(), -1, false); err == nil {
		t.Errorf("gc with -1 days")
	}
}
