//go:build unix

package graphops

import (
	"os"
	"syscall"
	"unsafe"
)

// fileArray returns n float32 values backed by a temporary file in dir,
// mapped into memory: the operating system pages them in and out, so
// they need not fit in memory. The file is unlinked at once; release
// unmaps it.
func fileArray(n int, dir string) ([]float32, func(), error) {
	if n == 0 {
		return nil, func() {}, nil
	}
	f, err := os.CreateTemp(dir, "lakelink-fastrp-*")
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	defer os.Remove(f.Name())
	if err := f.Truncate(int64(n) * 4); err != nil {
		return nil, nil, err
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, n*4, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n), func() { _ = syscall.Munmap(b) }, nil
}
