package transforms

import (
	"context"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	_ "github.com/lakelink/lakelink/internal/beamlake"
	"github.com/lakelink/lakelink/lake"
)

// ErrorBatch is the dead-letter output of one input batch (lake.ErrorBatch).
type ErrorBatch = lake.ErrorBatch

// MapColumns applies a mapping to every batch. It returns the mapped batches
// and the dead-letter collection of ErrorBatch.
func MapColumns(s beam.Scope, m Mapping, batches beam.PCollection) (mapped, deadLetters beam.PCollection) {
	s = s.Scope("transforms.MapColumns")
	return beam.ParDo2(s, &mapFn{Mapping: m}, batches)
}

type mapFn struct {
	Mapping Mapping `json:"mapping"`
}

func (fn *mapFn) ProcessElement(_ context.Context, b lake.Batch, emit func(lake.Batch), dead func(ErrorBatch)) error {
	good, errs := fn.Mapping.Apply(b)
	for _, g := range good {
		emit(g)
	}
	if len(errs) > 0 {
		dead(ErrorBatch{Origin: b.Origin, Errors: errs})
	}
	return nil
}

// ExpandAdjacency expands the adjacency-list column of every batch into
// one row per element (Expansion); the batches have the schema
// ExpandingTarget(e.Final, e.Column). MapColumns does the same for a
// mapping with Expand set; this is the step alone, for pipelines that
// build their batches themselves.
func ExpandAdjacency(s beam.Scope, e Expansion, batches beam.PCollection) (expanded, deadLetters beam.PCollection) {
	s = s.Scope("transforms.ExpandAdjacency")
	return beam.ParDo2(s, &expandFn{Expansion: e}, batches)
}

type expandFn struct {
	Expansion Expansion `json:"expansion"`
}

func (fn *expandFn) ProcessElement(_ context.Context, b lake.Batch, emit func(lake.Batch), dead func(ErrorBatch)) error {
	m := Mapping{Expand: &fn.Expansion}
	good, errs := m.expandAll(b, b.Record, nil)
	for _, g := range good {
		emit(g)
	}
	if len(errs) > 0 {
		dead(ErrorBatch{Origin: b.Origin, Errors: errs})
	}
	return nil
}

func init() {
	register.DoFn4x1[context.Context, lake.Batch, func(lake.Batch), func(ErrorBatch), error](&mapFn{})
	register.DoFn4x1[context.Context, lake.Batch, func(lake.Batch), func(ErrorBatch), error](&expandFn{})
	register.Emitter1[lake.Batch]()
	register.Emitter1[ErrorBatch]()
}
