//go:build !amd64

package vectorops

func best() impl { return generic }

// available lists the kernel sets this CPU can run, best first.
func available() []impl { return []impl{generic} }
