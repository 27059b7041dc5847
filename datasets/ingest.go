package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/objstore"
)

// The landing zone keeps raw files as they arrived, before any import:
// LAKE/raw/NAME/YYYY_MM_DD/HH_mm_SS_sss/ (UTC) per ingest, listed in
// LAKE/raw/NAME/manifest.json in the dated-dataset layout, so that
// LAKE/raw/NAME@latest is a source like any dated export.
//
// Invariants:
//   - a version is in the manifest only once every file of it is written
//     and hashed (files first, manifest last); a failed ingest removes its
//     folder and lists nothing;
//   - a version folder is never written twice: an ingest whose millisecond
//     already has a folder (listed, or pending from --manual) fails;
//   - a pending version (BeginManual) is a folder holding the marker
//     object pendingMarker until RegisterManual lists it.

// pendingMarker marks a version that --manual opened and that is not yet
// registered; it also makes the folder exist on object stores.
const pendingMarker = ".lakelink-pending"

// RawURL is the landing-zone folder of dataset name under lake.
func RawURL(lake, name string) string {
	return strings.TrimSuffix(lake, "/") + "/raw/" + name
}

// checkName refuses dataset names that are not one plain folder name.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\@*?[") {
		return fmt.Errorf("dataset name %q: one folder name, without / \\ @ * ? [", name)
	}
	return nil
}

// Ingest is one `lakelink ingest dataset`.
type Ingest struct {
	Lake    string   // the lake root: a folder or bucket URL
	Name    string   // the dataset, raw/NAME
	From    []string // http(s) URLs, object URLs, paths or globs; folders whole
	Options objstore.Options
	// Now is the clock (time.Now when nil); tests pin the millisecond.
	Now func() time.Time
}

func (in Ingest) now() time.Time {
	if in.Now != nil {
		return in.Now().UTC()
	}
	return time.Now().UTC()
}

// versionForm is what versionName gives.
var versionForm = regexp.MustCompile(`^\d{4}_\d{2}_\d{2}/\d{2}_\d{2}_\d{2}_\d{3}$`)

// versionName is a version's folder for a moment, YYYY_MM_DD/HH_mm_SS_sss.
func versionName(t time.Time) string {
	return t.Format("2006_01_02/15_04_05_") + fmt.Sprintf("%03d", t.Nanosecond()/1e6)
}

// newVersion opens the dataset and claims a version folder for this
// millisecond, failing when it is taken.
func (in Ingest) newVersion(ctx context.Context) (b *blob.Bucket, bucket, prefix, version string, m Manifest, done func(), err error) {
	if err = checkName(in.Name); err != nil {
		return
	}
	b, bucket, prefix, done, err = openDataset(ctx, RawURL(in.Lake, in.Name), in.Options)
	if err != nil {
		return
	}
	fail := func(e error) {
		done()
		err = e
	}
	if m, err = readManifest(ctx, b, prefix); err != nil {
		fail(err)
		return
	}
	version = versionName(in.now())
	taken := false
	for _, v := range m.Versions {
		taken = taken || v.Version == version
	}
	if !taken {
		it := b.List(&blob.ListOptions{Prefix: prefix + version + "/"})
		_, e := it.Next(ctx)
		taken = e == nil
	}
	if taken {
		fail(fmt.Errorf("raw/%s/%s exists: another ingest of %s in the same millisecond; try again", in.Name, version, in.Name))
	}
	return
}

// IngestDataset copies the sources' files into a new version of the
// landing zone, streaming each through a SHA-256, and lists the version in
// the manifest once all are written. A failure removes the version.
func IngestDataset(ctx context.Context, in Ingest) (v Version, err error) {
	if len(in.From) == 0 {
		return v, fmt.Errorf("ingest %s: nothing to copy (--from URL|PATH, or --manual)", in.Name)
	}
	b, bucket, prefix, version, m, done, err := in.newVersion(ctx)
	if err != nil {
		return v, err
	}
	defer done()
	v = Version{Version: version, Source: strings.Join(redactAll(in.From), ", ")}
	defer func() {
		if err != nil {
			_ = objstore.RemovePrefix(context.Background(), b, bucket, prefix+version+"/")
			v = Version{}
		}
	}()
	seen := map[string]string{}
	put := func(name, from string, r io.Reader) error {
		if prev, dup := seen[name]; dup {
			return fmt.Errorf("two sources give the file %s (%s and %s)", name, prev, from)
		}
		seen[name] = from
		f, err := copyIn(ctx, b, prefix+version+"/"+name, r)
		if err != nil {
			return fmt.Errorf("ingest %s: %w", from, err)
		}
		f.Path = version + "/" + name
		v.Files = append(v.Files, f)
		v.Bytes += f.Bytes
		return nil
	}
	for _, src := range in.From {
		if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
			if err := fetchHTTP(ctx, src, put); err != nil {
				return v, err
			}
			continue
		}
		if err := copyObjects(ctx, in.Options, src, put); err != nil {
			return v, err
		}
	}
	if len(v.Files) == 0 {
		return v, fmt.Errorf("ingest %s: the sources hold no files", in.Name)
	}
	v.Created = in.now().Format(time.RFC3339Nano)
	m.Versions = append(m.Versions, v)
	return v, writeManifest(ctx, b, prefix, m)
}

func redactAll(urls []string) []string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = redactURL(u)
	}
	return out
}

// redactURL drops what may carry credentials: a URL's query and its
// user information (https://user:password@host/...).
func redactURL(s string) string {
	s = objstore.Redact(s)
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = nil
		return u.String()
	}
	return s
}

// copyIn streams r into key, hashing it on the way.
func copyIn(ctx context.Context, b *blob.Bucket, key string, r io.Reader) (File, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.NewWriter(wctx, key, nil)
	if err != nil {
		return File{}, err
	}
	h := objstore.NewHashWriter(w)
	if _, err := io.Copy(h, r); err != nil {
		cancel() // abandons the object instead of publishing a part
		w.Close()
		return File{}, err
	}
	if err := w.Close(); err != nil {
		return File{}, err
	}
	return File{Bytes: h.Size(), SHA256: h.SHA256()}, nil
}

// fetchHTTP downloads one URL as the file named by its last path element.
func fetchHTTP(ctx context.Context, src string, put func(name, from string, r io.Reader) error) error {
	u, err := url.Parse(src)
	if err != nil {
		return fmt.Errorf("ingest %s: %w", redactURL(src), err)
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." || name == "" {
		return fmt.Errorf("ingest %s: the URL names no file (its path ends in /)", redactURL(src))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return fmt.Errorf("ingest %s: %w", redactURL(src), err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL error repeats the URL, query included
		}
		return fmt.Errorf("ingest %s: %w", redactURL(src), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("ingest %s: HTTP %s", redactURL(src), resp.Status)
	}
	// net/http fails a body that ends before its Content-Length
	// (unexpected EOF), which fails the copy.
	return put(name, redactURL(src), resp.Body)
}

// copyObjects copies the objects a path, glob or URL names; a folder
// keeps its files' paths below it.
func copyObjects(ctx context.Context, opt objstore.Options, src string, put func(name, from string, r io.Reader) error) error {
	pattern := src
	if fi, err := os.Stat(src); err == nil && fi.IsDir() && !strings.HasSuffix(src, "/") {
		pattern += "/"
	}
	pats, err := objstore.Patterns(opt, pattern)
	if err != nil {
		return fmt.Errorf("ingest %s: %w", redactURL(src), err)
	}
	n := 0
	err = objstore.List(ctx, pats, func(o objstore.Object) error {
		n++
		r, err := objstore.Open(ctx, o)
		if err != nil {
			return fmt.Errorf("ingest %s: %w", o.Name, err)
		}
		defer r.Close()
		return put(relName(pats[0].Key, o.Key), o.Name, r)
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("ingest %s: no objects match", redactURL(src))
	}
	return err
}

// relName is an object's path below the literal folder of the pattern
// that found it.
func relName(pattern, key string) string {
	dir := pattern
	if i := strings.IndexAny(dir, "*?["); i >= 0 {
		dir = dir[:i]
	}
	if j := strings.LastIndexByte(dir, '/'); j >= 0 {
		dir = dir[:j+1]
	} else {
		dir = ""
	}
	if rel := strings.TrimPrefix(key, dir); rel != "" {
		return rel
	}
	return path.Base(key)
}

// BeginManual opens a pending version for files placed by hand and
// returns it with its folder; RegisterManual lists it.
func BeginManual(ctx context.Context, in Ingest) (version, folder string, err error) {
	b, _, prefix, version, _, done, err := in.newVersion(ctx)
	if err != nil {
		return "", "", err
	}
	defer done()
	if err := b.WriteAll(ctx, prefix+version+"/"+pendingMarker, nil, nil); err != nil {
		return "", "", err
	}
	return version, RawURL(in.Lake, in.Name) + "/" + version + "/", nil
}

// RegisterManual hashes the files placed in a pending version and lists
// it in the manifest.
func RegisterManual(ctx context.Context, in Ingest, version string) (Version, error) {
	if err := checkName(in.Name); err != nil {
		return Version{}, err
	}
	if !versionForm.MatchString(version) {
		return Version{}, fmt.Errorf("version %q: YYYY_MM_DD/HH_mm_SS_sss, as --manual printed it", version)
	}
	if missingFolder(RawURL(in.Lake, in.Name) + "/" + version) {
		return Version{}, fmt.Errorf("raw/%s/%s is no pending version (lakelink ingest dataset %s --manual opens one)", in.Name, version, in.Name)
	}
	b, _, prefix, done, err := openDataset(ctx, RawURL(in.Lake, in.Name), in.Options)
	if err != nil {
		return Version{}, err
	}
	defer done()
	m, err := readManifest(ctx, b, prefix)
	if err != nil {
		return Version{}, err
	}
	for _, v := range m.Versions {
		if v.Version == version {
			return Version{}, fmt.Errorf("raw/%s/%s is registered already", in.Name, version)
		}
	}
	vp := prefix + version + "/"
	if ok, _ := b.Exists(ctx, vp+pendingMarker); !ok {
		return Version{}, fmt.Errorf("raw/%s/%s is no pending version (lakelink ingest dataset %s --manual opens one)", in.Name, version, in.Name)
	}
	v := Version{Version: version, Source: "manual", Created: in.now().Format(time.RFC3339Nano)}
	err = eachObject(ctx, b, &blob.ListOptions{Prefix: vp}, func(obj *blob.ListObject) error {
		if obj.IsDir || strings.HasSuffix(obj.Key, "/"+pendingMarker) {
			return nil
		}
		size, sum, err := HashObject(ctx, b, obj.Key)
		if err != nil {
			return err
		}
		v.Files = append(v.Files, File{Path: strings.TrimPrefix(obj.Key, prefix), Bytes: size, SHA256: sum})
		v.Bytes += size
		return nil
	})
	if err != nil {
		return Version{}, err
	}
	if len(v.Files) == 0 {
		return Version{}, fmt.Errorf("raw/%s/%s holds no files yet: place them there first", in.Name, version)
	}
	m.Versions = append(m.Versions, v)
	if err := writeManifest(ctx, b, prefix, m); err != nil {
		return Version{}, err
	}
	return v, b.Delete(ctx, vp+pendingMarker)
}

// IngestState is a landing-zone dataset: its listed versions, oldest
// first, and the versions opened by --manual and not registered.
type IngestState struct {
	Name     string
	Versions []Version
	Pending  []string
}

// IngestList lists the landing zone's datasets, or one when name is set.
func IngestList(ctx context.Context, lake, name string, opt objstore.Options) ([]IngestState, error) {
	if missingFolder(RawURL(lake, name)) {
		return nil, nil // nothing ingested (and a listing creates no folder)
	}
	b, _, root, done, err := openDataset(ctx, strings.TrimSuffix(lake, "/")+"/raw", opt)
	if err != nil {
		return nil, err
	}
	defer done()
	names := []string{name}
	if name == "" {
		names = nil
		err := eachObject(ctx, b, &blob.ListOptions{Prefix: root, Delimiter: "/"}, func(obj *blob.ListObject) error {
			if obj.IsDir {
				names = append(names, strings.TrimSuffix(strings.TrimPrefix(obj.Key, root), "/"))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else if err := checkName(name); err != nil {
		return nil, err
	}
	var out []IngestState
	for _, n := range names {
		s := IngestState{Name: n}
		m, err := readManifest(ctx, b, root+n+"/")
		if err != nil {
			return nil, err
		}
		s.Versions = m.Versions
		if s.Pending, err = pending(ctx, b, root+n+"/"); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// pending lists the versions holding a pending marker.
func pending(ctx context.Context, b *blob.Bucket, prefix string) ([]string, error) {
	var out []string
	err := eachObject(ctx, b, &blob.ListOptions{Prefix: prefix}, func(obj *blob.ListObject) error {
		if strings.HasSuffix(obj.Key, "/"+pendingMarker) {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(obj.Key, prefix), "/"+pendingMarker))
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// IngestPrune removes a dataset's empty pending versions (opened by
// --manual, no file placed) and, when keep > 0, all but the newest keep
// listed versions (manifest first, then files, as Prune).
func IngestPrune(ctx context.Context, lake, name string, keep int, opt objstore.Options) (empty []string, gone []Version, err error) {
	if err := checkName(name); err != nil {
		return nil, nil, err
	}
	u := RawURL(lake, name)
	if missingFolder(u) {
		return nil, nil, fmt.Errorf("no dataset %s in %s", name, objstore.Redact(lake))
	}
	b, bucket, prefix, done, err := openDataset(ctx, u, opt)
	if err != nil {
		return nil, nil, err
	}
	defer done()
	pend, err := pending(ctx, b, prefix)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range pend {
		// A listing that fails removes nothing: a version must be seen
		// empty to go.
		files := 0
		err := eachObject(ctx, b, &blob.ListOptions{Prefix: prefix + v + "/"}, func(obj *blob.ListObject) error {
			if !obj.IsDir && !strings.HasSuffix(obj.Key, "/"+pendingMarker) {
				files++
			}
			return nil
		})
		if err != nil {
			return empty, nil, err
		}
		if files == 0 {
			if err := objstore.RemovePrefix(ctx, b, bucket, prefix+v+"/"); err != nil {
				return empty, nil, err
			}
			empty = append(empty, v)
		}
	}
	if keep > 0 {
		gone, err = Prune(ctx, u, keep, opt)
	}
	return empty, gone, err
}

// missingFolder reports whether u is a local folder that does not exist.
func missingFolder(u string) bool {
	if strings.Contains(u, "://") {
		return false
	}
	_, err := os.Stat(u)
	return os.IsNotExist(err)
}
