package transforms_test

import (
	"fmt"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/transforms"
)

// A mapping renames and casts source columns into a table's schema; a
// value that does not convert is a row error naming its row and column,
// and the other rows go on.
func ExamplePlanMapping() {
	source := lake.Schema{Columns: []lake.Column{{Name: "doc_id", Type: lake.Text}, {Name: "vec", Type: lake.Text}}}
	table := lake.Schema{Columns: []lake.Column{{Name: "id", Type: lake.BigInt, NotNull: true}, {Name: "embedding", Type: lake.Vector(2)}},
		PrimaryKey: []string{"id"}}
	m, err := transforms.PlanMapping(source, table, []transforms.ColumnMap{{Source: "doc_id", Target: "id"}, {Source: "vec", Target: "embedding"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	rec, _ := lake.NewRecord(source, [][]any{{"1", "[0.5, 1]"}, {"two", "[1, 2]"}, {"3", "[3, 4, 5]"}})
	good, errs := m.Apply(lake.Batch{Origin: lake.Origin{Object: "docs.csv", RowGroup: -1, FirstRow: 2}, Record: rec})
	for _, b := range good {
		for i := 0; i < int(b.Record.NumRows()); i++ {
			fmt.Println(lake.ValueAt(b.Record.Column(0), i), lake.ValueAt(b.Record.Column(1), i))
		}
	}
	for _, e := range errs {
		fmt.Println(e)
	}
	// Output:
	// 1 [0.5 1]
	// docs.csv: line 3, column "doc_id": not an integer (value two)
	// docs.csv: line 4, column "vec": vector has 3 dimensions, expected 2 (value [3, 4, 5])
}
