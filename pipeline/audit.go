package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"

	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/store"
)

// An audit export (COPY t TO 'url' WITH (at_tag = 'q1-audit')) reproduces
// the table as a tag pins it: the rows in key order, read in ranges that
// do not depend on the machine, written with fixed settings and metadata
// (no times, no versions), HNSW graphs built by one thread. The same tag
// and options give byte-identical files every time. audit.json, beside
// the files, lists each with its SHA-256; VerifyAudit checks the files
// against it and against the store.

// AuditFormat names audit.json's layout.
const AuditFormat = "lakelink.audit/1"

// AuditManifest is an audit export's audit.json.
type AuditManifest struct {
	Format string `json:"format"`
	Table  string `json:"table"`
	Tag    string `json:"tag"`
	Commit uint64 `json:"commit"`
	// Full says the export holds every row and column of the table, so
	// that Digest, the table's digest at the commit, must equal the
	// digest of the files' rows.
	Full   bool          `json:"full"`
	Digest string        `json:"digest"`
	Rows   int64         `json:"rows"`
	Files  []DatasetFile `json:"files"` // paths relative to the manifest's folder
}

// auditKey is where an export's audit.json goes: in its folder, or beside
// its one file.
func (p *exportPlan) auditKey() string {
	if p.out.File != "" {
		return p.key + ".audit.json"
	}
	return p.final + "audit.json"
}

func (p *exportPlan) writeAudit(ctx context.Context, st *store.Store, b *blob.Bucket, files []sinks.WrittenFile) error {
	m := AuditManifest{Format: AuditFormat, Table: p.table.Name, Tag: p.ex.Options.AtTag, Commit: p.at,
		Full: p.snap.Filter == nil && p.snap.Columns == nil}
	var err error
	if m.Digest, err = st.Digest(p.table.Name, p.at); err != nil {
		return err
	}
	for _, f := range files {
		m.Rows += f.Rows
		m.Files = append(m.Files, DatasetFile{Path: f.Key, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256})
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return b.WriteAll(ctx, p.auditKey(), append(data, '\n'), &blob.WriterOptions{ContentType: "application/json"})
}

// AuditReport is what VerifyAudit checked.
type AuditReport struct {
	Manifest AuditManifest
	Files    int
	Bytes    int64
	Rows     uint64
	Digest   string // of the files' rows, when the export is full
}

func HashObject(ctx context.Context, b *blob.Bucket, key string) (int64, string, error) {
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		return 0, "", err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	return n, hex.EncodeToString(h.Sum(nil)), err
}
