package tiering

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/store"
)

// moveFolder is a move's folder under a table's: m<base>-<job>/.
var moveFolder = regexp.MustCompile(`^m[0-9]+-[A-Za-z0-9_-]+/`)

var (
	activeMu sync.Mutex
	active   = map[string]bool{} // folders of moves running in this process
)

// Writing marks a move's folder as in use until the returned func is
// called: Sweep leaves it alone meanwhile.
func Writing(folder string) (done func()) {
	activeMu.Lock()
	active[folder] = true
	activeMu.Unlock()
	return func() {
		activeMu.Lock()
		delete(active, folder)
		activeMu.Unlock()
	}
}

// Prefixes are the table folders that may hold cold files: those of
// every table's cold location at the head, and those of every file any
// kept commit lists.
func Prefixes(st *store.Store) ([]string, error) {
	seen := map[string]bool{}
	tables, err := st.Tables(st.Head())
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		if t.Tiering != nil && t.Tiering.ColdStorage != "" {
			seen[TablePrefix(t.Tiering.ColdStorage, t.Name)] = true
		}
	}
	err = st.ColdReferences(func(_ uint32, f store.ColdFile) error {
		if i := strings.Index(f.Path, "/"); i > 0 {
			seen[TablePrefix(f.Location, f.Path[:i])] = true
		}
		return nil
	})
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, err
}

// Sweep deletes, under the given table folders, the objects in move
// folders (m<base>-<job>/) that no commit the store keeps lists: what a
// failed or killed move left, and files whose last listing gc collected.
// With dryRun it deletes nothing. It returns the objects (redacted URLs
// or paths) it deleted or would delete.
func Sweep(ctx context.Context, st *store.Store, prefixes []string, dryRun bool) ([]string, error) {
	keep := map[string]bool{}
	err := st.ColdReferences(func(_ uint32, f store.ColdFile) error {
		obj, err := Object(f)
		if err == nil {
			keep[objectID(obj.Bucket, obj.Key)] = true
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range prefixes {
		bucket, key, err := objstore.Split(p)
		if err != nil {
			return out, err
		}
		if !strings.Contains(bucket, "://") {
			if _, err := os.Stat(bucket); os.IsNotExist(err) {
				continue // a local folder no move has made yet
			}
		}
		b, done, err := objstore.OpenBucket(ctx, bucket)
		if err != nil {
			return out, err
		}
		it := b.List(&blob.ListOptions{Prefix: key})
		var gone []string
		for {
			obj, err := it.Next(ctx)
			if err != nil {
				break
			}
			rel := strings.TrimPrefix(obj.Key, key)
			m := moveFolder.FindString(rel)
			if m == "" || keep[objectID(bucket, obj.Key)] || isActive(joinURL(p, m)) {
				continue
			}
			gone = append(gone, obj.Key)
		}
		for _, k := range gone {
			out = append(out, displayName(bucket, k))
			if dryRun {
				continue
			}
			if err := b.Delete(ctx, k); err != nil && !objstore.IsNotFound(err) {
				done()
				return out, fmt.Errorf("sweep %s: %w", k, err)
			}
		}
		if !dryRun && !strings.Contains(bucket, "://") {
			for _, k := range gone {
				removeEmptyParents(filepath.Join(bucket, filepath.FromSlash(key)), filepath.Join(bucket, filepath.FromSlash(k)))
			}
		}
		done()
	}
	return out, nil
}

func isActive(folder string) bool {
	activeMu.Lock()
	defer activeMu.Unlock()
	return active[folder]
}

// removeEmptyParents removes the folders from file's up to (not
// including) root while they are empty.
func removeEmptyParents(root, file string) {
	for dir := filepath.Dir(file); strings.HasPrefix(dir, root) && dir != root; dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			return
		}
	}
}

func displayName(bucket, key string) string {
	if strings.Contains(bucket, "://") {
		return objstore.Redact(bucket) + "/" + key
	}
	return bucket + "/" + key
}

// RemoveFolder deletes a move's folder and what it holds: what a move
// whose commit failed wrote.
func RemoveFolder(folder string) {
	bucket, key, err := objstore.Destination(objstore.Options{}, folder)
	if err != nil {
		return
	}
	b, done, err := objstore.OpenBucket(context.Background(), bucket)
	if err != nil {
		return
	}
	defer done()
	_ = objstore.RemovePrefix(context.Background(), b, bucket, key)
}
