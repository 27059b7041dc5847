package store_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lakelink/lakelink/store"
)

// GC runs alone: it waits for a statement that holds a Use, and readers
// that hold a Use while GC rewrites and swaps the database never fail or
// see another answer (the swap closes and reopens the database under
// them otherwise).
func TestGCWaitsForStatements(t *testing.T) {
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for r := 0; r < 4; r++ {
		load(t, st, rows(400, r)...)
	}
	head := st.Head()
	want := digest(t, st, "docs", head)

	// A statement in progress holds GC back.
	release := st.Use()
	gcDone := make(chan error, 1)
	go func() {
		_, err := st.GC(store.GCOptions{Before: time.Now().Add(time.Hour)})
		gcDone <- err
	}()
	select {
	case err := <-gcDone:
		t.Fatalf("GC finished while a statement used the store: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	release()
	if err := <-gcDone; err != nil {
		t.Fatal(err)
	}

	// Readers in a loop while GCs run: every read succeeds and is exact.
	var stop atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				func() {
					defer st.Use()()
					h := st.Head()
					d, err := st.Digest("docs", h)
					if err != nil {
						t.Errorf("read during gc: %v", err)
						stop.Store(true)
						return
					}
					if d != want {
						t.Errorf("read during gc at %d: digest %s, want %s", h, d, want)
					}
					reads.Add(1)
				}()
			}
		}()
	}
	for range 3 {
		if _, err := st.GC(store.GCOptions{Before: time.Now().Add(time.Hour)}); err != nil {
			t.Error(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if reads.Load() == 0 {
		t.Error("no reads overlapped the gcs")
	}
	t.Logf("%d reads alongside 3 gcs", reads.Load())
}
