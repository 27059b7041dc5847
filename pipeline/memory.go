package pipeline

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/runners"
)

// ParseSize reads a byte size as SET takes it: a whole number of bytes,
// or a number with kB, MB, GB or TB (format.ParseSize).
func ParseSize(s string) (int64, error) { return format.ParseSize(s) }

// minMemoryLimit is the smallest import_memory_limit accepted: below it
// the store's own write buffers leave nothing for the import.
const minMemoryLimit = 128 << 20

// ApplySettings fills the options a COPY left unset from the session's
// SET values.
func ApplySettings(o *ImportOptions, settings map[string]string) error {
	if v, ok := settings["lakelink.import_memory_limit"]; ok && o.MemoryLimit == 0 {
		n, err := ParseSize(v)
		if err != nil {
			return fmt.Errorf("lakelink.import_memory_limit: %w", err)
		}
		o.MemoryLimit = n
	}
	if v, ok := settings["lakelink.import_spill_threshold"]; ok && o.SpillThreshold == 0 {
		n, err := ParseSize(v)
		if err != nil {
			return fmt.Errorf("lakelink.import_spill_threshold: %w", err)
		}
		o.SpillThreshold = n
	}
	if v, ok := settings["lakelink.import_parallel_workers"]; ok && o.Workers == 0 {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > 1024 {
			return fmt.Errorf("lakelink.import_parallel_workers must be between 1 and 1024")
		}
		o.Workers = n
	}
	return nil
}

// CheckSettings checks a session's import settings as a COPY would take
// them, so that SET refuses a value (a memory limit below the minimum, a
// spill threshold above half the limit) when it is given, not at the
// next COPY.
func CheckSettings(settings map[string]string) error {
	var o ImportOptions
	if err := ApplySettings(&o, settings); err != nil {
		return err
	}
	if err := checkMemory(o); err != nil {
		return fmt.Errorf("SET: %w", err)
	}
	return nil
}

// checkMemory validates the memory options against each other.
func checkMemory(o ImportOptions) error {
	if o.MemoryLimit != 0 && o.MemoryLimit < minMemoryLimit {
		return fmt.Errorf("import_memory_limit %d MB is below the minimum of %d MB", o.MemoryLimit>>20, minMemoryLimit>>20)
	}
	if o.MemoryLimit > 0 && o.SpillThreshold > o.MemoryLimit/2 {
		return fmt.Errorf("import_spill_threshold (%d MB) must be at most half of import_memory_limit (%d MB): staged data in memory counts against the limit", o.SpillThreshold>>20, o.MemoryLimit>>20)
	}
	return nil
}

// sharesMemory reports whether a runner's workers run in the launching
// process, so that segments staged in memory reach the commit.
func sharesMemory(ro runners.Options) bool {
	switch ro.Name() {
	case "direct":
		return true
	case "prism":
		return ro.Environment == "" || strings.EqualFold(ro.Environment, "loopback")
	}
	return false
}

// limitMu serialises imports that set the process's memory limit.
var limitMu sync.Mutex

// withMemoryLimit runs fn with the Go runtime's soft memory limit set to
// three quarters of limit (the rest is for the program's text, mapped
// files and the store's caches), and restores the previous limit. The
// garbage collector then works harder instead of letting the heap grow
// past it.
func withMemoryLimit(limit int64, fn func() error) error {
	if limit <= 0 {
		return fn()
	}
	limitMu.Lock()
	defer limitMu.Unlock()
	prev := debug.SetMemoryLimit(limit / 4 * 3)
	defer debug.SetMemoryLimit(prev)
	return fn()
}

// fitMemory sizes an import to its memory limit: each reader holds about
// three batches (the one being built, one waiting to be emitted, one in
// the channel), and readers together get a quarter of the limit. Batches
// shrink before readers drop below one.
func fitMemory(o *ImportOptions, rowBytes int64) {
	if o.MemoryLimit <= 0 || rowBytes <= 0 {
		return
	}
	readers := o.MemoryLimit / 4
	perReader := 3 * int64(o.BatchSize) * rowBytes
	if perReader > readers {
		o.BatchSize = max(int(readers/(3*rowBytes)), 64)
		perReader = 3 * int64(o.BatchSize) * rowBytes
	}
	most := int(max(readers/perReader, 1))
	if o.Workers == 0 || o.Workers > most {
		o.Workers = min(most, runtime.GOMAXPROCS(0))
	}
}
