package datasets

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// Backups of a store go to any bucket URL or folder, one dated folder per
// backup, URL/YYYY_MM_DD/HH_mm_SS_sss/store.backup, listed in
// URL/manifest.json (written last: a backup exists once listed). A full
// backup holds every version of every key up to the head, so that every
// commit stays readable after a restore; an incremental one the versions
// written since the backup before it.

// BackupFormat names the backup manifest's layout.
const BackupFormat = "lakelink.backups/1"

// BackupManifest is URL/manifest.json of a backup location.
type BackupManifest struct {
	Format  string         `json:"format"`
	Backups []BackupRecord `json:"backups"` // oldest first
}

// BackupRecord is one backup.
type BackupRecord struct {
	Version     string `json:"version"` // its folder, YYYY_MM_DD/HH_mm_SS_sss
	Created     string `json:"created"`
	Incremental bool   `json:"incremental"`
	Base        string `json:"base,omitempty"` // the backup an incremental one follows
	Since       uint64 `json:"since"`          // first commit included (0 for full)
	Head        uint64 `json:"head"`           // the store's head it covers
	File        string `json:"file"`
	Bytes       int64  `json:"bytes"`
	SHA256      string `json:"sha256"`
	// Encrypted: the backup of an encrypted store, which restores only
	// with its key (store.Backup).
	Encrypted bool `json:"encrypted,omitempty"`
}

func readBackups(ctx context.Context, b *blob.Bucket, prefix string) (BackupManifest, error) {
	m := BackupManifest{Format: BackupFormat}
	data, err := b.ReadAll(ctx, prefix+"manifest.json")
	if objstore.IsNotFound(err) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil || m.Format != BackupFormat {
		return m, fmt.Errorf("%smanifest.json is not a backup manifest (%v)", prefix, err)
	}
	return m, nil
}

// CreateBackup backs the store up to url: incrementally when asked and a
// backup exists there (else in full).
func CreateBackup(ctx context.Context, st *store.Store, url string, incremental bool, opt objstore.Options) (BackupRecord, error) {
	b, prefix, m, done, err := openBackups(ctx, url, opt)
	if err != nil {
		return BackupRecord{}, err
	}
	defer done()
	now := time.Now().UTC()
	version := func(t time.Time) string {
		return t.Format("2006_01_02/15_04_05_") + fmt.Sprintf("%03d", t.Nanosecond()/1e6)
	}
	// A backup's folder sorts after the last one's, even within the same
	// millisecond: two backups must not share a folder.
	for len(m.Backups) > 0 && version(now) <= m.Backups[len(m.Backups)-1].Version {
		now = now.Add(time.Millisecond)
	}
	rec := BackupRecord{Version: version(now), Created: now.Format(time.RFC3339Nano)}
	if incremental && len(m.Backups) > 0 {
		last := m.Backups[len(m.Backups)-1]
		rec.Incremental, rec.Base, rec.Since = true, last.Version, last.Head+1
	}
	rec.File = rec.Version + "/store.backup"
	rec.Encrypted = st.Encrypted()
	w, err := b.NewWriter(ctx, prefix+rec.File, nil)
	if err != nil {
		return rec, err
	}
	hw := objstore.NewHashWriter(w)
	if rec.Head, err = st.Backup(ctx, hw, rec.Since); err != nil {
		w.Close()
		_ = b.Delete(context.WithoutCancel(ctx), prefix+rec.File)
		return rec, fmt.Errorf("backup: %w", err)
	}
	if err := w.Close(); err != nil {
		return rec, fmt.Errorf("backup: %w", err)
	}
	rec.Bytes, rec.SHA256 = hw.Size(), hw.SHA256()
	m.Backups = append(m.Backups, rec)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return rec, err
	}
	return rec, b.WriteAll(ctx, prefix+"manifest.json", append(data, '\n'), nil)
}

// ListBackups lists the backups at url, oldest first.
func ListBackups(ctx context.Context, url string, opt objstore.Options) ([]BackupRecord, error) {
	_, _, m, done, err := openBackups(ctx, url, opt)
	if err != nil {
		return nil, err
	}
	done()
	return m.Backups, nil
}

// openBackups opens a backup location and reads its manifest; call done
// when finished with the bucket.
func openBackups(ctx context.Context, url string, opt objstore.Options) (*blob.Bucket, string, BackupManifest, func(), error) {
	b, _, prefix, done, err := openDataset(ctx, url, opt)
	if err != nil {
		return nil, "", BackupManifest{}, nil, err
	}
	m, err := readBackups(ctx, b, prefix)
	if err != nil {
		done()
		return nil, "", m, nil, err
	}
	return b, prefix, m, done, nil
}

// RestoreBackup restores into target the latest backup at url, or with
// from the latest made at or before that time (RFC 3339 or a version
// folder's name): its full backup, then the incremental ones up to it,
// each checked against its SHA-256 first. A target that is not empty is
// refused unless force, which empties it. key is the store's encryption
// key, if it has one.
func RestoreBackup(ctx context.Context, url, from, target string, force bool, key []byte, opt objstore.Options) (BackupRecord, error) {
	b, prefix, m, done, err := openBackups(ctx, url, opt)
	if err != nil {
		return BackupRecord{}, err
	}
	defer done()
	sort.SliceStable(m.Backups, func(i, j int) bool { return m.Backups[i].Version < m.Backups[j].Version })
	pick := -1
	fromTime, timeErr := time.Parse(time.RFC3339Nano, from)
	for i, r := range m.Backups {
		created, _ := time.Parse(time.RFC3339Nano, r.Created)
		switch {
		case from == "", timeErr == nil && !created.After(fromTime), timeErr != nil && r.Version <= from:
			pick = i
		}
	}
	if pick < 0 {
		return BackupRecord{}, fmt.Errorf("no backup at %s%s", objstore.Redact(url), map[bool]string{true: " at or before " + from}[from != ""])
	}
	chain := []BackupRecord{m.Backups[pick]}
	for chain[0].Incremental {
		base := -1
		for i, r := range m.Backups {
			if r.Version == chain[0].Base {
				base = i
			}
		}
		if base < 0 {
			return chain[len(chain)-1], fmt.Errorf("backup %s follows %s, which is not in the manifest", chain[0].Version, chain[0].Base)
		}
		// A backup follows an older one; a manifest whose chain loops is
		// damaged (and would never end).
		if m.Backups[base].Version >= chain[0].Version {
			return chain[len(chain)-1], fmt.Errorf("backup %s follows %s, which is not older: the manifest at %s is damaged", chain[0].Version, chain[0].Base, objstore.Redact(url))
		}
		chain = append([]BackupRecord{m.Backups[base]}, chain...)
	}
	if entries, err := os.ReadDir(target); err == nil && len(entries) > 0 {
		if !force {
			return chain[len(chain)-1], fmt.Errorf("restore target %s is not empty (--force replaces its contents)", target)
		}
		for _, e := range entries {
			if err := os.RemoveAll(filepath.Join(target, e.Name())); err != nil {
				return chain[len(chain)-1], err
			}
		}
	}
	// Check every file first (streaming), so that a damaged backup loads
	// nothing; then stream them again into the store.
	var readers []io.Reader
	for _, r := range chain {
		n, sum, err := HashObject(ctx, b, prefix+r.File)
		if err != nil {
			return r, fmt.Errorf("backup %s: %w", r.Version, err)
		}
		if n != r.Bytes || sum != r.SHA256 {
			return r, fmt.Errorf("backup %s: %s does not match its size and SHA-256 in the manifest", r.Version, r.File)
		}
		rd, err := b.NewReader(ctx, prefix+r.File, nil)
		if err != nil {
			return r, err
		}
		defer rd.Close()
		readers = append(readers, rd)
	}
	if err := store.Restore(target, readers, store.Options{EncryptionKey: key}); err != nil {
		return chain[len(chain)-1], err
	}
	// Copies of the cold files (CopyColdFiles): the restored store reads a
	// cold file from them when its own location no longer has it.
	it := b.List(&blob.ListOptions{Prefix: prefix + coldCopies})
	if _, err := it.Next(ctx); err == nil {
		if err := tiering.SetMirror(target, tiering.Join(url, coldCopies)); err != nil {
			return chain[len(chain)-1], err
		}
	}
	return chain[len(chain)-1], nil
}

// coldCopies is the folder of a backup location holding copies of the
// store's cold files, named by their SHA-256.
const coldCopies = "cold/"

// CopyColdFiles copies into the backup location url (under cold/) every
// cold file that a commit the store keeps lists, named by its SHA-256:
// the files a backup lists but does not hold. A file already there is not
// copied again; each copy is checked against its SHA-256. A store
// restored from url reads a cold file from these copies when its own
// location no longer has it (tiering.Mirror). It returns the files
// copied and their bytes.
func CopyColdFiles(ctx context.Context, st *store.Store, url string, opt objstore.Options) (int, int64, error) {
	b, _, prefix, done, err := openDataset(ctx, url, opt)
	if err != nil {
		return 0, 0, err
	}
	defer done()
	n, bytes := 0, int64(0)
	seen := map[string]bool{}
	err = st.ColdReferences(func(_ uint32, f store.ColdFile) error {
		key := prefix + coldCopies + tiering.MirrorKey(f)
		if seen[key] {
			return nil
		}
		seen[key] = true
		if ok, err := b.Exists(ctx, key); err != nil || ok {
			return err
		}
		obj, err := tiering.Object(f)
		if err != nil {
			return err
		}
		r, err := objstore.Open(ctx, obj)
		if err != nil {
			return err
		}
		defer r.Close()
		w, err := b.NewWriter(ctx, key, nil)
		if err != nil {
			return err
		}
		hw := objstore.NewHashWriter(w)
		if _, err := io.Copy(hw, r); err != nil {
			w.Close()
			_ = b.Delete(context.WithoutCancel(ctx), key)
			return objstore.ObjectError(obj.Name, err)
		}
		if hw.SHA256() != f.SHA256 {
			w.Close()
			_ = b.Delete(context.WithoutCancel(ctx), key)
			return fmt.Errorf("cold file %s: SHA-256 %s, the catalog lists %s", obj.Name, hw.SHA256(), f.SHA256)
		}
		if err := w.Close(); err != nil {
			return err
		}
		n++
		bytes += f.Bytes
		return nil
	})
	return n, bytes, err
}
