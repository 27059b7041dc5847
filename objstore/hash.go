package objstore

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
)

// HashWriter passes writes on and keeps their SHA-256 and byte count: what
// the lists of exported files and the backup manifests record of an
// object as it is written, without reading it again.
type HashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

// NewHashWriter hashes and counts what is written to w through it.
func NewHashWriter(w io.Writer) *HashWriter { return &HashWriter{w: w, h: sha256.New()} }

func (h *HashWriter) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// Size is the bytes written so far.
func (h *HashWriter) Size() int64 { return h.n }

// SHA256 is the hex SHA-256 of the bytes written so far.
func (h *HashWriter) SHA256() string { return hex.EncodeToString(h.h.Sum(nil)) }
