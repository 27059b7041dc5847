package sinks

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"gocloud.dev/blob"

	_ "github.com/lakelink/lakelink/internal/beamlake"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/sources"
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
// all are written, the job manifest. Commit then loads the manifest into
// the store.
func Stage(s beam.Scope, opt StageOptions, batches, deadLetters beam.PCollection) {
	s = s.Scope("sinks.Stage")
	rows := beam.ParDo(s, &stageRowsFn{Opt: opt}, batches)
	errs := beam.ParDo(s, &stageErrorsFn{Opt: opt}, deadLetters)
	// The sentinel makes the manifest appear even when there is no input.
	sentinel := beam.CreateList(s, []Segment{{}})
	all := beam.Flatten(s, rows, errs, sentinel)
	beam.ParDo0(s, &manifestFn{Opt: opt}, beam.GroupByKey(s, beam.AddFixedKey(s, all)))
}

// staging is the open staging bucket of a DoFn, opened in Setup and closed
// in Teardown.
type staging struct {
	bucket *blob.Bucket
	done   func()
}

func (st *staging) open(ctx context.Context, opt StageOptions) error {
	b, done, err := sources.OpenBucket(ctx, opt.Staging)
	st.bucket, st.done = b, done
	return err
}

func (st *staging) close() {
	if st.done != nil {
		st.done()
	}
}

type stageRowsFn struct {
	Opt StageOptions `json:"opt"`
	staging
}

func (fn *stageRowsFn) Setup(ctx context.Context) error { return fn.open(ctx, fn.Opt) }
func (fn *stageRowsFn) Teardown()                       { fn.close() }

func (fn *stageRowsFn) ProcessElement(ctx context.Context, b lake.Batch, emit func(Segment)) error {
	data, err := encodeRows(fn.Opt.Schema, b)
	if err != nil {
		return err
	}
	key := rowsKey(fn.Opt.Job, b.Origin)
	if err := fn.bucket.WriteAll(ctx, key, data, nil); err != nil {
		return fmt.Errorf("stage %s: %w", key, err)
	}
	emit(Segment{Name: key, Origin: b.Origin, Rows: int64(b.Rows()), Bytes: int64(len(data))})
	return nil
}

type stageErrorsFn struct {
	Opt StageOptions `json:"opt"`
	staging
}

func (fn *stageErrorsFn) Setup(ctx context.Context) error { return fn.open(ctx, fn.Opt) }
func (fn *stageErrorsFn) Teardown()                       { fn.close() }

func (fn *stageErrorsFn) ProcessElement(ctx context.Context, eb transforms.ErrorBatch, emit func(Segment)) error {
	data, err := json.Marshal(eb.Errors)
	if err != nil {
		return err
	}
	key := errorsKey(fn.Opt.Job, eb.Origin)
	if err := fn.bucket.WriteAll(ctx, key, data, nil); err != nil {
		return fmt.Errorf("stage %s: %w", key, err)
	}
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
	return fn.bucket.WriteAll(ctx, ManifestKey(fn.Opt.Job), data, nil)
}

func init() {
	register.DoFn3x1[context.Context, lake.Batch, func(Segment), error](&stageRowsFn{})
	register.DoFn3x1[context.Context, transforms.ErrorBatch, func(Segment), error](&stageErrorsFn{})
	register.DoFn3x1[context.Context, int, func(*Segment) bool, error](&manifestFn{})
	register.Emitter1[Segment]()
	register.Iter1[Segment]()
}
