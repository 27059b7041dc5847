package datasets

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/objstore"
)

// A dated dataset is a folder of export versions, URL/YYYY_MM_DD/HH_mm_SS_sss/,
// and URL/manifest.json listing them. A version exists once the manifest
// lists it: its files are written first, the manifest last, so a reader
// that goes by the manifest never sees a partial version.
//
// The manifest is replaced whole on every change; two exports to one
// dataset at the same moment race, and the later write wins.

// ManifestFormat names the manifest's layout.
const ManifestFormat = "lakelink.dataset/1"

// Manifest is URL/manifest.json.
type Manifest struct {
	Format   string    `json:"format"`
	Versions []Version `json:"versions"` // oldest first
}

// Version is one export in a dataset.
type Version struct {
	Version   string   `json:"version"`          // its folder, YYYY_MM_DD/HH_mm_SS_sss
	Created   string   `json:"created"`          // RFC 3339, UTC
	Table     string   `json:"table,omitempty"`  // a one-table export
	Tables    []string `json:"tables,omitempty"` // a whole-dataset export: one folder per table
	Source    string   `json:"source,omitempty"` // an ingest: where the files came from
	Commit    uint64   `json:"commit,omitempty"` // the store commit exported
	Statement string   `json:"statement,omitempty"`
	Rows      int64    `json:"rows,omitempty"`
	Bytes     int64    `json:"bytes"`
	Files     []File   `json:"files"`
}

// File is one file of a version; Path is relative to the dataset.
type File struct {
	Path   string `json:"path"`
	Rows   int64  `json:"rows,omitempty"` // exported files; 0 for raw files
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

func manifestKey(prefix string) string { return prefix + "manifest.json" }

func readManifest(ctx context.Context, b *blob.Bucket, prefix string) (Manifest, error) {
	m := Manifest{Format: ManifestFormat}
	data, err := b.ReadAll(ctx, manifestKey(prefix))
	if objstore.IsNotFound(err) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%s: %w", manifestKey(prefix), err)
	}
	if m.Format != ManifestFormat {
		return m, fmt.Errorf("%s: format %q, not %s", manifestKey(prefix), m.Format, ManifestFormat)
	}
	return m, nil
}

func writeManifest(ctx context.Context, b *blob.Bucket, prefix string, m Manifest) error {
	sort.Slice(m.Versions, func(i, j int) bool { return m.Versions[i].Version < m.Versions[j].Version })
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return b.WriteAll(ctx, manifestKey(prefix), append(data, '\n'), &blob.WriterOptions{ContentType: "application/json"})
}

// RecordVersion adds a version to the dataset's manifest: the moment it is
// published.
func RecordVersion(ctx context.Context, b *blob.Bucket, prefix string, v Version) error {
	m, err := readManifest(ctx, b, prefix)
	if err != nil {
		return err
	}
	m.Versions = append(m.Versions, v)
	return writeManifest(ctx, b, prefix, m)
}

// openDataset opens a dataset URL's bucket and its folder prefix.
func openDataset(ctx context.Context, url string, opt objstore.Options) (b *blob.Bucket, bucket, key string, done func(), err error) {
	bucket, key, err = objstore.Destination(opt, url)
	if err != nil {
		return nil, "", "", nil, err
	}
	if key != "" && key[len(key)-1] != '/' {
		key += "/"
	}
	b, done, err = objstore.OpenBucket(ctx, bucket)
	return b, bucket, key, done, err
}

// Versions lists a dataset's versions, oldest first.
func Versions(ctx context.Context, url string, opt objstore.Options) ([]Version, error) {
	if missingFolder(url) {
		return nil, nil // no versions, and no folder made to say so
	}
	b, _, prefix, done, err := openDataset(ctx, url, opt)
	if err != nil {
		return nil, err
	}
	defer done()
	m, err := readManifest(ctx, b, prefix)
	return m.Versions, err
}

// Prune keeps a dataset's newest keep versions and deletes the
// rest: first from the manifest, then their files, so that no listed
// version ever lacks a file. It returns the versions removed.
func Prune(ctx context.Context, url string, keep int, opt objstore.Options) ([]Version, error) {
	if keep < 1 {
		return nil, fmt.Errorf("prune keeps at least one version (--keep %d)", keep)
	}
	if missingFolder(url) {
		return nil, nil
	}
	b, bucket, prefix, done, err := openDataset(ctx, url, opt)
	if err != nil {
		return nil, err
	}
	defer done()
	m, err := readManifest(ctx, b, prefix)
	if err != nil || len(m.Versions) <= keep {
		return nil, err
	}
	cut := len(m.Versions) - keep
	gone := append([]Version(nil), m.Versions[:cut]...)
	m.Versions = m.Versions[cut:]
	if err := writeManifest(ctx, b, prefix, m); err != nil {
		return nil, err
	}
	for _, v := range gone {
		if err := objstore.RemovePrefix(ctx, b, bucket, prefix+v.Version+"/"); err != nil {
			return gone, err
		}
	}
	return gone, nil
}

// UpdateFile replaces the size and SHA-256 of one file of a listed
// version (f.Path, relative to the dataset), as a deferred export's
// background step changes the file.
func UpdateFile(ctx context.Context, b *blob.Bucket, prefix, version string, f File) error {
	m, err := readManifest(ctx, b, prefix)
	if err != nil {
		return err
	}
	for i := range m.Versions {
		if m.Versions[i].Version != version {
			continue
		}
		v := &m.Versions[i]
		for j := range v.Files {
			if v.Files[j].Path == f.Path {
				v.Bytes += f.Bytes - v.Files[j].Bytes
				v.Files[j].Bytes, v.Files[j].SHA256 = f.Bytes, f.SHA256
				return writeManifest(ctx, b, prefix, m)
			}
		}
		return fmt.Errorf("version %s lists no file %s", version, f.Path)
	}
	return fmt.Errorf("no version %s (pruned?)", version)
}

// eachObject calls fn for every object b lists with opts, in order, and
// returns the first error of the listing or of fn.
func eachObject(ctx context.Context, b *blob.Bucket, opts *blob.ListOptions, fn func(*blob.ListObject) error) error {
	it := b.List(opts)
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(obj); err != nil {
			return err
		}
	}
}
