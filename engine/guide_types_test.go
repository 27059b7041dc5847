package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/testing/fixtures"
)

// The guide's "Multiple Embedding Columns" statement, as written: three
// vector columns of their own dimensions in one table.
func TestGuideMultipleEmbeddings(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := fixtures.WriteGuideProducts(filepath.Join(dir, "multi_embeddings.parquet"), fixtures.Documents{Rows: 40, Dim: 8}); err != nil {
		t.Fatal(err)
	}
	s := session(t, "direct")
	exec(t, s, `-- Import multiple embedding spaces
COPY FROM './multi_embeddings.parquet'
INTO products
MAP COLUMNS (
    product_id => id,
    name => name,
    text_vec => text_embedding::VECTOR(384),
    image_vec => image_embedding::VECTOR(512),
    combined_vec => combined_embedding::VECTOR(1024)
);`)
	ti, _ := s.Store.Table("products", s.Store.Head())
	if got := ti.Schema.String(); got != "(id BIGINT, name TEXT, text_embedding VECTOR(384), image_embedding VECTOR(512), combined_embedding VECTOR(1024))" {
		t.Errorf("schema %s", got)
	}
	r := exec(t, s, "SELECT text_embedding, image_embedding, combined_embedding FROM products WHERE id = 7")[0]
	want := fixtures.Documents{Dim: 8}.Row(7).Embedding
	for i, n := range []int{384, 512, 1024} {
		v, _ := r.Rows[0][i].([]float32)
		if len(v) != n || v[n-1] != want[(n-1)%8] {
			t.Errorf("column %d: %d values", i, len(v))
		}
	}
}

// The guide's type coercions as written: int_id => id::UUID (lakelink's
// documented integer mapping), float_array => embedding::VECTOR(384),
// json_str => metadata::JSONB; invalid JSON and a wrong dimension are row
// errors that say why.
func TestGuideTypeCoercion(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := fixtures.WriteGuideTyped(filepath.Join(dir, "typed.parquet"), fixtures.Documents{Rows: 30, Dim: 384, BadVectorRows: []int{11}}); err != nil {
		t.Fatal(err)
	}
	s := session(t, "direct")
	msg := exec(t, s, `COPY FROM './typed.parquet'
INTO typed
MAP COLUMNS (
    int_id => id::UUID,
    float_array => embedding::VECTOR(384),
    json_str => metadata::JSONB
) WITH (on_error = 'continue');`)[0].Message
	// Row 11 has both a 385-d vector and cut-off JSON: one row, two reasons.
	if !strings.Contains(msg, "COPY 29 rows") || !strings.Contains(msg, "2 row(s) rejected") {
		t.Errorf("%s", msg)
	}
	r := exec(t, s, "SELECT id, metadata FROM typed WHERE id = '00000000-0000-0000-0000-000000000005'")[0]
	title := fixtures.Documents{Dim: 384}.Row(5).Title
	if len(r.Rows) != 1 || r.Rows[0][1] != fmt.Sprintf(`{"title":%q,"len":%d}`, title, len(fixtures.Documents{Dim: 384}.Row(5).Content)) {
		t.Errorf("row 5: %v", r.Rows)
	}
	errs, _ := s.Store.RowErrors(lastJob(t, s))
	if len(errs) != 2 || errs[0].Row != 11 || !strings.Contains(errs[0].Reason, "385 dimensions, expected 384") ||
		errs[1].Row != 11 || errs[1].Column != "json_str" || !strings.Contains(errs[1].Reason, "invalid JSON") {
		t.Errorf("errors %+v", errs)
	}
	if _, err := s.Exec(context.Background(), "SELECT count(*) FROM typed WHERE metadata LIKE '%title%'"); err != nil {
		t.Errorf("LIKE on JSONB: %v", err)
	}
}
