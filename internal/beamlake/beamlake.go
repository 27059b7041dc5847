// Package beamlake registers lakelink's data types with Beam: Batch travels
// between stages as Arrow IPC (lake.EncodeBatch). Every package that builds
// Beam transforms over batches imports it, so the coder is registered
// exactly once, in one place.
package beamlake

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/lakelink/lakelink/lake"
)

// BatchType is the reflect type of lake.Batch.
var BatchType = reflect.TypeOf((*lake.Batch)(nil)).Elem()

func init() {
	beam.RegisterCoder(BatchType, lake.EncodeBatch, lake.DecodeBatch)
}
