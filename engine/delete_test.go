package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/testing/fixtures"
)

// DELETE FROM removes the matching rows in one commit: counts, searches
// through the index and the log see it at the head, the tag does not; a
// bad condition deletes nothing; a revert brings the rows back.
func TestDelete(t *testing.T) {
	docs := fixtures.Documents{Rows: 300, Dim: 8, RowGroupRows: 100}
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id', build_indexes = true)", writeDocs(t, docs)))
	exec(t, s, "SET lakelink.hnsw_ef_search = 300")
	if _, err := s.CreateTag("before", 0, ""); err != nil {
		t.Fatal(err)
	}
	head := s.Store.Head()
	for stmt, want := range map[string]string{
		"DELETE FROM documents WHERE nope = 1": "nope",
		"DELETE FROM missing":                  `table "missing" does not exist`,
		"DELETE documents":                     "expected",
	} {
		if _, err := s.Exec(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", stmt, err, want)
		}
	}
	if r := exec(t, s, "DELETE FROM documents WHERE id < 0")[0]; r.Message != "DELETE 0 row(s) from documents" {
		t.Errorf("delete nothing: %s", r.Message)
	}
	if s.Store.Head() != head {
		t.Fatalf("a failed DELETE, or one that matched nothing, committed")
	}
	if r := exec(t, s, "DELETE FROM documents WHERE id < 100")[0]; r.Message != "DELETE 100 row(s) from documents" {
		t.Errorf("delete: %s", r.Message)
	}
	for at, want := range map[string]int64{"": 200, "AT (TAG => 'before')": 300} {
		if r := exec(t, s, "SELECT count(*) FROM documents "+at)[0]; r.Rows[0][0] != want {
			t.Errorf("count %s: %v, want %d", at, r.Rows, want)
		}
	}
	// The nearest neighbours of a deleted row: through the index, never a
	// deleted row at the head; the row itself first at the tag.
	s.Params = map[int]any{1: docs.Row(42).Embedding}
	q := "SELECT id, cosine_similarity(embedding, $1) AS score FROM documents %s ORDER BY score DESC LIMIT 10"
	now := exec(t, s, fmt.Sprintf(q, ""))[0]
	if !strings.HasPrefix(now.Plan, "index ") || len(now.Rows) != 10 {
		t.Fatalf("search: %s %v", now.Plan, now.Rows)
	}
	for _, r := range now.Rows {
		if r[0].(int64) < 100 {
			t.Errorf("a deleted row is found: %v", now.Rows)
		}
	}
	if then := exec(t, s, fmt.Sprintf(q, "AT (TAG => 'before')"))[0]; then.Rows[0][0] != int64(42) {
		t.Errorf("at the tag, the nearest to row 42 is %v", then.Rows[0])
	}
	r := exec(t, s, "SELECT deleted, statement FROM lakelink_commits ORDER BY commit DESC LIMIT 1")[0]
	if fmt.Sprint(r.Rows) != "[[100 DELETE FROM documents WHERE id < 100]]" {
		t.Errorf("log: %v", r.Rows)
	}
	// Reverting the delete puts the rows back, indexed: row 42 is its own
	// nearest again at the head.
	if _, err := s.Revert(context.Background(), fmt.Sprint(s.Store.Head())); err != nil {
		t.Fatal(err)
	}
	if back := exec(t, s, fmt.Sprintf(q, ""))[0]; back.Rows[0][0] != int64(42) || !strings.HasPrefix(back.Plan, "index ") {
		t.Errorf("after reverting the delete, the nearest to row 42 is %v (%s)", back.Rows[0], back.Plan)
	}
	exec(t, s, "DELETE FROM documents")
	if r := exec(t, s, "SELECT count(*) FROM documents")[0]; r.Rows[0][0] != int64(0) {
		t.Errorf("DELETE without WHERE left %v", r.Rows)
	}
}

// Deleting edges removes their adjacency; a node that edges still
// reference is not deleted, until they are; the tag before the deletes
// still reads the neighbours.
func TestDeleteEdgesThenNodes(t *testing.T) {
	s := session(t, "direct")
	exec(t, s, guideGraph)
	var entities []entityRow
	for i := range 10 {
		entities = append(entities, entityRow{uid(i), fmt.Sprint("entity ", i), "thing"})
	}
	var relations []relationRow
	for i := range 9 {
		relations = append(relations, relationRow{uid(i), uid(i + 1), "next", 1}, relationRow{uid(i + 1), uid(i), "prev", 1})
	}
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO GRAPH knowledge.entity MAP COLUMNS (entity_id => id, entity_name => name, entity_type => kind)", writeParquet(t, entities)))
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO GRAPH knowledge.relates MAP COLUMNS (from_id => source, to_id => target, relation_type => relation, weight => weight)", writeParquet(t, relations)))
	s.Params = map[int]any{1: uid(5)}
	degree := func() string { return fmt.Sprint(exec(t, s, "SELECT * FROM degree('knowledge', $1)")[0].Rows) }
	if d := degree(); d != "[[4]]" {
		t.Fatalf("degree of 5: %s", d)
	}
	if _, err := s.CreateTag("all-edges", 0, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Exec(context.Background(), fmt.Sprintf("DELETE FROM knowledge.entity WHERE id = '%s'", uid(5))); err == nil || !strings.Contains(err.Error(), "is an end of edges in knowledge.relates") {
		t.Errorf("deleting a node with edges: %v", err)
	}
	exec(t, s, "DELETE FROM knowledge.relates WHERE relation = 'prev'")
	if d := degree(); d != "[[2]]" {
		t.Errorf("degree of 5 without the prev edges: %s", d)
	}
	exec(t, s, fmt.Sprintf("DELETE FROM knowledge.relates WHERE source = '%s' OR target = '%s'", uid(5), uid(5)))
	if d := degree(); d != "[[0]]" {
		t.Errorf("degree of 5 without its edges: %s", d)
	}
	if r := exec(t, s, fmt.Sprintf("DELETE FROM knowledge.entity WHERE id = '%s'", uid(5)))[0]; r.Message != "DELETE 1 row(s) from knowledge.entity" {
		t.Errorf("deleting the node: %s", r.Message)
	}
	// The tag still reads the node and its four neighbours.
	then := fmt.Sprint(exec(t, s, "SELECT * FROM neighbors('knowledge', $1) AT (TAG => 'all-edges')")[0].Rows)
	if strings.Count(then, uid(4)) != 2 || strings.Count(then, uid(6)) != 2 {
		t.Errorf("neighbours of 5 at the tag: %s", then)
	}
	if now := exec(t, s, "SELECT * FROM neighbors('knowledge', $1)")[0].Rows; len(now) != 0 {
		t.Errorf("neighbours of the deleted node 5: %v", now)
	}
}
