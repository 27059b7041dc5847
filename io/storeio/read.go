package storeio

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"io"
	"reflect"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/tiering"
)

// ReadOptions say which rows of which store snapshot Read
// reads. They travel to the workers as JSON.
type ReadOptions struct {
	Job   string `json:"job"`
	Store string `json:"store"` // the store's directory
	Table string `json:"table"`
	At    uint64 `json:"at"` // the commit read
	// Schema is the table's schema at At, which stored rows decode with.
	Schema lake.Schema `json:"schema"`
	// Columns are the columns emitted, in order; nil for all.
	Columns []string `json:"columns,omitempty"`
	// Filter keeps the rows for which it is true; nil keeps all.
	Filter *filter.Expr `json:"filter,omitempty"`
	// Ranges cut the table's keys (store.Ranges); each is read by one
	// worker, in key order.
	Ranges []store.KeyRange `json:"ranges"`
	// Staging, when set, is where StageSnapshot wrote the ranges, for
	// workers in other processes; otherwise workers read the store that
	// ShareStore made visible in this process.
	Staging   string `json:"staging,omitempty"`
	BatchRows int    `json:"batch_rows,omitempty"`
	// Seal, when set, is the job's staging key: the staged ranges are
	// sealed with it (SealWriter).
	Seal []byte `json:"seal,omitempty"`
	// Cold are the table's cold files to read too (tiering), each as an
	// element of its own after the ranges: those its filter's statistics
	// admit. Workers read them from their buckets.
	Cold []store.ColdFile `json:"cold,omitempty"`
	// ColdKey opens sealed cold files (an encrypted store's cold key).
	ColdKey []byte `json:"cold_key,omitempty"`
}

// SnapshotRange is one element of a snapshot read: a range and its rank,
// or a cold file of the table.
type SnapshotRange struct {
	Index int             `json:"index"`
	Range store.KeyRange  `json:"range"`
	Cold  *store.ColdFile `json:"cold,omitempty"`
}

// OutputSchema is the schema of the batches Read emits.
func (o ReadOptions) OutputSchema() (lake.Schema, []int, error) {
	plain := o.Schema.Plain()
	if o.Columns == nil {
		cols := make([]int, len(plain.Columns))
		for i := range cols {
			cols[i] = i
		}
		return lake.Schema{Columns: plain.Columns}, cols, nil
	}
	var out lake.Schema
	var cols []int
	for _, name := range o.Columns {
		i := plain.Index(name)
		if i < 0 {
			return out, nil, fmt.Errorf("table %s has no column %q", o.Table, name)
		}
		out.Columns = append(out.Columns, plain.Columns[i])
		cols = append(cols, i)
	}
	return out, cols, nil
}

// shared holds the stores that workers in this process may read: the
// direct runner's and Prism's loopback workers run here, where the
// launcher has the store open. Several pipelines may share one store at
// once (a server's connections), so each store is counted: it stays
// visible until the last pipeline that shared it is done.
var shared struct {
	sync.Mutex
	m map[string]*sharedStore // store directory → the store and its users
}

type sharedStore struct {
	st    *store.Store
	users int
}

// ShareStore lets workers in this process read st; call the returned
// function (once) when the pipeline is done.
func ShareStore(st *store.Store) func() {
	shared.Lock()
	defer shared.Unlock()
	if shared.m == nil {
		shared.m = map[string]*sharedStore{}
	}
	e := shared.m[st.Dir()]
	if e == nil {
		e = &sharedStore{st: st}
		shared.m[st.Dir()] = e
	}
	e.users++
	var once sync.Once
	return func() {
		once.Do(func() {
			shared.Lock()
			defer shared.Unlock()
			if e.users--; e.users == 0 {
				delete(shared.m, st.Dir())
			}
		})
	}
}

// sharedStoreAt is the store ShareStore shares under dir, or nil.
func sharedStoreAt(dir string) *store.Store {
	shared.Lock()
	defer shared.Unlock()
	if e := shared.m[dir]; e != nil {
		return e.st
	}
	return nil
}

func snapshotKey(job string, i int) string { return fmt.Sprintf("%s/snapshot-%05d.lsnap", job, i) }

// StageSnapshot writes each range of opt's snapshot to opt.Staging, for
// workers that cannot open the store (another process holds it). A staged
// range is the stored row values in key order, each after its length as
// a uvarint. Ranges are written in parallel.
func StageSnapshot(ctx context.Context, st *store.Store, opt ReadOptions) error {
	b, done, err := objstore.OpenBucket(ctx, opt.Staging)
	if err != nil {
		return err
	}
	defer done()
	errs := make([]error, len(opt.Ranges))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, r := range opt.Ranges {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			w, err := b.NewWriter(ctx, snapshotKey(opt.Job, i), nil)
			if err != nil {
				errs[i] = err
				return
			}
			sw, err := objstore.SealWriter(w, opt.Seal)
			if err != nil {
				w.Close()
				errs[i] = err
				return
			}
			bw := bufio.NewWriterSize(sw, 1<<20)
			var hdr [binary.MaxVarintLen64]byte
			err = st.ScanRange(opt.Table, opt.At, r, func(_ store.TableInfo, _, v []byte) error {
				bw.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(v)))])
				_, err := bw.Write(v)
				return err
			})
			if err == nil {
				err = bw.Flush()
			}
			if err == nil {
				err = sw.Close()
			}
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Read reads rows of a store snapshot as batches, one range per
// element, in parallel across workers. Batches carry the snapshot as their
// origin: Object is "table@commit", ObjectIndex the range, FirstRow the
// ordinal of the batch's first row within its range.
func Read(s beam.Scope, opt ReadOptions) beam.PCollection {
	s = s.Scope("sources.Read")
	rs := make([]SnapshotRange, len(opt.Ranges), len(opt.Ranges)+len(opt.Cold))
	for i, r := range opt.Ranges {
		rs[i] = SnapshotRange{Index: i, Range: r}
	}
	for i := range opt.Cold {
		rs = append(rs, SnapshotRange{Index: len(opt.Ranges) + i, Cold: &opt.Cold[i]})
	}
	ranges := beam.CreateList(s, rs)
	if len(rs) > 1 {
		ranges = beam.Reshuffle(s, ranges)
	}
	b, _ := json.Marshal(opt) // plain data: cannot fail
	return beam.ParDo(s, &snapshotFn{Options: string(b)}, ranges)
}

// snapshotFn carries its options as JSON text, as spec does (the filter
// is recursive).
type snapshotFn struct {
	Options string `json:"options"`
	opt     ReadOptions
}

func (fn *snapshotFn) Setup() error {
	if err := json.Unmarshal([]byte(fn.Options), &fn.opt); err != nil {
		return fmt.Errorf("sources: bad snapshot options: %w", err)
	}
	if fn.opt.Filter != nil {
		return fn.opt.Filter.Validate()
	}
	return nil
}

func (fn *snapshotFn) ProcessElement(ctx context.Context, r SnapshotRange, emit func(lake.Batch)) error {
	batches := make(chan lake.Batch, 2)
	errc := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(batches)
		errc <- fn.read(ctx, r, batches)
	}()
	for b := range batches {
		emit(b)
	}
	return <-errc
}

// read decodes one range into batches, sent on out.
func (fn *snapshotFn) read(ctx context.Context, r SnapshotRange, out chan<- lake.Batch) error {
	opt := fn.opt
	schema, cols, err := opt.OutputSchema()
	if err != nil {
		return err
	}
	batchRows := opt.BatchRows
	if batchRows <= 0 {
		batchRows = 4096
	}
	origin := lake.Origin{Object: fmt.Sprintf("%s@%d", opt.Table, opt.At), ObjectIndex: r.Index}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema.Arrow())
	defer b.Release()
	// Sized for a whole batch, so that the builders do not grow (copying
	// every vector) while it fills.
	reserve := func() {
		for i, c := range schema.Columns {
			b.Field(i).Reserve(batchRows)
			if c.Type.Kind == lake.KindVector {
				b.Field(i).(*array.FixedSizeListBuilder).ValueBuilder().Reserve(batchRows * c.Type.Dim)
			}
		}
	}
	reserve()
	var ordinal int64
	pending := 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		batch := lake.Batch{Origin: origin, Record: b.NewRecordBatch()}
		progress.For(opt.Job).Rows.Add(int64(pending))
		origin.FirstRow = ordinal
		pending = 0
		reserve()
		select {
		case out <- batch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	add := func(rec store.Row) error {
		if opt.Filter != nil && opt.Filter.Eval(func(col string) (filter.Value, bool) {
			return filter.ValueOf(rec[opt.Schema.Index(col)])
		}) != filter.True {
			return nil
		}
		for i, c := range cols {
			if err := lake.AppendValue(b.Field(i), schema.Columns[i].Type, rec[c]); err != nil {
				return fmt.Errorf("table %s, column %q: %w", opt.Table, schema.Columns[i].Name, err)
			}
		}
		ordinal++
		if pending++; pending >= batchRows {
			return flush()
		}
		return nil
	}
	row := func(v []byte) error {
		rec, err := store.DecodeRow(opt.Schema, v)
		if err != nil {
			return fmt.Errorf("table %s at commit %d, range %d: %w", opt.Table, opt.At, r.Index, err)
		}
		return add(rec)
	}
	switch {
	case r.Cold != nil:
		tbl := &tiering.Table{Info: store.TableInfo{Name: opt.Table, Schema: opt.Schema}, At: opt.At, Key: opt.ColdKey}
		err = tbl.FileRows(ctx, *r.Cold, nil, func(_ int64, rec store.Row) error { return add(rec) })
	case opt.Staging == "":
		st := sharedStoreAt(opt.Store)
		if st == nil {
			return fmt.Errorf("store %s is not open in this worker's process: a snapshot read by workers elsewhere must be staged (StageSnapshot)", opt.Store)
		}
		err = st.ScanRange(opt.Table, opt.At, r.Range, func(_ store.TableInfo, _, v []byte) error { return row(v) })
	default:
		err = fn.readStaged(ctx, r.Index, row)
	}
	if err != nil {
		return err
	}
	return flush()
}

func (fn *snapshotFn) readStaged(ctx context.Context, i int, row func([]byte) error) error {
	bkt, done, err := objstore.OpenBucket(ctx, fn.opt.Staging)
	if err != nil {
		return err
	}
	defer done()
	key := snapshotKey(fn.opt.Job, i)
	rd, err := bkt.NewReader(ctx, key, nil)
	if err != nil {
		return fmt.Errorf("staged snapshot %s: %w", key, err)
	}
	defer rd.Close()
	opened, err := objstore.OpenReader(rd, fn.opt.Seal)
	if err != nil {
		return fmt.Errorf("staged snapshot %s: %w", key, err)
	}
	br := bufio.NewReaderSize(opened, 1<<20)
	var buf []byte
	for {
		n, err := binary.ReadUvarint(br)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("staged snapshot %s: %w", key, err)
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("staged snapshot %s: truncated: %w", key, err)
		}
		if err := row(buf); err != nil {
			return err
		}
	}
}

func encodeJSON[T any](v T) ([]byte, error) { return json.Marshal(v) }

func decodeJSON[T any](b []byte) (T, error) {
	var v T
	err := json.Unmarshal(b, &v)
	return v, err
}

func init() {
	// Ranges hold byte slices, which Beam's schema inference loops on.
	beam.RegisterCoder(reflect.TypeOf(SnapshotRange{}), encodeJSON[SnapshotRange], decodeJSON[SnapshotRange])
	register.DoFn3x1[context.Context, SnapshotRange, func(lake.Batch), error](&snapshotFn{})
	register.Emitter1[lake.Batch]()
}
