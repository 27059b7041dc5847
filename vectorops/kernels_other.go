//go:build !amd64 && !arm64

package vectorops

func best() impl { return generic }

// available lists the kernel sets this CPU can run, best first.
func available() []impl { return []impl{generic} }

func prefetchRows(base *float32, ids *uint32, n, stride, lines int) {}
