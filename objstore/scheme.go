package objstore

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"gocloud.dev/blob"
)

// Scheme is how lakelink reaches one kind of location: a URL scheme (s3,
// gs, azblob, mem, file), how COPY's connection options become the bucket
// URL's query, and how such a URL opens. Each scheme registers itself from
// a file of its own (s3.go, gcs.go, ...), as gocloud's URL openers do;
// a new store is one more file.
type Scheme struct {
	// Name is the URL scheme, without "://". Local paths use "file".
	Name string
	// Options maps connection options onto the bucket URL's query q,
	// leaving parameters the URL already has. nil: the scheme takes none,
	// and giving any is an error.
	Options func(o Options, q url.Values) error
	// Open opens a bucket URL of the scheme, its query included. nil:
	// gocloud's own opener for the scheme (blob.OpenBucket).
	Open func(ctx context.Context, bucketURL string) (*blob.Bucket, error)
	// Shared is true when other processes (Beam workers) see the same
	// objects through the same URL; mem:// buckets live in one process.
	Shared bool
}

var (
	schemesMu sync.RWMutex
	schemes   = map[string]Scheme{}
)

// Register makes a scheme known. Registering a name twice panics: it is a
// programming error, found at init.
func Register(s Scheme) {
	schemesMu.Lock()
	defer schemesMu.Unlock()
	if _, dup := schemes[s.Name]; dup || s.Name == "" {
		panic(fmt.Sprintf("objstore: scheme %q registered twice or without a name", s.Name))
	}
	schemes[s.Name] = s
}

// Schemes lists the registered scheme names, sorted.
func Schemes() []string {
	schemesMu.RLock()
	defer schemesMu.RUnlock()
	names := make([]string, 0, len(schemes))
	for n := range schemes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// SchemeOf returns the scheme of a bucket URL or local path ("file" for a
// path), and whether it is registered.
func SchemeOf(bucket string) (Scheme, bool) {
	name, _, found := strings.Cut(bucket, "://")
	if !found {
		name = "file"
	}
	schemesMu.RLock()
	defer schemesMu.RUnlock()
	s, ok := schemes[name]
	if !ok {
		s.Name = name
	}
	return s, ok
}

// OpenBucket opens a local folder (an absolute path) or a bucket URL. Call
// the returned function to release it.
func OpenBucket(ctx context.Context, bucket string) (*blob.Bucket, func(), error) {
	s, _ := SchemeOf(bucket)
	open := s.Open
	if open == nil {
		open = func(ctx context.Context, u string) (*blob.Bucket, error) { return blob.OpenBucket(ctx, u) }
	}
	b, err := open(ctx, bucket)
	if err != nil {
		return nil, nil, fmt.Errorf("open bucket %s: %w", redact(bucket), err)
	}
	if s.Name == "mem" { // one bucket per name for the process: never closed
		return b, func() {}, nil
	}
	return b, func() { b.Close() }, nil
}

// optionSchemes names the schemes that take connection options.
func optionSchemes() string {
	var out []string
	for _, n := range Schemes() {
		if s, _ := SchemeOf(n + "://"); s.Options != nil {
			out = append(out, n+"://")
		}
	}
	if len(out) > 1 {
		return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
	}
	return strings.Join(out, "")
}

// apply adds the options to a bucket URL as its scheme's query parameters,
// keeping any the URL already has.
func (o Options) apply(bucket string) (string, error) {
	if o.empty() {
		return bucket, nil
	}
	s, _ := SchemeOf(bucket)
	if s.Options == nil {
		return "", fmt.Errorf("WITH region, endpoint and credentials apply to %s sources, not %s://", optionSchemes(), s.Name)
	}
	rest, query, _ := strings.Cut(bucket, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("bad query in %s: %w", redact(bucket), err)
	}
	if err := s.Options(o, q); err != nil {
		return "", err
	}
	return rest + "?" + q.Encode(), nil
}

// setParam sets a query parameter unless it is empty or the URL has it.
func setParam(q url.Values, k, v string) {
	if v != "" && q.Get(k) == "" {
		q.Set(k, v)
	}
}
