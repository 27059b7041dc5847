package storeio_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
)

var readings = lake.Schema{Columns: []lake.Column{
	{Name: "sensor", Type: lake.BigInt, NotNull: true},
	{Name: "celsius", Type: lake.Double},
}, PrimaryKey: []string{"sensor"}}

// sensorFn makes the batch of readings of one hour: a source of the
// program's own, with one origin per batch.
type sensorFn struct{}

func (*sensorFn) ProcessElement(hour int64, emit func(lake.Batch)) error {
	var rows [][]any
	for s := int64(0); s < 10; s++ {
		rows = append(rows, []any{s, 20 + float64(hour) + float64(s)/10})
	}
	rec, err := lake.NewRecord(readings, rows)
	if err != nil {
		return err
	}
	emit(lake.Batch{Origin: lake.Origin{Object: "sensors", ObjectIndex: int(hour)}, Record: rec})
	return nil
}

func init() { register.DoFn2x1[int64, func(lake.Batch), error](&sensorFn{}) }

// A program writes batches it makes itself into a table, as one commit:
// Open, Write in its pipeline, run it, Commit, Close. Later hours upsert
// over earlier ones.
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "lakelink-storeio-")
	defer os.RemoveAll(dir)
	st, _ := store.Open(dir)
	defer st.Close()
	ctx := context.Background()

	t, err := storeio.Open(ctx, st, "readings", readings, storeio.Options{Mode: "upsert"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer t.Close()
	p, s := beam.NewPipelineWithRoot()
	batches := beam.ParDo(s, &sensorFn{}, beam.CreateList(s, []int64{0, 1, 2}))
	storeio.Write(s, t, batches, beam.PCollection{})
	if err := runners.Execute(ctx, p, runners.Options{Runner: "direct"}); err != nil {
		fmt.Println(err)
		return
	}
	res, err := storeio.Commit(ctx, st, t, "direct", time.Now())
	fmt.Println(res.Rows, "rows written,", err)
	n, _ := st.Count("readings", st.Head())
	_ = st.Scan("readings", st.Head(), func(r store.Row) error {
		if r[0].(int64) == 3 {
			fmt.Println(n, "sensors; sensor 3 reads", r[1])
		}
		return nil
	})
	// Output:
	// 10 rows written, <nil>
	// 10 sensors; sensor 3 reads 22.3
}
