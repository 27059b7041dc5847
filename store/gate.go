package store

import (
	"context"
	"time"
)

// The gate lets statements share the store while GC's swap has it alone.
//
// Invariant: the Badger database (s.db) is closed and reopened only by
// GC's swap, and only while GC holds the gate exclusively, so no reader
// or writer that holds a Use is ever in the middle of a read when the
// database underneath it changes. Readers that do not take a Use (a Go
// program reading while it runs GC itself) must not overlap GC.
//
// Lock order: the gate, then commitMu. A statement that holds a Use and
// waits for commitMu is never waited for by a holder of commitMu, since
// GC takes the gate before it begins its commit.

// Use marks one statement (a read, an import, a move) as using the store
// until release is called; GC waits for every use to end before it
// rewrites the store, and uses that begin meanwhile wait for GC. Uses
// never wait for each other.
func (s *Store) Use() (release func()) {
	s.gate.RLock()
	return s.gate.RUnlock
}

// gateWait is how long GC lets new statements start while it waits for
// the running ones to end, before it makes new ones wait too. Short
// statements then never notice a GC that waits for a long import.
const gateWait = 2 * time.Second

// exclusive takes the gate for GC: it waits for running statements to
// end, and after gateWait also stops new ones from starting.
func (s *Store) exclusive(ctx context.Context) (unlock func(), err error) {
	deadline := time.Now().Add(gateWait)
	for !s.gate.TryLock() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if time.Now().After(deadline) {
			s.gate.Lock()
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	return s.gate.Unlock, nil
}
