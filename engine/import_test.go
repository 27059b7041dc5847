package engine_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
	"github.com/lakelink/lakelink/transforms"
)

func writeDocs(t *testing.T, cfg fixtures.Documents) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "docs.parquet")
	if err := fixtures.WriteDocuments(path, cfg); err != nil {
		t.Fatal(err)
	}
	return path
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestImportDirect(t *testing.T) {
	path := writeDocs(t, fixtures.Documents{Rows: 3000, Dim: 8, RowGroupRows: 1000, BadVectorRows: []int{17, 2500}})
	st := openStore(t)
	opts := pipeline.DefaultImportOptions()
	opts.PrimaryKey = []string{"id"}
	opts.BatchSize = 512
	opts.OnError = "continue"
	res, err := pipeline.RunImport(context.Background(), st, pipeline.Import{Sources: []string{path}, Table: "documents", Options: opts}, runners.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 2998 || res.Errors != 2 || !res.Created {
		t.Fatalf("result %+v", res)
	}
	ti, _ := st.Table("documents", st.Head())
	if got := ti.Schema.String(); got != "(id BIGINT NOT NULL, title TEXT, content TEXT, embedding VECTOR(8), PRIMARY KEY (id))" {
		t.Errorf("schema %s", got)
	}
	errs, _ := st.RowErrors(res.Job)
	if len(errs) != 2 || errs[0].Row != 17 || errs[0].Column != "embedding" || !strings.Contains(errs[0].Reason, "9 dimensions, expected 8") || errs[1].Row != 2500 {
		t.Errorf("errors %+v", errs)
	}
	if n, _ := st.Count("documents", st.Head()); n != 2998 {
		t.Errorf("count %d", n)
	}
	row, err := st.Get("documents", st.Head(), 42)
	want := fixtures.Documents{Dim: 8}.Row(42)
	if err != nil || row[1] != want.Title || row[3].([]float32)[7] != want.Embedding[7] {
		t.Errorf("row 42 = %v, %v; want %+v", row[1], err, want)
	}
}

func TestImportMapColumnsCast(t *testing.T) {
	path := writeDocs(t, fixtures.Documents{Rows: 100, Dim: 4})
	st := openStore(t)
	v4 := lake.Vector(4)
	im := pipeline.Import{Sources: []string{path}, Table: "docs", Options: pipeline.DefaultImportOptions(),
		Maps: []transforms.ColumnMap{{Source: "id", Target: "doc_id"}, {Source: "embedding", Target: "vec", Cast: &v4}}}
	res, err := pipeline.RunImport(context.Background(), st, im, runners.Options{})
	if err != nil || res.Rows != 100 {
		t.Fatalf("%+v %v", res, err)
	}
	ti, _ := st.Table("docs", st.Head())
	if got := ti.Schema.String(); got != "(doc_id BIGINT, vec VECTOR(4))" {
		t.Errorf("schema %s", got)
	}
}
