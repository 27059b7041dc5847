package tiering

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/lakelink/lakelink/store"
)

// MirrorFile, in a store's folder, names a folder or bucket holding
// copies of the store's cold files by SHA-256 (SHA256.parquet): a backup
// made with the cold files copied. A restored store reads a cold file
// from there when the file's own location no longer has it.
const MirrorFile = "cold-mirror.json"

type mirror struct {
	URL string `json:"url"`
}

// SetMirror records url as the store's cold mirror.
func SetMirror(storeDir, url string) error {
	b, _ := json.Marshal(mirror{URL: url})
	return os.WriteFile(filepath.Join(storeDir, MirrorFile), append(b, '\n'), 0o644)
}

// Mirror is the store's cold mirror, or "".
func Mirror(storeDir string) string {
	b, err := os.ReadFile(filepath.Join(storeDir, MirrorFile))
	if err != nil {
		return ""
	}
	var m mirror
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	return m.URL
}

// MirrorKey is where a cold file's copy is under a mirror.
func MirrorKey(f store.ColdFile) string { return f.SHA256 + ".parquet" }
