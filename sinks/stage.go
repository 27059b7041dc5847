package sinks

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"gocloud.dev/blob"

	_ "github.com/lakelink/lakelink/internal/beamlake"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/transforms"
)

// StageOptions says where and for which job a sink stages its segments.
type StageOptions struct {
	// Staging is a local folder (absolute path) or a bucket URL that every
	// worker can reach.
	Staging string `json:"staging"`
	Job     string `json:"job"`
	// Schema is the target table's schema: rows are encoded for it.
	Schema lake.Schema `json:"schema"`
	// SpillThreshold is how many bytes of row segments a job keeps in this
	// process's memory before staging the rest in Staging. Only for workers
	// that run in the committing process; 0 stages everything in Staging.
	SpillThreshold int64 `json:"spill_threshold,omitempty"`
	// Indexes are the table's indexes that the workers build over the rows
	// they stage (BuildIndexes); MemoryLimit, the import's memory limit,
	// bounds the rows of each part (indexes.SegmentRows).
	Indexes     []store.IndexDef `json:"indexes,omitempty"`
	MemoryLimit int64            `json:"memory_limit,omitempty"`
	// Seal, when set, is the job's staging key (objstore.NewStagingKey):
	// every staged segment, error list and index part is sealed with it.
	// The manifest, which holds no row value, is not.
	Seal []byte `json:"seal,omitempty"`
}

// ManifestKey is the staging key of a job's manifest.
func ManifestKey(job string) string { return job + "/manifest.json" }

func rowsKey(job string, o lake.Origin) string {
	return fmt.Sprintf("%s/rows-%06d-%06d-%012d.lseg", job, o.ObjectIndex, o.RowGroup, o.FirstRow)
}

func errorsKey(job string, o lake.Origin) string {
	return fmt.Sprintf("%s/errors-%06d-%06d-%012d.json", job, o.ObjectIndex, o.RowGroup, o.FirstRow)
}

// Stage writes batches and their dead letters as staged segments and, when
// all are written, the job manifest, which also sums the read statistics
// (objstore.ReadStats), and the parts of opt.Indexes that the workers built
// over the staged rows. Commit then loads the manifest into the store.
func Stage(s beam.Scope, opt StageOptions, batches, deadLetters, readStats beam.PCollection) {
	s = s.Scope("sinks.Stage")
	rows := beam.ParDo(s, &stageRowsFn{Opt: opt}, batches)
	errs := beam.ParDo(s, &stageErrorsFn{Opt: opt}, deadLetters)
	stats := beam.ParDo(s, statsSegment, readStats)
	// The sentinel makes the manifest appear even when there is no input.
	sentinel := beam.CreateList(s, []Segment{{}})
	all := []beam.PCollection{rows, errs, stats, sentinel}
	if len(opt.Indexes) > 0 {
		all = append(all, BuildIndexes(s, opt, rows))
	}
	flat := beam.Flatten(s, all...)
	beam.ParDo0(s, &manifestFn{Opt: opt}, beam.GroupByKey(s, beam.AddFixedKey(s, flat)))
}

// staging is the open staging bucket of a DoFn, opened in Setup and closed
// in Teardown.
type staging struct {
	bucket *blob.Bucket
	done   func()
	seal   []byte
}

func (st *staging) open(ctx context.Context, opt StageOptions) error {
	b, done, err := objstore.OpenBucket(ctx, opt.Staging)
	st.bucket, st.done, st.seal = b, done, opt.Seal
	if err != nil {
		return err
	}
	return objstore.PublishProgress(ctx, opt.Job, opt.Staging)
}

// write stores one staged object, sealed with the job's key if it has one.
// Unlike Bucket.WriteAll it computes no MD5 (which cost more than the
// whole encode); the drivers that need a checksum compute their own.
func (st *staging) write(ctx context.Context, key string, data []byte) error {
	data, err := objstore.SealBytes(st.seal, data)
	if err != nil {
		return fmt.Errorf("stage %s: %w", key, err)
	}
	return st.writePlain(ctx, key, data)
}

func (st *staging) writePlain(ctx context.Context, key string, data []byte) error {
	w, err := st.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return fmt.Errorf("stage %s: %w", key, err)
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return fmt.Errorf("stage %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("stage %s: %w", key, err)
	}
	return nil
}

func (st *staging) close() {
	if st.done != nil {
		st.done()
	}
}

type stageRowsFn struct {
	Opt StageOptions `json:"opt"`
	staging
	// Writes run on their own goroutines, at most maxPendingWrites at a
	// time, so that encoding the next batch overlaps writing the last one.
	// FinishBundle waits for all: a bundle succeeds only when every segment
	// it emitted is stored.
	pending sync.WaitGroup
	slots   chan struct{}
	errMu   sync.Mutex
	err     error
}

const maxPendingWrites = 2

func (fn *stageRowsFn) Setup(ctx context.Context) error {
	fn.slots = make(chan struct{}, maxPendingWrites)
	return fn.open(ctx, fn.Opt)
}

func (fn *stageRowsFn) Teardown() { fn.pending.Wait(); fn.close() }

func (fn *stageRowsFn) ProcessElement(ctx context.Context, b lake.Batch, emit func(Segment)) error {
	if err := fn.firstErr(); err != nil {
		return err
	}
	data, err := encodeRows(fn.Opt.Schema, b)
	if err != nil {
		return err
	}
	key := rowsKey(fn.Opt.Job, b.Origin)
	progress.For(fn.Opt.Job).Rows.Add(int64(b.Rows()))
	seg := Segment{Name: key, Origin: b.Origin, Rows: int64(b.Rows()), Bytes: int64(len(data))}
	if fn.Opt.SpillThreshold > 0 && memStage.put(fn.Opt.Job, key, data, fn.Opt.SpillThreshold) {
		seg.InMemory = true
		emit(seg)
		return nil
	}
	fn.slots <- struct{}{}
	fn.pending.Add(1)
	go func() {
		defer func() { <-fn.slots; fn.pending.Done() }()
		if err := fn.write(context.WithoutCancel(ctx), key, data); err != nil {
			fn.errMu.Lock()
			if fn.err == nil {
				fn.err = err
			}
			fn.errMu.Unlock()
		}
	}()
	emit(seg)
	return nil
}

func (fn *stageRowsFn) FinishBundle(ctx context.Context, _ func(Segment)) error {
	fn.pending.Wait()
	err := fn.firstErr()
	fn.errMu.Lock()
	fn.err = nil
	fn.errMu.Unlock()
	if err != nil {
		return err
	}
	return progress.Flush(ctx, fn.Opt.Job)
}

func (fn *stageRowsFn) firstErr() error {
	fn.errMu.Lock()
	defer fn.errMu.Unlock()
	return fn.err
}

// statsSegment carries one object's read statistics into the manifest.
func statsSegment(st objstore.ReadStats) Segment {
	return Segment{
		Name:    fmt.Sprintf("object-%06d", st.Index),
		Origin:  lake.Origin{Object: st.Object, ObjectIndex: st.Index, RowGroup: -1},
		Version: st.Version,
		Objects: st.Objects, Bytes: st.Bytes, RowGroups: st.RowGroups, RowGroupsPruned: st.RowGroupsPruned,
	}
}

type stageErrorsFn struct {
	Opt StageOptions `json:"opt"`
	staging
}

func (fn *stageErrorsFn) Setup(ctx context.Context) error { return fn.open(ctx, fn.Opt) }
func (fn *stageErrorsFn) Teardown()                       { fn.close() }
func (fn *stageErrorsFn) FinishBundle(ctx context.Context, _ func(Segment)) error {
	return progress.Flush(ctx, fn.Opt.Job)
}

func (fn *stageErrorsFn) ProcessElement(ctx context.Context, eb transforms.ErrorBatch, emit func(Segment)) error {
	data, err := json.Marshal(eb.Errors)
	if err != nil {
		return err
	}
	key := errorsKey(fn.Opt.Job, eb.Origin)
	if err := fn.write(ctx, key, data); err != nil {
		return err
	}
	progress.For(fn.Opt.Job).Errors.Add(int64(len(eb.Errors)))
	emit(Segment{Name: key, Origin: eb.Origin, Errors: int64(len(eb.Errors)), Bytes: int64(len(data))})
	return nil
}

type manifestFn struct {
	Opt StageOptions `json:"opt"`
	staging
}

func (fn *manifestFn) Setup(ctx context.Context) error { return fn.open(ctx, fn.Opt) }
func (fn *manifestFn) Teardown()                       { fn.close() }

func (fn *manifestFn) ProcessElement(ctx context.Context, _ int, segs func(*Segment) bool) error {
	m := Manifest{Job: fn.Opt.Job, Segments: []Segment{}}
	var seg Segment
	for segs(&seg) {
		if seg.Name != "" {
			m.Segments = append(m.Segments, seg)
		}
	}
	m.Sort()
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return fn.writePlain(ctx, ManifestKey(fn.Opt.Job), data)
}

func init() {
	register.DoFn3x1[context.Context, lake.Batch, func(Segment), error](&stageRowsFn{})
	register.DoFn3x1[context.Context, transforms.ErrorBatch, func(Segment), error](&stageErrorsFn{})
	register.DoFn3x1[context.Context, int, func(*Segment) bool, error](&manifestFn{})
	register.DoFn3x0[int, func(*Segment) bool, func(PartGroup)](&planPartsFn{})
	register.DoFn3x1[context.Context, PartGroup, func(Segment), error](&buildPartFn{})
	register.DoFn3x1[context.Context, lake.Batch, func(WrittenFile), error](&writeFilesFn{})
	register.DoFn3x1[context.Context, int, func(*WrittenFile) bool, error](&fileListFn{})
	register.Emitter1[WrittenFile]()
	register.Iter1[WrittenFile]()
	register.Emitter1[PartGroup]()
	register.Function1x1(statsSegment)
	register.Emitter1[Segment]()
	register.Iter1[Segment]()
}
