package storeio

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// activeJobs are the jobs of this process that may have staged data.
var activeJobs sync.Map

// RemoveOrphanStaging deletes job folders in a store's staging folder that
// belong to no job of this process. Only the process holding the store
// imports into its staging folder, so those jobs' processes died.
func RemoveOrphanStaging(staging string) {
	entries, err := os.ReadDir(staging)
	if err != nil {
		return
	}
	for _, e := range entries {
		if _, active := activeJobs.Load(e.Name()); e.IsDir() && !active {
			_ = os.RemoveAll(filepath.Join(staging, e.Name()))
		}
	}
}

// NewJobID returns a new job id: the time, then random hex, so that ids
// sort by when their jobs started.
func NewJobID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// Hold marks job as one of this process's: RemoveOrphanStaging keeps its
// staging folder, and RecoverJobs its status. Release forgets it.
func Hold(job string) { activeJobs.Store(job, true) }

// Release forgets a job that Hold marked.
func Release(job string) { activeJobs.Delete(job) }

// Held reports whether this process holds job.
func Held(job string) bool {
	_, ok := activeJobs.Load(job)
	return ok
}
