package vectorops

import (
	"context"
	"sync/atomic"
)

// Build is what a long index build listens to. A zero Build runs to the
// end and reports nothing.
type Build struct {
	// Ctx stops the build with its error once it is done: within a few
	// hundred insertions or one k-means pass; the half-built index is to
	// be dropped.
	Ctx context.Context
	// Done, when set, counts the vectors the build has placed so far:
	// linked into the HNSW graph, or encoded into their IVF-PQ lists.
	Done *atomic.Int64
}

func (b Build) err() error {
	if b.Ctx == nil {
		return nil
	}
	return b.Ctx.Err()
}

func (b Build) stopped() bool { return b.err() != nil }

func (b Build) add(n int) {
	if b.Done != nil && n > 0 {
		b.Done.Add(int64(n))
	}
}

// buildStep is how many insertions a build makes between looks at its
// context and reports of progress.
const buildStep = 256
