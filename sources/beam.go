package sources

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/lakelink/lakelink/format"
	_ "github.com/lakelink/lakelink/internal/beamlake"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/progress"
)

// ReadOptions say what Read reads.
type ReadOptions struct {
	// Format names the registered format of the objects ("" is parquet),
	// and FormatOptions are its WITH options, as given.
	Format        string         `json:"format,omitempty"`
	FormatOptions map[string]any `json:"format_options,omitempty"`
	// Job names the import; readers of one job share a per-process limit.
	Job      string             `json:"job"`
	Patterns []objstore.Pattern `json:"patterns"`
	// Columns are the file columns to read (all readable ones when empty).
	Columns   []string `json:"columns"`
	BatchRows int      `json:"batch_rows"`
	// Workers is how many row groups each worker process reads at once
	// (COPY's parallel_workers); 0 means one per core.
	Workers int `json:"workers"`
	// Partitions are the Hive partition columns, typed; their values are
	// read from object keys and appended to every batch.
	Partitions []lake.Column `json:"partitions,omitempty"`
	// Filter, when set, keeps the rows for which it is true. Objects whose
	// partition values rule it out are never opened, row groups whose
	// statistics rule it out are never read, and the rows of the others
	// are filtered one by one.
	Filter *filter.Expr `json:"filter,omitempty"`
	// Progress is where workers in other processes than the launcher
	// publish their counts while they read (the job's staging location;
	// see PublishProgress). Empty: they do not.
	Progress string `json:"progress,omitempty"`
}

// ObjectRef is one listed object: its rank in the input order, and its
// partition values.
type ObjectRef struct {
	Object     objstore.Object           `json:"object"`
	Index      int                       `json:"index"`
	Partitions []objstore.PartitionValue `json:"partitions,omitempty"`
}

// Split is one unit of reading: a row group of a Parquet object, or a
// whole object of a text format (format.Split).
type Split = format.Split

// Read lists the patterns and reads the matching objects, of the format
// opt.Format names, into batches. It is the source of every import
// pipeline:
//
//	batches, stats := sources.Read(s, opt)
//
// Listing, planning (Parquet footers: one split per row group the filter
// keeps) and reading are three stages with a reshuffle between each, so
// that a runner can spread objects and splits over its workers; only one
// listing page is in memory at a time. Listing, Hive partitions and the
// filter work the same for every format. rejected holds the records the
// format could not make rows of (lake.ErrorBatch, dead letters as the
// mapping's are); stats holds one ReadStats per object.
func Read(s beam.Scope, opt ReadOptions) (batches, rejected, stats beam.PCollection) {
	s = s.Scope("sources.Read")
	sp := newSpec(opt)
	objects := beam.ParDo(s, &listFn{spec: sp}, beam.Impulse(s))
	splits, stats := beam.ParDo2(s, &splitFn{spec: sp}, beam.Reshuffle(s, objects))
	batches, rejected = beam.ParDo2(s, &readFn{spec: sp}, beam.Reshuffle(s, splits))
	return batches, rejected, stats
}

// spec carries ReadOptions to the DoFns as JSON text: Beam's type
// registry walks a DoFn's fields and cannot describe the recursive
// filter.Expr.
type spec struct {
	Options  string `json:"options"`
	opt      ReadOptions
	format   format.Format
	settings format.Settings
}

func newSpec(opt ReadOptions) spec {
	b, _ := json.Marshal(opt) // plain data: cannot fail
	return spec{Options: string(b), opt: opt}
}

// Setup decodes the options on a worker.
func (s *spec) Setup() error {
	// Decode into fresh options: on the direct runner s.opt shares its
	// slices with the launcher's copy, which the launcher still reads.
	var opt ReadOptions
	var err error
	if err = json.Unmarshal([]byte(s.Options), &opt); err != nil {
		return fmt.Errorf("sources: bad read options: %w", err)
	}
	s.opt = opt
	if s.format, err = format.Lookup(cmp.Or(opt.Format, "parquet")); err != nil {
		return err
	}
	if s.settings, err = s.format.Bind(opt.FormatOptions); err != nil {
		return err
	}
	if s.opt.Filter != nil {
		if err := s.opt.Filter.Validate(); err != nil {
			return err
		}
	}
	return objstore.PublishProgress(context.Background(), s.opt.Job, s.opt.Progress)
}

// flush publishes the bundle's counts before the bundle ends.
func (s *spec) flush(ctx context.Context) error { return progress.Flush(ctx, s.opt.Job) }

// partitionFilter is the part of f that names only partition columns.
func partitionFilter(opt ReadOptions) *filter.Expr {
	if opt.Filter == nil || len(opt.Partitions) == 0 {
		return nil
	}
	names := make([]string, len(opt.Partitions))
	for i, c := range opt.Partitions {
		names[i] = c.Name
	}
	if e, ok := opt.Filter.Only(names); ok {
		return &e
	}
	return nil
}

// KeepObject reads an object's partition values and reports whether the
// partition part of filter can hold for its rows.
func KeepObject(o objstore.Object, partitions []lake.Column, f *filter.Expr) (bool, []objstore.PartitionValue, error) {
	if len(partitions) == 0 {
		return true, nil, nil
	}
	names := make([]string, len(partitions))
	for i, c := range partitions {
		names[i] = c.Name
	}
	raw, err := objstore.PartitionValues(o, names)
	if err != nil {
		return false, nil, err
	}
	pv := make([]objstore.PartitionValue, len(partitions))
	typed := map[string]filter.Value{}
	for i, c := range partitions {
		pv[i] = objstore.PartitionValue{Name: c.Name, Type: c.Type, Value: raw[c.Name]}
		v, err := pv[i].Typed()
		if err != nil {
			return false, nil, fmt.Errorf("object %s: partition %s=%s: %w", o.Name, c.Name, raw[c.Name], err)
		}
		if fv, ok := filter.PartitionValue(v); ok {
			typed[c.Name] = fv
		}
	}
	if f != nil && f.Eval(func(c string) (filter.Value, bool) { v, ok := typed[c]; return v, ok }) != filter.True {
		return false, nil, nil
	}
	return true, pv, nil
}

// CountInputs lists the patterns as the pipeline will, counting into the
// job's progress the objects it will read and their bytes, and marks the
// totals known when done. The launcher runs it beside the pipeline: a
// fused pipeline lists no further than it has read, and workers in other
// processes count nothing the launcher sees.
func CountInputs(ctx context.Context, opt ReadOptions) error {
	counts := progress.For(opt.Job)
	pf := partitionFilter(opt)
	err := objstore.List(ctx, opt.Patterns, func(o objstore.Object) error {
		keep, _, err := KeepObject(o, opt.Partitions, pf)
		if err == nil && keep {
			counts.FilesListed.Add(1)
			counts.BytesListed.Add(o.Size)
		}
		return err
	})
	counts.Listed.Store(err == nil)
	return err
}

// listFn lists the patterns and emits every object to read, numbered in
// input order. Objects that the partition filter rules out are dropped
// here, unopened.
type listFn struct{ spec }

func (fn *listFn) ProcessElement(ctx context.Context, _ []byte, emit func(ObjectRef)) error {
	pf := partitionFilter(fn.opt)
	index := 0
	return objstore.List(ctx, fn.opt.Patterns, func(o objstore.Object) error {
		keep, pv, err := KeepObject(o, fn.opt.Partitions, pf)
		if err != nil || !keep {
			return err
		}
		emit(ObjectRef{Object: o, Index: index, Partitions: pv})
		index++
		return nil
	})
}

// splitFn opens an object's footer and emits one split per row group that
// the filter does not rule out.
type splitFn struct{ spec }

func (fn *splitFn) FinishBundle(ctx context.Context, _ func(Split), _ func(objstore.ReadStats)) error {
	return fn.flush(ctx)
}

func (fn *splitFn) ProcessElement(ctx context.Context, ref ObjectRef, emit func(Split), stats func(objstore.ReadStats)) error {
	splits, st, err := fn.format.Plan(ctx, ref.Object, format.PlanRequest{ObjectIndex: ref.Index, Columns: fn.opt.Columns,
		BatchRows: fn.opt.BatchRows, Filter: fn.opt.Filter, Partitions: ref.Partitions, Settings: fn.settings})
	if err != nil {
		return err
	}
	// Registered before any split is emitted: a fused reader may finish
	// one before this returns.
	planned(fn.opt.Job, ref.Index, ref.Object.Size, splits)
	for _, sp := range splits {
		emit(sp)
	}
	stats(st)
	return nil
}

// readFn reads row groups into batches, several at once: ProcessElement
// hands a split to a reader goroutine and emits what readers have
// finished; FinishBundle waits for the rest. At most Workers readers of a
// job run in one process, however many bundles the runner runs at once,
// and each holds at most one batch that is not yet emitted.
type readFn struct {
	spec
	rowFilter *filter.Expr // Filter, when it names file columns
	results   chan readItem
	readers   sync.WaitGroup
	ctx       context.Context
	cancel    context.CancelFunc
	errMu     sync.Mutex
	err       error
}

func (fn *readFn) Setup() error {
	if err := fn.spec.Setup(); err != nil {
		return err
	}
	if f := fn.opt.Filter; f != nil {
		for _, c := range f.Columns() {
			if slices.Contains(fn.opt.Columns, c) {
				fn.rowFilter = f
			}
		}
	}
	return nil
}

// readerSlots is the per-process limit of readers, by job.
var readerSlots sync.Map // job → chan struct{}

// running and peakReaders count reader goroutines in this process.
var running, peakReaders atomic.Int64

// PeakReaders returns the largest number of row groups this process has
// read at once since the last call, and starts a new count: how tests see
// that parallel_workers is honoured.
func PeakReaders() int64 { return peakReaders.Swap(running.Load()) }

func (fn *readFn) slots() chan struct{} {
	n := fn.opt.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	ch, _ := readerSlots.LoadOrStore(fn.opt.Job, make(chan struct{}, n))
	return ch.(chan struct{})
}

// readItem is what a reader goroutine hands the emitting one: a batch, or
// a record the format rejected.
type readItem struct {
	batch    lake.Batch
	rejected *lake.ErrorBatch
}

func (it readItem) out(emit func(lake.Batch), reject func(lake.ErrorBatch)) {
	if it.rejected != nil {
		reject(*it.rejected)
	} else {
		emit(it.batch)
	}
}

func (fn *readFn) ProcessElement(ctx context.Context, sp Split, emit func(lake.Batch), reject func(lake.ErrorBatch)) error {
	if fn.results == nil {
		fn.results = make(chan readItem, max(fn.opt.Workers, 1))
		fn.ctx, fn.cancel = context.WithCancel(context.WithoutCancel(ctx))
	}
	slots := fn.slots()
	for acquired := false; !acquired; {
		if err := fn.firstErr(); err != nil {
			return err
		}
		select {
		case slots <- struct{}{}:
			acquired = true
		case it := <-fn.results:
			it.out(emit, reject)
		}
	}
	fn.readers.Add(1)
	for n := running.Add(1); ; {
		p := peakReaders.Load()
		if n <= p || peakReaders.CompareAndSwap(p, n) {
			break
		}
	}
	go func() {
		defer func() { running.Add(-1); <-slots; fn.readers.Done() }()
		read, err := fn.read(sp)
		if err != nil {
			fn.fail(err)
			return
		}
		progress.For(fn.opt.Job).RowGroupDone(sp.ObjectIndex, sp.Bytes-read)
	}()
	for {
		select {
		case it := <-fn.results:
			it.out(emit, reject)
		default:
			return fn.firstErr()
		}
	}
}

func (fn *readFn) FinishBundle(ctx context.Context, emit func(lake.Batch), reject func(lake.ErrorBatch)) error {
	if fn.results == nil {
		return nil
	}
	done := make(chan struct{})
	go func() { fn.readers.Wait(); close(done) }()
	for finished := false; !finished; {
		select {
		case it := <-fn.results:
			it.out(emit, reject)
		case <-done:
			finished = true
		}
	}
	for len(fn.results) > 0 {
		(<-fn.results).out(emit, reject)
	}
	err := fn.firstErr()
	fn.cancel()
	fn.results, fn.err = nil, nil
	if err != nil {
		return err
	}
	return fn.flush(ctx)
}

// read reads one split, handing its batches to the emitting goroutine,
// and counts into the job's progress the share of the row group's bytes
// that each batch's rows stand for; it returns the bytes so counted.
func (fn *readFn) read(sp Split) (counted int64, err error) {
	counts := progress.For(fn.opt.Job)
	send := func(b lake.Batch) error {
		select {
		case fn.results <- readItem{batch: b}:
			return nil
		case <-fn.ctx.Done():
			return fn.ctx.Err()
		}
	}
	reject := func(e lake.RowError) error {
		eb := lake.ErrorBatch{Origin: lake.Origin{Object: e.Object, ObjectIndex: sp.ObjectIndex, RowGroup: e.RowGroup, FirstRow: e.Row}, Errors: []lake.RowError{e}}
		select {
		case fn.results <- readItem{rejected: &eb}:
			return nil
		case <-fn.ctx.Done():
			return fn.ctx.Err()
		}
	}
	err = fn.format.Read(fn.ctx, sp, fn.settings, func(b lake.Batch) error {
		if sp.Rows > 0 {
			share := sp.Bytes * int64(b.Rows()) / sp.Rows
			counts.BytesRead.Add(share)
			counted += share
		}
		rec, err := withPartitions(b.Record, sp.Partitions)
		if err != nil {
			return fmt.Errorf("object %s: %w", sp.Object.Name, err)
		}
		b.Record = rec
		if fn.rowFilter == nil {
			return send(b)
		}
		runs, err := fn.rowFilter.Runs(rec)
		if err != nil {
			return fmt.Errorf("object %s: %w", sp.Object.Name, err)
		}
		for _, r := range runs {
			part := b
			part.Origin.FirstRow += int64(r[0])
			if r[0] != 0 || r[1] != b.Rows() {
				part.Record = rec.NewSlice(int64(r[0]), int64(r[1]))
			}
			if err := send(part); err != nil {
				return err
			}
		}
		return nil
	}, reject)
	return counted, err
}

func (fn *readFn) Teardown() {
	if fn.cancel != nil {
		fn.cancel() // readers of a bundle the runner abandoned
	}
}

func (fn *readFn) fail(err error) {
	fn.errMu.Lock()
	defer fn.errMu.Unlock()
	if fn.err == nil {
		fn.err = err
		fn.cancel()
	}
}

func (fn *readFn) firstErr() error {
	fn.errMu.Lock()
	defer fn.errMu.Unlock()
	return fn.err
}

func init() {
	for _, t := range []any{ObjectRef{}, Split{}, objstore.ReadStats{}} {
		beam.RegisterType(reflect.TypeOf(t))
	}
	register.DoFn3x1[context.Context, []byte, func(ObjectRef), error](&listFn{})
	register.DoFn4x1[context.Context, ObjectRef, func(Split), func(objstore.ReadStats), error](&splitFn{})
	register.DoFn4x1[context.Context, Split, func(lake.Batch), func(lake.ErrorBatch), error](&readFn{})
	register.Emitter1[ObjectRef]()
	register.Emitter1[Split]()
	register.Emitter1[objstore.ReadStats]()
	register.Emitter1[lake.Batch]()
	register.Emitter1[lake.ErrorBatch]()
}
