package tiering

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/option"
	"github.com/lakelink/lakelink/store"
)

// DefaultCacheBytes bounds the local cache of cold files unless
// LAKELINK_COLD_CACHE (a size: '4GB', or 0 for no cache) says otherwise.
const DefaultCacheBytes = 1 << 30

// Cache keeps whole cold files on local disk, named by their SHA-256, and
// drops the least recently used beyond Max bytes. A file is fetched in
// one GET, checked against its catalog SHA-256, and opened locally from
// then on; a file larger than Max is read in place from its bucket.
// Cold files never change (store.ColdFile), so a cached copy never goes
// stale.
type Cache struct {
	Dir string
	Max int64
	// Mirror, when set, holds copies of the cold files by SHA-256 (a
	// backup's, MirrorFile): a file its location no longer has is read
	// from there.
	Mirror string
	mu     sync.Mutex
}

var (
	cachesMu sync.Mutex
	caches   = map[string]*Cache{}
	fetched  atomic.Int64
)

// Fetched is the number of cold files this process has fetched from
// their buckets (for the cache or read in place): how tests see that a
// query opened no cold file.
func Fetched() int64 { return fetched.Load() }

// CacheFor is the store's cache: STORE/cache/cold, bounded by
// LAKELINK_COLD_CACHE or DefaultCacheBytes.
func CacheFor(st *store.Store) *Cache {
	dir := filepath.Join(st.Dir(), "cache", "cold")
	cachesMu.Lock()
	defer cachesMu.Unlock()
	if c, ok := caches[dir]; ok {
		return c
	}
	c := &Cache{Dir: dir, Max: DefaultCacheBytes, Mirror: Mirror(st.Dir())}
	if v := os.Getenv("LAKELINK_COLD_CACHE"); v != "" {
		if n, err := option.ParseSize(v); err == nil {
			c.Max = n
		}
	}
	caches[dir] = c
	return c
}

// Open opens a cold file, from the cache when it holds it. A sealed
// file (an encrypted store's) is opened with key, the store's cold key:
// the cache keeps it sealed, and it is read through its decryption.
func (c *Cache) Open(ctx context.Context, f store.ColdFile, key []byte) (*parquetio.File, error) {
	obj, err := Object(f)
	if err != nil {
		return nil, err
	}
	pf, err := c.open(ctx, f, key, obj)
	if err != nil && c != nil && c.Mirror != "" && missing(err) {
		copyOf := f
		copyOf.Location, copyOf.Path = c.Mirror, MirrorKey(f)
		if mobj, merr := Object(copyOf); merr == nil {
			if pf, merr := c.open(ctx, f, key, mobj); merr == nil {
				return pf, nil
			}
		}
	}
	return pf, err
}

// missing reports whether an error says that an object is not there.
func missing(err error) bool {
	return objstore.IsNotFound(err) || errors.Is(err, os.ErrNotExist) || errors.Is(err, fs.ErrNotExist)
}

// open opens cold file f, stored as obj.
func (c *Cache) open(ctx context.Context, f store.ColdFile, key []byte, obj objstore.Object) (*parquetio.File, error) {
	if f.Sealed && key == nil {
		return nil, fmt.Errorf("cold file %s is sealed with an encrypted store's key: open the store with its key", obj.Name)
	}
	cached := c != nil && c.Max > 0 && f.Bytes <= c.Max && f.SHA256 != ""
	if !cached && !f.Sealed {
		fetched.Add(1)
		return parquetio.Open(ctx, obj)
	}
	if !cached {
		// Sealed and not cached: the whole object, checked, in memory.
		fetched.Add(1)
		r, err := objstore.Open(ctx, obj)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, objstore.ObjectError(obj.Name, err)
		}
		if err := checkSum(obj.Name, f, int64(len(data)), sha256.Sum256(data)); err != nil {
			return nil, err
		}
		return openSealed(obj, bytes.NewReader(data), f.Bytes, key, nil)
	}
	name := f.SHA256 + ".parquet"
	local := filepath.Join(c.Dir, name)
	if _, err := os.Stat(local); err != nil {
		if err := c.fetch(ctx, obj, f, local); err != nil {
			return nil, err
		}
	} else {
		now := time.Now()
		_ = os.Chtimes(local, now, now)
	}
	if f.Sealed {
		fh, err := os.Open(local)
		if err != nil {
			return nil, err
		}
		return openSealed(obj, fh, f.Bytes, key, fh.Close)
	}
	pf, err := parquetio.Open(ctx, objstore.Object{Bucket: c.Dir, Key: name, Size: f.Bytes, Name: obj.Name})
	if err != nil {
		return nil, err
	}
	pf.Object.Name = obj.Name
	return pf, nil
}

// openSealed opens a sealed file's Parquet through its decryption.
func openSealed(obj objstore.Object, ra io.ReaderAt, size int64, key []byte, closeFn func() error) (*parquetio.File, error) {
	plain, n, err := objstore.OpenReaderAt(ra, size, key)
	if err == nil {
		// The first package authenticates with the key, or the key is
		// not this file's.
		var magic [4]byte
		_, err = plain.ReadAt(magic[:], 0)
	}
	if err != nil {
		if closeFn != nil {
			closeFn()
		}
		return nil, fmt.Errorf("cold file %s: not sealed with this store's key, or damaged: %w", obj.Name, err)
	}
	objstore.NoteOpened()
	return parquetio.OpenAt(obj, plain, n, "sha256", closeFn)
}

// checkSum compares what was read of a file with its catalog entry.
func checkSum(name string, f store.ColdFile, n int64, sum [32]byte) error {
	if got := hex.EncodeToString(sum[:]); got != f.SHA256 || n != f.Bytes {
		return fmt.Errorf("cold file %s: %d bytes with SHA-256 %s, the catalog lists %d bytes with %s (changed or damaged in its bucket)", name, n, got, f.Bytes, f.SHA256)
	}
	return nil
}

// fetch copies a file into the cache, checking its SHA-256, and makes
// room for it.
func (c *Cache) fetch(ctx context.Context, obj objstore.Object, f store.ColdFile, local string) error {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	fetched.Add(1)
	r, err := objstore.Open(ctx, obj)
	if err != nil {
		return err
	}
	defer r.Close()
	tmp, err := os.CreateTemp(c.Dir, ".fetch-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return objstore.ObjectError(obj.Name, err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	if err := checkSum(obj.Name, f, n, sum); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evict(f.Bytes)
	return os.Rename(tmp.Name(), local)
}

// evict removes the least recently used files until room more bytes fit.
func (c *Cache) evict(room int64) {
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		return
	}
	type entry struct {
		path string
		size int64
		used time.Time
	}
	var all []entry
	var total int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.IsDir() || filepath.Ext(e.Name()) != ".parquet" {
			continue
		}
		all = append(all, entry{filepath.Join(c.Dir, e.Name()), info.Size(), info.ModTime()})
		total += info.Size()
	}
	sort.Slice(all, func(a, b int) bool { return all[a].used.Before(all[b].used) })
	for _, e := range all {
		if total+room <= c.Max {
			return
		}
		if os.Remove(e.path) == nil {
			total -= e.size
		}
	}
}
