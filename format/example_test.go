package format_test

import (
	"fmt"

	"github.com/lakelink/lakelink/format"
	_ "github.com/lakelink/lakelink/pipeline" // links every format the engine reads
)

// The registry picks a format by name or by an object's ending, and a
// format's declared options check what a statement gives.
func ExampleFormat_Bind() {
	fmt.Println(format.Names())
	fmt.Println(format.ForName("s3://lake/events/part-1.ndjson?region=eu-west-1"))
	f, _ := format.Lookup("csv")
	s, err := f.Bind(map[string]any{"delimiter": ";", "header": false})
	fmt.Println(s.String("delimiter"), s.Bool("header"), s.Int("sample_rows"), err)
	_, err = f.Bind(map[string]any{"delimiter": ";;"})
	fmt.Println(err)
	// Output:
	// [csv ndjson parquet]
	// ndjson
	// ; false 1000 <nil>
	// delimiter takes one character, not ";;"
}
