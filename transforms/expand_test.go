package transforms_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/transforms"
)

var (
	collectedMu sync.Mutex
	collected   []string
)

// collect records each expanded row as "source->target@sourcerow".
func collect(b lake.Batch) {
	collectedMu.Lock()
	defer collectedMu.Unlock()
	rec := b.Record
	for i := 0; i < int(rec.NumRows()); i++ {
		collected = append(collected, fmt.Sprintf("%v->%v@%v", lake.ValueAt(rec.Column(0), i), lake.ValueAt(rec.Column(1), i), lake.ValueAt(rec.Column(2), i)))
	}
}

func init() { register.Function1x0(collect) }

// ExpandAdjacency, as a Beam transform on the direct runner: one row per
// list element, duplicates in one list once, self-loops kept or skipped,
// NULL lists and ids left out, each row with its source row.
func TestExpandAdjacency(t *testing.T) {
	final := lake.Schema{Columns: []lake.Column{{Name: "src", Type: lake.BigInt}, {Name: "dst", Type: lake.BigInt}}}
	in := transforms.ExpandingTarget(final, 1)
	rec, err := lake.NewRecord(in, [][]any{
		{int64(1), []any{int64(2), int64(3), int64(2), int64(1)}},
		{int64(2), nil},
		{int64(3), []any{nil, int64(1)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		e    transforms.Expansion
		want string
	}{
		{transforms.Expansion{Final: final, Column: 1, Source: 0}, "[1->2@0 1->3@0 1->1@0 3->1@2]"},
		{transforms.Expansion{Final: final, Column: 1, Source: 0, KeepDuplicates: true, SkipSelfLoops: true}, "[1->2@0 1->3@0 1->2@0 3->1@2]"},
	} {
		collected = nil
		p, s := beam.NewPipelineWithRoot()
		batches := beam.Create(s, lake.Batch{Origin: lake.Origin{Object: "x"}, Record: rec})
		out, _ := transforms.ExpandAdjacency(s, c.e, batches)
		beam.ParDo0(s, collect, out)
		if err := runners.Execute(context.Background(), p, runners.Options{Runner: "direct"}); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(collected) != c.want {
			t.Errorf("%+v: %v, want %s", c.e, collected, c.want)
		}
	}
}
