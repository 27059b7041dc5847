package progress

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"
)

// Workers in other processes than the launcher publish their Report for
// each job they work on; the launcher adds the reports to its own counts.
//
// A publisher writes only when its report has changed: every PublishEvery
// while the job's stages run, and on Flush, which the stages call at the
// end of every bundle. So the last figures are written before the bundle,
// and with it the job, ends; once the launcher has committed and removed
// the job's staging, nothing is written again.

// PublishEvery is how often a worker process publishes while it works,
// to a local folder; to a bucket it publishes every PublishEveryRemote,
// which keeps the requests of a thousand workers to a few a second each.
const (
	PublishEvery       = 100 * time.Millisecond
	PublishEveryRemote = time.Second
)

// idleAfter is how long a publisher runs without a change before it
// stops (a later stage of the same job starts it again).
const idleAfter = 2 * time.Minute

var worker atomic.Bool

// SetWorkerProcess marks this process as a worker that a runner started
// (runners.RunWorker does): only such processes publish.
func SetWorkerProcess() { worker.Store(true) }

// InWorkerProcess reports whether SetWorkerProcess was called.
func InWorkerProcess() bool { return worker.Load() }

// Put stores one published report; Close releases what Put holds.
type Put interface {
	Put(ctx context.Context, data []byte) error
	Close()
}

type publisher struct {
	job    string
	put    Put
	every  time.Duration
	mu     sync.Mutex // serialises writes
	last   []byte
	closed bool
}

var publishers sync.Map // job → *publisher

// Publish starts publishing this process's counts for job, every so often
// and on Flush, through the Put that open returns, unless a publisher for
// the job runs already. It does nothing outside a worker process.
func Publish(job string, every time.Duration, open func() (Put, error)) error {
	if !InWorkerProcess() {
		return nil
	}
	if _, ok := publishers.Load(job); ok {
		return nil
	}
	put, err := open()
	if err != nil {
		return err
	}
	p := &publisher{job: job, put: put, every: every}
	if _, loaded := publishers.LoadOrStore(job, p); loaded {
		put.Close()
		return nil
	}
	go p.run()
	return nil
}

// Flush publishes this process's counts for job now, if they changed.
func Flush(ctx context.Context, job string) error {
	p, ok := publishers.Load(job)
	if !ok {
		return nil
	}
	_, err := p.(*publisher).publish(ctx)
	return err
}

func (p *publisher) run() {
	tick := time.NewTicker(p.every)
	defer tick.Stop()
	idle := time.Duration(0)
	for range tick.C {
		changed, _ := p.publish(context.Background()) // best effort: Flush reports errors
		if changed {
			idle = 0
			continue
		}
		if idle += p.every; idle >= idleAfter {
			publishers.Delete(p.job)
			p.mu.Lock()
			p.closed = true
			p.put.Close()
			p.mu.Unlock()
			return
		}
	}
}

func (p *publisher) publish(ctx context.Context) (bool, error) {
	data, _ := json.Marshal(For(p.job).Report()) // plain data: cannot fail
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || bytes.Equal(data, p.last) {
		return false, nil
	}
	if err := p.put.Put(ctx, data); err != nil {
		return false, err
	}
	p.last = data
	return true, nil
}
