package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The holder file: while a process has a store open, DIR/holder.json says
// which process it is (host, PID, command, since when), so that a second
// process refused with ErrInUse can say who holds the store. Badger's
// directory lock stays the lock; the file is only its description, written
// after the lock is taken and removed by Close. A file left by a process
// that died is replaced by the next Open.

const holderFile = "holder.json"

// Holder describes the process that has a store open.
type Holder struct {
	Host    string    `json:"host,omitempty"`
	PID     int       `json:"pid"`
	Command string    `json:"command,omitempty"` // the program and its subcommand, never its arguments
	Since   time.Time `json:"since"`
	// Server is the address a `lakelink serve` holding the store answers
	// PostgreSQL clients on: where other commands send their statements.
	Server string `json:"server,omitempty"`
}

// String says who holds the store: "pid 4242 (lakelink sql) since 13:45:01".
func (h Holder) String() string {
	s := fmt.Sprintf("pid %d", h.PID)
	if h.Command != "" {
		s += " (" + h.Command + ")"
	}
	if host, _ := os.Hostname(); h.Host != "" && h.Host != host {
		s += " on " + h.Host
	}
	if !h.Since.IsZero() {
		s += " since " + h.Since.Local().Format("2006-01-02 15:04:05")
	}
	return s
}

// Command names this process in the holder file: by default the
// program's base name. A program may set it before opening a store, to
// what it does ("lakelink sql"); never put arguments in it, which may
// carry credentials.
var Command = ""

func command() string {
	if Command != "" {
		return Command
	}
	if len(os.Args) == 0 {
		return ""
	}
	return filepath.Base(os.Args[0])
}

func writeHolder(dir string) error {
	host, _ := os.Hostname()
	return putHolder(dir, Holder{Host: host, PID: os.Getpid(), Command: command(), Since: time.Now().UTC()})
}

// SetServer records in the holder file that this process serves the store
// on addr, so that other processes send it their statements.
func (s *Store) SetServer(addr string) error {
	h, ok := ReadHolder(s.dir)
	if !ok || h.PID != os.Getpid() {
		return fmt.Errorf("store %s: this process does not hold it", s.dir)
	}
	h.Server = addr
	return putHolder(s.dir, h)
}

func putHolder(dir string, h Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+holderFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, holderFile))
}

// ReadHolder returns the description of the process that has the store in
// dir open; ok is false when there is none to read.
func ReadHolder(dir string) (h Holder, ok bool) {
	b, err := os.ReadFile(filepath.Join(dir, holderFile))
	if err != nil || json.Unmarshal(b, &h) != nil || h.PID == 0 {
		return Holder{}, false
	}
	return h, true
}

// removeHolder removes the holder file if this process wrote it.
func removeHolder(dir string) {
	if h, ok := ReadHolder(dir); ok && h.PID == os.Getpid() {
		os.Remove(filepath.Join(dir, holderFile))
	}
}
