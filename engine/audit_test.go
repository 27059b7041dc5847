package engine_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/store"
)

// Two audit exports of one tag, made after the table changed, are
// byte-identical (files and audit.json) and hold the rows as tagged;
// VerifyAudit passes them and catches one flipped byte.
func TestAuditExportIsReproducible(t *testing.T) {
	s := session(t, "direct")
	fillEveryType(t, s, "src", 9000)
	if _, err := s.CreateTag("q1-audit", 0, "Q1 report"); err != nil {
		t.Fatal(err)
	}
	tagged := digest(t, s, "src")
	// Change the table after tagging: one row rewritten.
	c, _ := s.Store.Begin("edit")
	ti, _ := c.Table("src")
	row := everyTypeRow(5)
	row[1] = "changed"
	pk, _ := store.KeyOf(ti.Schema, row[0])
	v, _ := store.EncodeRow(ti.Schema, row)
	c.Put(ti, pk, v)
	c.Finish()
	if digest(t, s, "src") == tagged {
		t.Fatal("the edit changed nothing")
	}

	root := t.TempDir()
	var dirs []string
	for i := 0; i < 2; i++ {
		dir := filepath.Join(root, []string{"a", "b"}[i])
		exec(t, s, "COPY src TO '"+dir+"/' WITH (at_tag = 'q1-audit', vector_index = 'hnsw', max_file_size = '64KB')")
		dirs = append(dirs, dir)
	}
	files := parquetFiles(t, dirs[0])
	if len(files) < 2 {
		t.Fatalf("%d files", len(files))
	}
	for _, f := range append(files, "audit.json") {
		a, _ := os.ReadFile(filepath.Join(dirs[0], f))
		b, err := os.ReadFile(filepath.Join(dirs[1], f))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two exports of the tag (%v)", f, err)
		}
	}
	rep, err := engine.VerifyAudit(context.Background(), s.Store, dirs[0], objstore.Options{})
	if err != nil || rep.Rows != 9000 || rep.Digest != tagged || rep.Files != len(files) {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	// One flipped byte in one file.
	p := filepath.Join(dirs[1], files[1])
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 1
	os.WriteFile(p, data, 0o644)
	if _, err := engine.VerifyAudit(context.Background(), s.Store, dirs[1], objstore.Options{}); err == nil || !strings.Contains(err.Error(), files[1]) || !strings.Contains(err.Error(), "changed after the export") {
		t.Errorf("verify after a flipped byte: %v", err)
	}
	// Rows rewritten with checksums to match: file 0 replaced by the same
	// file exported from the head, where row 5 has another title, and
	// audit.json updated with its size and SHA-256. Only re-reading the
	// rows can tell.
	head := filepath.Join(root, "head")
	exec(t, s, "COPY src TO '"+head+"/' WITH (vector_index = 'hnsw', max_file_size = '64KB', parallel_workers = 1)")
	if got := parquetFiles(t, head); len(got) != len(files) || got[0] != files[0] {
		t.Fatalf("the head's export has files %v, the audit's %v", got, files)
	}
	forged, _ := os.ReadFile(filepath.Join(head, files[0]))
	if orig, _ := os.ReadFile(filepath.Join(dirs[0], files[0])); bytes.Equal(orig, forged) {
		t.Fatal("file 0 is the same at the tag and at the head")
	}
	os.WriteFile(filepath.Join(dirs[0], files[0]), forged, 0o644)
	var m datasets.AuditManifest
	raw, _ := os.ReadFile(filepath.Join(dirs[0], "audit.json"))
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(forged)
	for i := range m.Files {
		if m.Files[i].Path == files[0] {
			m.Files[i].SHA256, m.Files[i].Bytes = hex.EncodeToString(sum[:]), int64(len(forged))
		}
	}
	raw, _ = json.Marshal(m)
	os.WriteFile(filepath.Join(dirs[0], "audit.json"), raw, 0o644)
	if _, err := engine.VerifyAudit(context.Background(), s.Store, dirs[0], objstore.Options{}); err == nil || !strings.Contains(err.Error(), "digest") {
		t.Errorf("verify after rows were rewritten with matching checksums: %v", err)
	}
	if _, err := s.Exec(context.Background(), "COPY src TO '"+root+"/c/' WITH (at_tag = 'nope')"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown tag: %v", err)
	}
}
