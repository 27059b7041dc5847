package sources

import (
	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/progress"
)

// planned registers a split plan's sizes with the job's progress.
func planned(job string, objectIndex int, size int64, splits []format.Split) {
	sizes := make([]int64, len(splits))
	for i, s := range splits {
		sizes[i] = s.Bytes
	}
	progress.For(job).Planned(objectIndex, size, sizes)
}
