package objstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"gocloud.dev/gcerrors"
)

// Object is one matched input object. Bucket and Key reopen it from any
// process: Bucket is a local folder (absolute) or a gocloud bucket URL.
type Object struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	// Name is how errors and provenance refer to the object: the local path
	// or the full URL.
	Name string `json:"name"`
}

// Local reports whether the object is in a local folder (not a bucket URL).
func (o Object) Local() bool { return !strings.Contains(o.Bucket, "://") }

// location splits a user pattern into a bucket and a key pattern. In a URL
// the key is taken literally (no percent-decoding: object keys may contain
// %), and a ? starts the query only when key=value pairs follow it. Local
// paths (with or without file://) become a folder bucket rooted at the
// longest folder prefix that holds no glob character.
func location(pattern string) (bucket, keyPattern, display string, err error) {
	if strings.HasPrefix(pattern, "file://") {
		pattern = strings.TrimPrefix(pattern, "file://")
	} else if i := strings.Index(pattern, "://"); i > 0 {
		// A glob may contain ?, so the query starts only at a ? followed by
		// key=value pairs.
		rest, query := pattern, ""
		if q := queryStart(pattern); q >= 0 {
			rest, query = pattern[:q], pattern[q+1:]
		}
		u, err := url.Parse(strings.ReplaceAll(strings.ReplaceAll(rest, "%", "%25"), "?", "%3F"))
		if err != nil {
			return "", "", "", fmt.Errorf("bad URL %q: %w", redact(pattern), err)
		}
		u.RawQuery = query
		key := strings.TrimPrefix(u.Path, "/")
		if strings.Contains("/"+key+"/", "/../") {
			return "", "", "", fmt.Errorf("bad URL %q: key escapes the bucket", redact(pattern))
		}
		b := u.Scheme + "://" + u.Host
		if u.RawQuery != "" {
			b += "?" + u.RawQuery
		}
		return b, key, u.Scheme + "://" + u.Host + "/", nil
	}
	abs, err := filepath.Abs(pattern)
	if err != nil {
		return "", "", "", err
	}
	abs = filepath.ToSlash(abs)
	dir := abs
	for hasMeta(dir) || dir != path.Dir(dir) && hasMeta(path.Base(dir)) {
		dir = path.Dir(dir)
	}
	if dir == abs { // a plain file path, or a folder
		dir = path.Dir(abs)
	}
	key := strings.TrimPrefix(strings.TrimPrefix(abs, dir), "/")
	if strings.HasSuffix(pattern, "/") && key != "" {
		key += "/"
	}
	if strings.HasSuffix(pattern, "/") && key == "" && dir == abs {
		key = path.Base(abs) + "/"
	}
	disp := strings.TrimSuffix(pattern, filepath.ToSlash(key))
	return dir, key, disp, nil
}

// queryStart returns the index of the ? that starts a URL's query, or -1:
// the last ? after which every &-separated part is key=value.
func queryStart(u string) int {
	for i := strings.LastIndexByte(u, '?'); i >= 0; i = strings.LastIndexByte(u[:i], '?') {
		ok := i+1 < len(u)
		for _, part := range strings.Split(u[i+1:], "&") {
			if k, _, found := strings.Cut(part, "="); !found || k == "" || strings.ContainsAny(k, "/*[") {
				ok = false
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// redact drops the query of a URL, which may carry credentials.
func redact(u string) string {
	if i := queryStart(u); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}

// Match lists the objects that the patterns name, in List's order. It
// holds them all: an import streams the listing instead (List).
func Match(ctx context.Context, patterns ...string) ([]Object, error) {
	return MatchWith(ctx, Options{}, patterns...)
}

// MatchWith is Match with connection options (COPY's WITH region, endpoint,
// credentials) for the bucket URLs among the patterns.
func MatchWith(ctx context.Context, opt Options, patterns ...string) ([]Object, error) {
	pats, err := Patterns(opt, patterns...)
	if err != nil {
		return nil, err
	}
	var out []Object
	err = List(ctx, pats, func(o Object) error {
		out = append(out, o)
		return nil
	})
	return out, err
}

// keyMatches matches a key against a glob. A pattern ending in / matches
// everything under it; ** matches any number of folders.
func keyMatches(pattern, key string) bool {
	if pattern == "" || strings.HasSuffix(pattern, "/") {
		return strings.HasPrefix(key, pattern)
	}
	return matchSegments(strings.Split(pattern, "/"), strings.Split(key, "/"))
}

func matchSegments(pat, key []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(key); i++ {
				if matchSegments(pat[1:], key[i:]) {
					return true
				}
			}
			return false
		}
		if len(key) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], key[0]); !ok || err != nil {
			return false
		}
		pat, key = pat[1:], key[1:]
	}
	return len(key) == 0
}

// ObjectError names an object in a read error, its URL redacted: not found
// and access denied in words, anything else wrapped.
func ObjectError(name string, err error) error {
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return fmt.Errorf("object %s: %w", redact(name), ErrNotFound)
	case gcerrors.PermissionDenied:
		return fmt.Errorf("object %s: access denied", redact(name))
	}
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("object %s: %w", redact(name), ErrNotFound)
	}
	return fmt.Errorf("object %s: %w", redact(name), err)
}

// Destination splits an export's URL (or local path) into the bucket to
// open and the key under it: a folder when it ends in /, else one object.
// A local destination's folder is created. Wildcards are refused.
func Destination(opt Options, u string) (bucket, key string, err error) {
	if hasMeta(strings.SplitN(u, "?", 2)[0]) {
		return "", "", fmt.Errorf("export destination %s: wildcards name inputs, not a destination", redact(u))
	}
	bucket, key, _, err = location(u)
	if err != nil {
		return "", "", err
	}
	if !strings.Contains(bucket, "://") {
		if err := os.MkdirAll(bucket, 0o755); err != nil {
			return "", "", err
		}
	}
	bucket, err = opt.apply(bucket)
	return bucket, key, err
}

// Split splits a URL (or local path) of one object or folder into its
// bucket and key, as Destination does, creating nothing and refusing
// nothing but a bad URL.
func Split(u string) (bucket, key string, err error) {
	bucket, key, _, err = location(u)
	return bucket, key, err
}

// Redact is u without its query, which may carry credentials: how errors
// and messages name a URL.
func Redact(u string) string { return redact(u) }

// IsNotFound reports whether a bucket error means the object does not
// exist.
func IsNotFound(err error) bool {
	return gcerrors.Code(err) == gcerrors.NotFound || errors.Is(err, ErrNotFound)
}

// ErrNotFound is wrapped by the errors that say an object is not there
// (ObjectError).
var ErrNotFound = errors.New("not found")

// ReadStats count, for one object, what a format's reader planned to read
// of it; the commit records them as the import's sources.
type ReadStats struct {
	Index int `json:"index"` // the object's rank in input order
	// The object read: its name, and its version (File.Version), for the
	// commit's record of its sources.
	Object          string `json:"object"`
	Version         string `json:"version,omitempty"`
	Objects         int64  `json:"objects"`
	Bytes           int64  `json:"bytes"`
	RowGroups       int64  `json:"row_groups"`
	RowGroupsPruned int64  `json:"row_groups_pruned"` // skipped on statistics
}
