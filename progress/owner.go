package progress

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// Owner is the process that runs a job: its host, PID and start time (as
// the kernel records it, so that a PID taken over by another process is
// told apart). A job's status file carries it, and its heartbeat is the
// file's updated_at, renewed every 100 ms while the job runs.
type Owner struct {
	Host  string `json:"host,omitempty"`
	PID   int    `json:"pid,omitempty"`
	Start string `json:"pid_start,omitempty"`
}

// Lease is how long a job on another host may go without a heartbeat
// before it counts as abandoned. On its own host a job is abandoned as
// soon as its process is gone.
const Lease = 2 * time.Minute

// Self is this process as an Owner.
func Self() Owner {
	host, _ := os.Hostname()
	return Owner{Host: host, PID: os.Getpid(), Start: processStart(os.Getpid())}
}

// OwnerOf is process pid of this host as an Owner: what a process records
// for a child that carries on a job after it exits.
func OwnerOf(pid int) Owner {
	host, _ := os.Hostname()
	return Owner{Host: host, PID: pid, Start: processStart(pid)}
}

// processStart is the start time of process pid in clock ticks since boot
// (field 22 of /proc/PID/stat), or "" where /proc does not say.
func processStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// running reports whether the owner's process, on this host, still runs.
func (o Owner) running() bool {
	if o.PID <= 0 {
		return false
	}
	if o.Start != "" {
		if start := processStart(o.PID); start != "" || procAvailable() {
			return start == o.Start
		}
	}
	p, err := os.FindProcess(o.PID)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || err == syscall.EPERM
}

func procAvailable() bool {
	_, err := os.Stat("/proc/self/stat")
	return err == nil
}

// Final reports whether a job's state is final: committed, failed or
// canceled.
func (s Status) Final() bool { return finalStates[s.State] }

var finalStates = map[string]bool{"committed": true, "failed": true, "canceled": true}

// Abandoned reports whether an unfinished job's process is gone: on this
// host, its PID no longer names the process that started it; on another,
// its heartbeat is older than Lease at now. reason says which.
func (s Status) Abandoned(now time.Time) (bool, string) {
	if finalStates[s.State] || s.Owner.PID == 0 {
		return false, ""
	}
	if host, _ := os.Hostname(); s.Owner.Host == host {
		if !s.Owner.running() {
			return true, fmt.Sprintf("abandoned: its process (%d on %s) is gone, killed or crashed while the job was %s", s.Owner.PID, s.Owner.Host, s.State)
		}
		return false, ""
	}
	if age := now.Sub(s.LastModified); age > Lease {
		return true, fmt.Sprintf("abandoned: no heartbeat from its process (%d on %s) for %s", s.Owner.PID, s.Owner.Host, age.Round(time.Second))
	}
	return false, ""
}
