package lake_test

import (
	"fmt"

	"github.com/lakelink/lakelink/lake"
)

func ExampleParseType() {
	for _, s := range []string{"varchar(255)", "vector(1536)", "text[]", "double precision"} {
		t, _ := lake.ParseType(s)
		fmt.Println(t, t.ArrowType())
	}
	// Output:
	// TEXT utf8
	// VECTOR(1536) fixed_size_list<item: float32, nullable>[1536]
	// TEXT[] list<item: utf8, nullable>
	// DOUBLE float64
}
