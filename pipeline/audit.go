package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/objstore"
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

// VerifyAudit re-checks a published audit export: every file's size and
// SHA-256 against audit.json, the tag against the store (it must still
// name the commit exported), and, for a full export, the digest of the
// files' rows against the table at that commit. url is the export's
// folder, or its file for a one-file export.
func VerifyAudit(ctx context.Context, st *store.Store, url string, opt objstore.Options) (AuditReport, error) {
	var rep AuditReport
	bucket, key, err := objstore.Destination(opt, url)
	if err != nil {
		return rep, err
	}
	b, done, err := objstore.OpenBucket(ctx, bucket)
	if err != nil {
		return rep, err
	}
	defer done()
	manifest, folder := key+".audit.json", path.Dir(key)
	if key == "" || strings.HasSuffix(key, "/") || !strings.HasSuffix(strings.ToLower(key), ".parquet") {
		folder = strings.TrimSuffix(key, "/")
		manifest = path.Join(folder, "audit.json")
	}
	if folder == "." {
		folder = ""
	}
	data, err := b.ReadAll(ctx, manifest)
	if err != nil {
		return rep, fmt.Errorf("%s: no audit manifest (%s): %w", objstore.Redact(url), manifest, err)
	}
	m := &rep.Manifest
	if err := json.Unmarshal(data, m); err != nil || m.Format != AuditFormat {
		return rep, fmt.Errorf("%s is not an audit manifest (%v)", manifest, err)
	}
	lake := &lakeFiles{pattern: url}
	for _, f := range m.Files {
		k := path.Join(folder, f.Path)
		n, sum, err := hashObject(ctx, b, k)
		if err != nil {
			return rep, fmt.Errorf("file %s: %w", f.Path, err)
		}
		if n != f.Bytes || sum != f.SHA256 {
			return rep, fmt.Errorf("file %s: %d bytes with SHA-256 %s; the manifest says %d bytes, %s: the file changed after the export", f.Path, n, sum, f.Bytes, f.SHA256)
		}
		rep.Files++
		rep.Bytes += n
		lake.objs = append(lake.objs, objstore.Object{Bucket: bucket, Key: k, Size: n, Name: f.Path})
	}
	tag, err := st.Tag(m.Tag)
	if err != nil {
		return rep, fmt.Errorf("tag %s: %w", m.Tag, err)
	}
	if tag.Commit != m.Commit {
		return rep, fmt.Errorf("tag %s names commit %d, the export was of commit %d", m.Tag, tag.Commit, m.Commit)
	}
	if !m.Full {
		return rep, nil
	}
	t, err := st.Table(m.Table, m.Commit)
	if err != nil {
		return rep, err
	}
	want, err := st.Digest(m.Table, m.Commit)
	if err != nil {
		return rep, err
	}
	if want != m.Digest {
		return rep, fmt.Errorf("table %s at commit %d has digest %s, the manifest says %s", m.Table, m.Commit, want, m.Digest)
	}
	lake.schema = t.Schema.Plain()
	d := store.NewDigester(t.Schema)
	for i := range lake.objs {
		err := lake.scanFile(ctx, i, nil, func(r store.Row) error { return d.Add(r) })
		if err != nil {
			return rep, fmt.Errorf("file %s: %w", lake.objs[i].Name, err)
		}
	}
	rep.Rows, rep.Digest = d.Rows(), d.Sum()
	if rep.Digest != want {
		return rep, fmt.Errorf("the files' %d rows have digest %s; table %s at commit %d (tag %s) has %s", rep.Rows, rep.Digest, m.Table, m.Commit, m.Tag, want)
	}
	return rep, nil
}

func hashObject(ctx context.Context, b *blob.Bucket, key string) (int64, string, error) {
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		return 0, "", err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	return n, hex.EncodeToString(h.Sum(nil)), err
}
