package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/testing/fixtures"
)

// newEmbedding is the guide's new_embeddings.parquet: ids with a 768-d
// embedding each.
type newEmbedding struct {
	ID           int64     `parquet:"id"`
	NewEmbedding []float32 `parquet:"new_embedding,list"`
}

// The guide's schema evolution: add new_embedding VECTOR(768), fill it
// with COPY ... (id, new_embedding) WITH (mode = 'update', key_columns =
// ['id']); existing rows are never rewritten by ALTER TABLE, read the
// default or NULL, and DROP and RENAME COLUMN keep the other columns.
func TestSchemaEvolution(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	docs := writeDocs(t, fixtures.Documents{Rows: 50, Dim: 4})
	var rows []newEmbedding
	for i := 0; i < 50; i += 2 {
		v := make([]float32, 768)
		v[0], v[767] = float32(i), 1
		rows = append(rows, newEmbedding{int64(i), v})
	}
	if err := parquet.WriteFile(filepath.Join(dir, "new_embeddings.parquet"), rows); err != nil {
		t.Fatal(err)
	}
	for _, runner := range []string{"direct", "prism"} {
		s := session(t, runner)
		exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id')", docs))
		before, _ := s.Store.Digest("documents", s.Store.Head())
		exec(t, s, "ALTER TABLE documents ADD COLUMN new_embedding VECTOR(768)")
		exec(t, s, "ALTER TABLE documents ADD COLUMN lang TEXT DEFAULT 'en'")
		exec(t, s, "ALTER TABLE documents ADD COLUMN version INT NOT NULL DEFAULT 1")
		r := exec(t, s, "SELECT id, new_embedding, lang, version FROM documents WHERE id = 3")[0]
		if fmt.Sprint(r.Rows) != "[[3 <nil> en 1]]" {
			t.Errorf("%s: an old row after ADD COLUMN reads %v", runner, r.Rows)
		}
		exec(t, s, `COPY FROM './new_embeddings.parquet'
			INTO documents (id, new_embedding)
			WITH (mode = 'update', key_columns = ['id'])`)
		r = exec(t, s, "SELECT id, title, new_embedding, lang FROM documents WHERE id IN (4, 5)")[0]
		emb, _ := r.Rows[0][2].([]float32)
		if len(r.Rows) != 2 || len(emb) != 768 || emb[0] != 4 || emb[767] != 1 || r.Rows[1][2] != nil || r.Rows[0][3] != "en" {
			t.Errorf("%s: after the update: %v", runner, r.Rows)
		}
		if n := exec(t, s, "SELECT count(*) FROM documents WHERE new_embedding IS NULL")[0].Rows[0][0]; n != int64(25) {
			t.Errorf("%s: %v rows without new_embedding, want 25", runner, n)
		}

		exec(t, s, "ALTER TABLE documents DROP COLUMN content")
		exec(t, s, "ALTER TABLE documents RENAME COLUMN title TO headline")
		ti, _ := s.Store.Table("documents", s.Store.Head())
		if got := ti.Schema.String(); got != "(id BIGINT NOT NULL, headline TEXT, embedding VECTOR(4), new_embedding VECTOR(768), lang TEXT DEFAULT 'en', version INT NOT NULL DEFAULT 1, PRIMARY KEY (id))" {
			t.Errorf("%s: schema %s", runner, got)
		}
		r = exec(t, s, "SELECT headline, lang FROM documents WHERE id = 7")[0]
		title7 := fixtures.Documents{Dim: 4}.Row(7).Title
		if r.Rows[0][0] != title7 || r.Rows[0][1] != "en" {
			t.Errorf("%s: after DROP and RENAME: %v", runner, r.Rows)
		}
		// New rows take the default of columns they do not feed, and are
		// stored in the new layout beside the old rows.
		more := writeDocs(t, fixtures.Documents{Rows: 10, Dim: 4, FirstID: 1000})
		exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents (id, headline, embedding) MAP COLUMNS (id => id, title => headline, embedding => embedding)", more))
		r = exec(t, s, "SELECT lang, version FROM documents WHERE id = 1003")[0]
		if fmt.Sprint(r.Rows) != "[[en 1]]" {
			t.Errorf("%s: a new row: %v", runner, r.Rows)
		}
		// Adding back a dropped name is a new, empty column.
		exec(t, s, "ALTER TABLE documents ADD COLUMN content TEXT")
		if n := exec(t, s, "SELECT count(*) FROM documents WHERE content IS NULL")[0].Rows[0][0]; n != int64(60) {
			t.Errorf("%s: a re-added column holds old values: %v NULLs of 60", runner, n)
		}
		if d, _ := s.Store.Digest("documents", 1); d != before {
			t.Errorf("%s: ALTER TABLE changed the table at its first commit", runner)
		}
	}
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id')", docs))
	for stmt, want := range map[string]string{
		"ALTER TABLE documents DROP COLUMN id":                 "part of the primary key",
		"ALTER TABLE documents ADD COLUMN title TEXT":          `column "title" already exists`,
		"ALTER TABLE documents ADD COLUMN n INT NOT NULL":      "needs a DEFAULT",
		"ALTER TABLE documents ADD COLUMN n INT DEFAULT 'abc'": "DEFAULT abc is not a INT value",
		"ALTER TABLE documents RENAME COLUMN nope TO x":        `no column "nope"`,
		"ALTER TABLE nothing ADD COLUMN x TEXT":                "does not exist",
		"ALTER TABLE documents TRUNCATE":                       "expected ADD, DROP, RENAME, SET, RESET or TIER",
	} {
		if _, err := s.Exec(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", stmt, err, want)
		}
	}
	exec(t, s, "ALTER TABLE documents DROP COLUMN IF EXISTS nope")
}
