package engine

import (
	"errors"
	"fmt"

	"path/filepath"
	"strings"

	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/pipeline"
)

// Access limits what a session may do: a server gives each connection
// one after its user's role. A nil Access (a Go program, the lakelink
// command on its own store) limits nothing.
type Access struct {
	// ReadOnly refuses every statement that writes the store or files:
	// only SELECT, SHOW, SET, VALUES and transaction statements run.
	ReadOnly bool
	// Roots are the local folders whose files statements may read and
	// write: COPY FROM and TO, parquet_scan, staging and cold_storage
	// folders. A local path elsewhere is refused, and so is every local
	// path when Roots is empty.
	Roots []string
	// NoURLs refuses object-store URLs (s3://, gs://, azblob://, mem://)
	// and the bucket options (endpoint, credentials): reaching a bucket
	// through the server uses the server's credentials.
	NoURLs bool
}

// ErrReadOnly refuses a writing statement to a read-only session.
var ErrReadOnly = errors.New("read-only: this user may not change the store or write files")

// ErrAccess refuses a location a session may not use.
var ErrAccess = errors.New("not allowed")

// check refuses st if the session's Access does not allow it: a writing
// statement when read-only, a location outside the roots, a bucket URL
// when URLs are refused. Table functions' locations are checked when
// their arguments are bound (openRelation).
func (a *Access) check(s *Session, st Statement) error {
	if a == nil {
		return nil
	}
	if a.ReadOnly && writes(st) {
		return fmt.Errorf("%s: %w", statementKind(st), ErrReadOnly)
	}
	var locs []location
	var bucket objstore.Options // the bucket options a COPY gives
	switch x := st.(type) {
	case Copy:
		for _, src := range x.Import.Sources {
			locs = append(locs, location{src, "COPY FROM", false})
		}
		locs = append(locs, location{x.Import.Options.Staging, "staging", true})
		bucket = x.Import.Options.Source
	case pipeline.Export:
		locs = append(locs, location{x.URL, "COPY TO", true}, location{x.Options.Staging, "staging", true})
		bucket = x.Options.Source
		if x.Query.Func != nil {
			if err := a.checkArgs(s, *x.Query.Func); err != nil {
				return err
			}
		}
	case AlterTiering:
		locs = append(locs, location{x.Set.ColdStorage, "cold_storage", true})
	}
	if a.NoURLs && (bucket.Endpoint != "" || bucket.Credentials != "") {
		return fmt.Errorf("WITH (endpoint, credentials): %w: this user may not use object-store URLs or bucket options through the server", ErrAccess)
	}
	for _, l := range locs {
		if err := a.allow(l); err != nil {
			return err
		}
	}
	return nil
}

// location is a place a statement reads or writes, and what names it.
type location struct {
	url   string // "" when not given
	what  string
	write bool
}

// checkArgs checks a table function's location arguments, with $N bound.
func (a *Access) checkArgs(s *Session, call TableFunc) error {
	f, ok := lookupTableFunction(call.Name)
	if !ok || a == nil {
		return nil
	}
	for _, i := range f.Locations {
		if i >= len(call.Args) {
			continue
		}
		v := call.Args[i].Value
		if p := call.Args[i].Param; p > 0 {
			v = s.Params[p]
		}
		if err := a.allow(location{fmt.Sprint(v), f.Name, false}); err != nil {
			return err
		}
	}
	return nil
}

// allow checks one location: a bucket URL against NoURLs, a local path
// (or file:// URL) against Roots, after symbolic links are resolved.
func (a *Access) allow(l location) error {
	if l.url == "" {
		return nil
	}
	if scheme, _ := objstore.SchemeOf(l.url); scheme.Name != "file" {
		if a.NoURLs {
			return fmt.Errorf("%s %s: %w: this user may not use object-store URLs or bucket options through the server", l.what, objstore.Redact(l.url), ErrAccess)
		}
		return nil
	}
	p := strings.TrimPrefix(l.url, "file://")
	if i := strings.IndexAny(p, "*?[{"); i >= 0 {
		p = filepath.Dir(p[:i] + "x") // a pattern: the folder before its first wildcard
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return fmt.Errorf("%s %s: %w", l.what, l.url, err)
	}
	real := resolveExisting(abs)
	for _, root := range a.Roots {
		r, err := filepath.Abs(root)
		if err != nil {
			continue
		}
		r = resolveExisting(r)
		if rel, err := filepath.Rel(r, real); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil
		}
	}
	verb := "read"
	if l.write {
		verb = "write"
	}
	if len(a.Roots) == 0 {
		return fmt.Errorf("%s %s: %w: the server lets clients %s no local files (start it with --copy-root DIR)", l.what, l.url, ErrAccess, verb)
	}
	return fmt.Errorf("%s %s: %w: the server lets clients %s local files only under %s", l.what, l.url, ErrAccess, verb, strings.Join(a.Roots, ", "))
}

// resolveExisting resolves the symbolic links of the longest part of
// path that exists, and keeps the rest as it is: a link inside a root
// that points outside it is outside.
func resolveExisting(path string) string {
	rest := ""
	for p := path; ; {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return path
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// writes reports whether a statement changes the store or writes files.
// A statement kind it does not know writes: new kinds are refused to
// read-only sessions until they are listed here.
func writes(st Statement) bool {
	switch st.(type) {
	case Select, Show, Set, Transaction, Values, DescribeTable, Explain:
		return false
	}
	return true
}
