package indexes

import (
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops"
)

// The kinds registered here (kinds.go holds their definitions).
const (
	HNSW  = "hnsw"
	IVFPQ = "ivfpq"
	Flat  = "flat" // the vectors side by side: searches compare exactly
	// Auto chooses per part (PartKind): flat, hnsw or ivfpq by its size.
	Auto = "auto"
)

// PartKind is the structure of a part of n vectors of index d: d's type,
// or for an auto index vectorops.AutoStructure's choice (flat up to
// AutoFlatRows, HNSW up to 200,000 per two cores, IVF-PQ past that).
func PartKind(d store.IndexDef, n int) string {
	if d.Type != Auto {
		return d.Type
	}
	return vectorops.AutoStructure(n)
}

// AutoFlatRows is the most vectors of an auto index's flat parts
// (vectorops.AutoFlatRows, where the figures behind it are).
const AutoFlatRows = vectorops.AutoFlatRows

// HNSWConfig is the graph configuration of index d (zero fields take
// vectorops' defaults).
func HNSWConfig(d store.IndexDef) vectorops.HNSWConfig {
	o := d.Options
	return vectorops.HNSWConfig{M: o["hnsw_m"], EfConstruction: o["hnsw_ef_construction"], EfSearch: o["hnsw_ef_search"], Seed: 1}
}

// IVFPQConfig is the IVF-PQ configuration of index d.
func IVFPQConfig(d store.IndexDef) vectorops.IVFPQConfig {
	o := d.Options
	return vectorops.IVFPQConfig{NList: o["ivf_nlist"], M: o["ivf_m"], NBits: o["ivf_nbits"], NProbe: o["ivf_nprobe"], Rerank: o["ivf_rerank"], Seed: 1}
}

// Part sizes. A part's vectors are held in memory while it builds and
// while it is searched, and a search walks every part, so parts are as
// large as memory allows: partBytes of float32 vectors by default, a
// quarter of the import's memory limit when one is set, or the index's
// segment_rows option.
const (
	partBytes   = 512 << 20
	minPartRows = 1000
)

// SegmentRows is the most rows of index d that one part covers, for
// vectors of dim values, under an import memory limit (0 for none).
func SegmentRows(d store.IndexDef, dim int, memoryLimit int64) int {
	if n := d.Options["segment_rows"]; n > 0 {
		return n
	}
	bytes := int64(partBytes)
	if memoryLimit > 0 {
		bytes = min(bytes, memoryLimit/4)
	}
	return max(minPartRows, int(bytes/int64(4*max(1, dim))))
}
