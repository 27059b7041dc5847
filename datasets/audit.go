package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"

	"gocloud.dev/blob"
)

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
	Full   bool   `json:"full"`
	Digest string `json:"digest"`
	Rows   int64  `json:"rows"`
	Files  []File `json:"files"` // paths relative to the manifest's folder
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
