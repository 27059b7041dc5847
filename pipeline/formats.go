package pipeline

// The formats that COPY reads and writes, one registration line each.
import (
	_ "github.com/lakelink/lakelink/io/csvio"
	_ "github.com/lakelink/lakelink/io/ndjsonio"
	_ "github.com/lakelink/lakelink/io/parquetio"
)
