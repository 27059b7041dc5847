package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// VerifyAudit re-checks a published audit export: every file's size and
// SHA-256 against audit.json, the tag against the store (it must still
// name the commit exported), and, for a full export, the digest of the
// files' rows against the table at that commit. url is the export's
// folder, or its file for a one-file export.
func VerifyAudit(ctx context.Context, st *store.Store, url string, opt objstore.Options) (datasets.AuditReport, error) {
	var rep datasets.AuditReport
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
	if objstore.IsNotFound(err) {
		return rep, fmt.Errorf("%s: no audit manifest there, %s not found (an export WITH (at_tag = 'TAG') writes one)", objstore.Redact(url), path.Base(manifest))
	}
	if err != nil {
		return rep, fmt.Errorf("%s: reading the audit manifest: %w", objstore.Redact(url), objstore.ObjectError(manifest, err))
	}
	m := &rep.Manifest
	if err := json.Unmarshal(data, m); err != nil || m.Format != datasets.AuditFormat {
		return rep, fmt.Errorf("%s is not an audit manifest (%v)", manifest, err)
	}
	lake := &lakeFiles{pattern: url}
	for _, f := range m.Files {
		k := path.Join(folder, f.Path)
		n, sum, err := datasets.HashObject(ctx, b, k)
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
	want, err := tiering.Digest(ctx, st, m.Table, m.Commit)
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
