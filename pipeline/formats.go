package pipeline

// The formats that COPY reads and writes, one registration line each
// (Parquet is registered by sources, which the engine imports anyway).
import (
	_ "github.com/lakelink/lakelink/io/csvio"
	_ "github.com/lakelink/lakelink/io/ndjsonio"
)
