package progress

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Status files: a job's latest Status is kept as JSON in DIR/JOB.json
// (DIR is the store's status folder), replaced atomically, so any process
// can read a running job's progress without opening the store, which the
// importing process holds.

// Write stores s as its job's status file in dir.
func Write(dir string, s Status) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+s.Job+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, s.Job+".json"))
}

// Read returns the status files in dir, oldest job first; with jobs given,
// only those (an unknown job is an error). A job whose process is gone
// (Status.Abandoned) reads as failed, with the reason.
func Read(dir string, jobs ...string) ([]Status, error) {
	if len(jobs) == 0 {
		entries, err := os.ReadDir(dir)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		for _, e := range entries {
			if name, ok := strings.CutSuffix(e.Name(), ".json"); ok && !strings.HasPrefix(name, ".") {
				jobs = append(jobs, name)
			}
		}
	}
	var out []Status
	for _, j := range jobs {
		data, err := os.ReadFile(filepath.Join(dir, filepath.Base(j)+".json"))
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("no import job %q", j)
		}
		if err != nil {
			return nil, err
		}
		var s Status
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, fmt.Errorf("status of job %s: %w", j, err)
		}
		if gone, why := s.Abandoned(time.Now()); gone {
			s.State, s.Error = "failed", why
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Started.Before(out[k].Started) })
	return out, nil
}

// Settle records as failed, abandoned, every unfinished job in dir except
// those alive says still run, and returns them. Its caller knows the
// others' processes are gone (it holds the store they imported into).
func Settle(dir string, alive func(job string) bool) ([]Status, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var out []Status
	for _, e := range entries {
		job, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || strings.HasPrefix(job, ".") || alive(job) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return out, err
		}
		var s Status
		if json.Unmarshal(data, &s) != nil || s.Final() {
			continue
		}
		s.Error = fmt.Sprintf("abandoned: its process (%d on %s) ended while the job was %s; nothing was committed", s.Owner.PID, s.Owner.Host, s.State)
		s.State, s.Finished = "failed", time.Now().UTC()
		if err := Write(dir, s); err != nil {
			return out, err
		}
		out = append(out, s)
	}
	return out, nil
}
