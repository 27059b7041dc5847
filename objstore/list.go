package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"gocloud.dev/blob"
)

// Pattern is one input pattern resolved to a bucket and a key glob, with
// the connection options applied. It is plain data, so workers list with
// it too.
type Pattern struct {
	Text    string `json:"text"`    // as written, query redacted
	Bucket  string `json:"bucket"`  // local folder or bucket URL
	Key     string `json:"key"`     // key, glob, or prefix ending in /
	Display string `json:"display"` // what object names start with
}

// exact reports whether the pattern names one object.
func (p Pattern) exact() bool {
	return p.Key != "" && !hasMeta(p.Key) && !strings.HasSuffix(p.Key, "/")
}

// matches reports whether the pattern names the object at full, a bucket
// and key joined by /. (Two patterns may root one local file at different
// folders: /d/a/x.parquet and /d/**/x.parquet.)
func (p Pattern) matches(full string) bool {
	rest, ok := strings.CutPrefix(full, p.Bucket+"/")
	return ok && keyMatches(p.Key, rest)
}

// Patterns resolves input patterns: paths, globs (*, ?, [..], and ** for
// any number of folders), or prefixes ending in /.
func Patterns(opt Options, patterns ...string) ([]Pattern, error) {
	out := make([]Pattern, 0, len(patterns))
	for _, text := range patterns {
		// URL@latest, @YYYY_MM_DD, @YYYY_MM_DD/HH_mm_SS_sss: a version's
		// folder, through the dataset's manifest (version.go).
		resolved, err := resolveVersion(context.Background(), opt, text)
		if err != nil {
			return nil, err
		}
		bucket, key, disp, err := location(resolved)
		if err != nil {
			return nil, err
		}
		if bucket, err = opt.apply(bucket); err != nil {
			return nil, err
		}
		if !strings.Contains(bucket, "://") {
			if _, err := os.Stat(bucket); err != nil {
				return nil, fmt.Errorf("no objects match %s (folder %s does not exist)", text, bucket)
			}
			if key != "" && !hasMeta(key) && !strings.HasSuffix(key, "/") {
				if st, err := os.Stat(bucket + "/" + key); err == nil && st.IsDir() {
					key += "/" // a local folder names everything under it
				}
			}
		}
		out = append(out, Pattern{Text: redact(text), Bucket: bucket, Key: key, Display: disp})
	}
	return out, nil
}

// List calls fn for each object the patterns match: pattern by pattern,
// and within a pattern in ascending key order (bytewise). An object that
// an earlier pattern matched is not repeated. Listing is paged: only one
// page of names (a folder's entries, for local paths) is in memory at a
// time, however many objects match. A pattern that matches nothing is an
// error naming it. An error from fn ends the listing and is returned.
func List(ctx context.Context, pats []Pattern, fn func(Object) error) error {
	for i, p := range pats {
		n, err := listPattern(ctx, p, func(o Object) error {
			for _, q := range pats[:i] {
				if q.matches(p.Bucket + "/" + o.Key) {
					return nil
				}
			}
			return fn(o)
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("no objects match %s", p.Text)
		}
	}
	return nil
}

// First returns the first object that List would pass to fn and that
// keep accepts (nil keeps every object); found is false when none is. It
// lists no further than it must, but checks that every pattern matches
// something.
func First(ctx context.Context, pats []Pattern, keep func(Object) (bool, error)) (first Object, found bool, err error) {
	for _, p := range pats {
		matched := false
		_, err := listPattern(ctx, p, func(o Object) error {
			matched = true
			if found {
				return errStop
			}
			ok := true
			if keep != nil {
				var err error
				if ok, err = keep(o); err != nil {
					return err
				}
			}
			if ok {
				first, found = o, true
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			return Object{}, false, err
		}
		if !matched {
			return Object{}, false, fmt.Errorf("no objects match %s", p.Text)
		}
	}
	return first, found, nil
}

// listPattern calls fn for every object of one pattern and returns how
// many matched.
func listPattern(ctx context.Context, p Pattern, fn func(Object) error) (int, error) {
	b, done, err := OpenBucket(ctx, p.Bucket)
	if err != nil {
		return 0, err
	}
	defer done()
	if p.exact() {
		attrs, err := b.Attributes(ctx, p.Key)
		if err != nil {
			return 0, ObjectError(p.Text, err)
		}
		return 1, fn(Object{Bucket: p.Bucket, Key: p.Key, Size: attrs.Size, Name: p.Display + p.Key})
	}
	prefix := p.Key
	if i := strings.IndexAny(prefix, "*?["); i >= 0 {
		prefix = prefix[:i]
	}
	n := 0
	visit := func(key string, size int64) error {
		if !keyMatches(p.Key, key) || path.Base(key) == manifestName {
			return nil // a dataset's manifest is never data
		}
		n++
		return fn(Object{Bucket: p.Bucket, Key: key, Size: size, Name: p.Display + key})
	}
	if !strings.Contains(p.Bucket, "://") {
		return n, walkLocal(p.Bucket, prefix, visit)
	}
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, ObjectError(p.Text, err)
		}
		if obj.IsDir {
			continue
		}
		if err := visit(obj.Key, obj.Size); err != nil {
			return n, err
		}
	}
}

// walkLocal visits the files under root whose keys (slash-separated paths
// relative to root) start with prefix, in bytewise key order: within a
// folder a subfolder sorts as its name plus "/", which is where its keys
// fall. Only the entries of the folders being walked are in memory.
// (gocloud's fileblob re-walks the whole tree for every page of 1,000.)
func walkLocal(root, prefix string, visit func(key string, size int64) error) error {
	dir := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir = prefix[:i+1]
	}
	var walk func(rel string) error
	walk = func(rel string) error {
		entries, err := os.ReadDir(path.Join(root, rel))
		if err != nil {
			if rel == dir && errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("list %s: %w", path.Join(root, rel), err)
		}
		sortKey := func(i int) string {
			if entries[i].IsDir() {
				return entries[i].Name() + "/"
			}
			return entries[i].Name()
		}
		sort.Slice(entries, func(i, j int) bool { return sortKey(i) < sortKey(j) })
		for i, e := range entries {
			key := rel + sortKey(i)
			// Prune folders that cannot hold a key with the prefix.
			if !strings.HasPrefix(key, prefix) && !strings.HasPrefix(prefix, key) {
				continue
			}
			if e.IsDir() {
				if err := walk(key); err != nil {
					return err
				}
				continue
			}
			info, err := e.Info()
			if err == nil && info.Mode()&os.ModeSymlink != 0 {
				info, err = os.Stat(path.Join(root, key)) // a link to a file
			}
			if err != nil || !info.Mode().IsRegular() {
				continue // removed while listing, a device, a link to a folder
			}
			if err := visit(key, info.Size()); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(dir)
}

// errStop ends a walk (a listing) early without an error.
var errStop = errors.New("stop")
