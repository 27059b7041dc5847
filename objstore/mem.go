package objstore

import (
	"context"
	"strings"
	"sync"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
)

// mem:// buckets live in this process's memory: the place for tests and
// for examples that need no disk. Worker processes do not see them.
func init() {
	Register(Scheme{Name: "mem", Open: func(_ context.Context, bucket string) (*blob.Bucket, error) {
		name, _, _ := strings.Cut(strings.TrimPrefix(bucket, "mem://"), "?")
		return MemBucket(name), nil
	}})
}

var (
	memMu      sync.Mutex
	memBuckets = map[string]*blob.Bucket{}
)

// MemBucket returns the process-wide in-memory bucket for mem://name. The
// gocloud mem:// opener makes a new empty bucket on every open; lakelink
// keeps one per name so that a test can write objects and import them.
// Such buckets are invisible to worker processes.
func MemBucket(name string) *blob.Bucket {
	memMu.Lock()
	defer memMu.Unlock()
	b, ok := memBuckets[name]
	if !ok {
		b = memblob.OpenBucket(nil)
		memBuckets[name] = b
	}
	return b
}
