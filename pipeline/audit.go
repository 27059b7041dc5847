package pipeline

import (
	"context"
	"encoding/json"

	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// An audit export (COPY t TO 'url' WITH (at_tag = 'q1-audit')) reproduces
// the table as a tag pins it: the rows in key order, read in ranges that
// do not depend on the machine, written with fixed settings and metadata
// (no times, no versions), HNSW graphs built by one thread. The same tag
// and options give byte-identical files every time. audit.json, beside
// the files, lists each with its SHA-256; VerifyAudit checks the files
// against it and against the store.

// auditKey is where an export's audit.json goes: in its folder, or beside
// its one file.
func (p *exportPlan) auditKey() string {
	if p.out.File != "" {
		return p.key + ".audit.json"
	}
	return p.final + "audit.json"
}

func (p *exportPlan) writeAudit(ctx context.Context, st *store.Store, b *blob.Bucket, files []sinks.WrittenFile) error {
	m := datasets.AuditManifest{Format: datasets.AuditFormat, Table: p.table.Name, Tag: p.ex.Options.AtTag, Commit: p.at,
		Full: p.snap.Filter == nil && p.snap.Columns == nil}
	var err error
	if m.Digest, err = tiering.Digest(ctx, st, p.table.Name, p.at); err != nil {
		return err
	}
	for _, f := range files {
		m.Rows += f.Rows
		m.Files = append(m.Files, datasets.File{Path: f.Key, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256})
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return b.WriteAll(ctx, p.auditKey(), append(data, '\n'), &blob.WriterOptions{ContentType: "application/json"})
}
