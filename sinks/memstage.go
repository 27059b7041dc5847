package sinks

import (
	"strings"
	"sync"
)

// memStage holds the row segments that jobs stage in memory, up to each
// job's spill threshold. It lives as long as the process: workers of the
// direct runner and of Prism's loopback environment write here, and the
// commit, in the same process, reads here.
var memStage = &memSegments{used: map[string]int64{}}

type memSegments struct {
	mu   sync.Mutex
	data sync.Map // job/key → []byte
	used map[string]int64
}

// put keeps data in memory if the job stays within threshold bytes, and
// reports whether it did. A retried bundle replaces its segment.
func (m *memSegments) put(job, key string, data []byte, threshold int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, replaced := m.data.Load(key)
	size := int64(len(data))
	if replaced {
		size -= int64(len(old.([]byte)))
	}
	if m.used[job]+size > threshold {
		return false
	}
	m.used[job] += size
	m.data.Store(key, data)
	return true
}

func (m *memSegments) get(key string) ([]byte, bool) {
	v, ok := m.data.Load(key)
	if !ok {
		return nil, false
	}
	return v.([]byte), true
}

// drop forgets a job's segments. Slices already handed to a commit stay
// valid: the garbage collector frees them once nothing refers to them.
func (m *memSegments) drop(job string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data.Range(func(k, _ any) bool {
		if strings.HasPrefix(k.(string), job+"/") {
			m.data.Delete(k)
		}
		return true
	})
	delete(m.used, job)
}
