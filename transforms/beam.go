package transforms

import (
	"context"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	_ "github.com/lakelink/lakelink/internal/beamlake"
	"github.com/lakelink/lakelink/lake"
)

// ErrorBatch is the dead-letter output of one input batch: the rows it
// rejected, in input order.
type ErrorBatch struct {
	Origin lake.Origin     `json:"origin"`
	Errors []lake.RowError `json:"errors"`
}

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

func init() {
	register.DoFn4x1[context.Context, lake.Batch, func(lake.Batch), func(ErrorBatch), error](&mapFn{})
	register.Emitter1[lake.Batch]()
	register.Emitter1[ErrorBatch]()
}
