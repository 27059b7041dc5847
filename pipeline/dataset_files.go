package pipeline

import (
	"path"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/sinks"
)

func datasetFiles(version string, files []sinks.WrittenFile) []datasets.File {
	out := make([]datasets.File, len(files))
	for i, f := range files {
		out[i] = datasets.File{Path: path.Join(version, f.Key), Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256}
	}
	return out
}
