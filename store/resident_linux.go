package store

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// trimResident drops the pages of Badger's memory-mapped files (value log,
// tables, memtable logs) from this process's resident set. Badger maps
// them shared, so the data stays in the files and the page cache, and a
// later access faults the pages back in: this costs time, never data. It
// keeps a long import's resident memory from growing with the bytes it
// wrote.
func (s *Store) trimResident() {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	dir, err := filepath.Abs(s.dir)
	if err != nil {
		return
	}
	prefix := dir + string(os.PathSeparator)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		// start-end perms offset dev inode path
		if len(fields) < 6 || !strings.HasPrefix(fields[5], prefix) || !strings.Contains(fields[1], "s") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED)
	}
}
