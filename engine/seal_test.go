package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// An encrypted store's import and export stage through sealed objects:
// on Prism with worker processes, which seal what they stage with the
// job's key, the import (rows, a rejected row, index parts built by the
// workers) gives the digest of the same import into a plain store, and
// the export reads the sealed snapshot back.
func TestEncryptedStoreStagesSealed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prism worker processes")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	cfg := fixtures.Documents{Rows: 1200, Dim: 8, RowGroupRows: 300, BadVectorRows: []int{5}}
	if err := fixtures.WriteDocuments(data, cfg); err != nil {
		t.Fatal(err)
	}
	sql := fmt.Sprintf("COPY FROM '%s' INTO docs WITH (primary_key = 'id', on_error = 'continue', build_indexes = true)", data)
	enc, err := store.Open(filepath.Join(dir, "enc"), store.Options{EncryptionKey: bytes.Repeat([]byte{3}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { enc.Close() })
	stmts, err := engine.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []*store.Store{enc, openStore(t)} {
		p, err := pipeline.Prepare(context.Background(), st, stmts[0].(engine.Copy).Import)
		if err != nil {
			t.Fatal(err)
		}
		if (p.Seal != nil) != st.Encrypted() || len(p.Seal) != 0 && len(p.Seal) != 32 {
			t.Errorf("encrypted %v: staging key %d bytes", st.Encrypted(), len(p.Seal))
		}
	}

	marks := t.TempDir()
	t.Setenv(workerMarksEnv, marks)
	s := &engine.Session{Store: enc, Runner: runners.Options{Runner: "prism", Environment: "process"}}
	r := exec(t, s, sql)[0]
	if !strings.Contains(r.Message, "1 row(s) rejected") || !strings.Contains(r.Message, "built by the workers") {
		t.Errorf("import: %s", r.Message)
	}
	if len(workerPIDs(t, marks)) == 0 {
		t.Fatal("no worker process ran")
	}
	plain := session(t, "direct")
	exec(t, plain, sql)
	want := content(t, plain.Store, "docs", plain.Store.Head())
	if got := content(t, enc, "docs", enc.Head()); got != want {
		t.Errorf("encrypted store's content %s, plain store's %s", got, want)
	}
	s.Params = map[int]any{1: cfg.Row(7).Embedding}
	if r := exec(t, s, "SELECT id, cosine_similarity(embedding, $1) AS score FROM docs ORDER BY score DESC LIMIT 1")[0]; !strings.HasPrefix(r.Plan, "index ") || r.Rows[0][0] != int64(7) {
		t.Errorf("search: %s %v", r.Plan, r.Rows)
	}

	out := filepath.Join(dir, "out")
	exec(t, s, fmt.Sprintf("COPY docs TO '%s/'", out))
	if r := exec(t, plain, fmt.Sprintf("SELECT count(*) FROM parquet_scan('%s/*.parquet')", out))[0]; r.Rows[0][0] != int64(1199) {
		t.Errorf("exported rows: %v", r.Rows)
	}
	if entries, _ := os.ReadDir(filepath.Join(enc.Dir(), "staging")); len(entries) != 0 {
		t.Errorf("staging left: %v", entries)
	}
}
