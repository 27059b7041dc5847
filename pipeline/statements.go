package pipeline

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/sinks"
)

// CreateTable is CREATE TABLE bound: the schema typed.
type CreateTable struct {
	Name        string
	Schema      lake.Schema
	IfNotExists bool
}

// Copy is an import statement bound: COPY FROM ... INTO t with its
// options typed.
type Copy struct{ Import Import }

// AlterTable is ALTER TABLE name ADD [COLUMN] col TYPE [NOT NULL]
// [DEFAULT v], DROP [COLUMN] [IF EXISTS] col, or RENAME [COLUMN] a TO b,
// with the added column typed.
type AlterTable struct {
	Name     string
	Action   string      // "add", "drop" or "rename"
	Column   lake.Column // the column to add
	Target   string      // the column to drop or rename
	NewName  string      // rename's new name
	IfExists bool        // DROP COLUMN IF EXISTS
}

// CreateIndex is CREATE INDEX [name] ON table USING hnsw|ivfpq|flat|auto
// (column) [WITH (metric = 'cosine'|'l2'|'ip', options...)]: for hnsw m,
// ef_construction, ef_search; for ivfpq nlist, m, nbits, nprobe, rerank;
// for auto both, prefixed hnsw_ and ivf_.
type CreateIndex struct {
	Name, Table, Column, Type, Metric string
	Options                           map[string]int
}

// reference is a column's REFERENCES table(column).
type reference struct{ Column, Table, RefColumn string }

// Options lists the WITH options of COPY, for errors and docs/statements.md.
var Options = []string{"format", "mode", "batch_size", "on_error", "on_missing_node", "duplicate_edges", "self_loops", "error_table", "max_errors", "primary_key", "key_columns", "detect_vectors", "staging", "region", "endpoint", "credentials", "partition_columns", "partition_filter", "filter", "parallel_workers",
	"build_indexes", "index_type", "index_metric", "hnsw_m", "hnsw_ef_construction", "hnsw_ef_search",
	"ivf_nlist", "ivf_m", "ivf_nbits", "ivf_nprobe", "ivf_rerank", "index_segment_rows"}

func setOption(o *ImportOptions, k string, v any) error {
	str := func() (string, error) {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("option %s takes a string", k)
		}
		return s, nil
	}
	num := func() (int64, error) {
		switch x := v.(type) {
		case int64:
			return x, nil
		case string:
			return strconv.ParseInt(x, 10, 64)
		}
		return 0, fmt.Errorf("option %s takes a whole number", k)
	}
	switch k {
	case "format":
		s, err := str()
		if err != nil {
			return err
		}
		f, err := format.Lookup(s)
		if err != nil {
			return err
		}
		o.Format = f.Name
	case "mode":
		s, err := str()
		if err != nil {
			return err
		}
		switch m := sinks.Mode(strings.ToLower(s)); m {
		case sinks.Append, sinks.Upsert, sinks.Update:
			o.Mode = m
		default:
			return fmt.Errorf("mode %q is not supported (append, upsert, update)", s)
		}
	case "batch_size":
		n, err := num()
		if err != nil || n < 1 || n > 1<<20 {
			return fmt.Errorf("batch_size must be between 1 and 1048576")
		}
		o.BatchSize = int(n)
	case "on_error":
		s, err := str()
		if err != nil {
			return err
		}
		s = strings.ToLower(s)
		if s != "continue" && s != "abort" {
			return fmt.Errorf("on_error must be 'continue' or 'abort'")
		}
		o.OnError = s
	case "on_missing_node":
		s, err := str()
		if err != nil {
			return err
		}
		s = strings.ToLower(s)
		if s != MissingNodeError && s != MissingNodeSkip && s != MissingNodeCreate {
			return fmt.Errorf("on_missing_node must be 'error', 'skip' or 'create'")
		}
		o.OnMissingNode = s
	case "duplicate_edges", "self_loops":
		s, err := str()
		if err != nil {
			return err
		}
		s = strings.ToLower(s)
		if s != "keep" && s != "skip" {
			return fmt.Errorf("%s must be 'keep' or 'skip'", k)
		}
		if k == "duplicate_edges" {
			o.DuplicateEdges = s
		} else {
			o.SelfLoops = s
		}
	case "error_table":
		s, err := str()
		if err != nil {
			return err
		}
		if !lake.ValidName(s) {
			return fmt.Errorf("error_table: invalid table name %q", s)
		}
		o.ErrorTable = s
	case "max_errors":
		n, err := num()
		if err != nil || n < 0 {
			return fmt.Errorf("max_errors must be a whole number >= 0")
		}
		o.MaxErrors = n
	case "primary_key", "key_columns":
		var cols []string
		switch x := v.(type) {
		case string:
			for _, part := range strings.Split(x, ",") {
				cols = append(cols, strings.TrimSpace(part))
			}
		case []any:
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("%s takes column names", k)
				}
				cols = append(cols, s)
			}
		default:
			return fmt.Errorf("%s takes a column name or a list", k)
		}
		if k == "primary_key" {
			o.PrimaryKey = cols
		} else {
			o.KeyColumns = cols
		}
	case "detect_vectors":
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("detect_vectors takes true or false")
		}
		o.DetectVectors = b
	case "build_indexes":
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("build_indexes takes true or false")
		}
		o.BuildIndexes = b
	case "index_type", "index_metric":
		s, err := str()
		if err != nil {
			return err
		}
		if k == "index_type" {
			o.IndexType = s
		} else {
			o.IndexMetric = s
		}
	case "hnsw_m", "hnsw_ef_construction", "hnsw_ef_search", "ivf_nlist", "ivf_m", "ivf_nbits", "ivf_nprobe", "ivf_rerank", "index_segment_rows":
		n, err := num()
		if err != nil {
			return err
		}
		if o.IndexOptions == nil {
			o.IndexOptions = map[string]int{}
		}
		o.IndexOptions[strings.TrimPrefix(k, "index_")] = int(n)
	case "staging":
		s, err := str()
		if err != nil {
			return err
		}
		o.Staging = s
	case "partition_columns":
		switch x := v.(type) {
		case string:
			for _, part := range strings.Split(x, ",") {
				o.PartitionColumns = append(o.PartitionColumns, strings.TrimSpace(part))
			}
		case []any:
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("partition_columns takes column names")
				}
				o.PartitionColumns = append(o.PartitionColumns, s)
			}
		default:
			return fmt.Errorf("partition_columns takes a column name or a list")
		}
		for _, c := range o.PartitionColumns {
			if !lake.ValidName(c) {
				return fmt.Errorf("invalid partition column name %q", c)
			}
		}
	case "filter", "partition_filter":
		s, err := str()
		if err != nil {
			return err
		}
		if o.Filter != "" {
			return fmt.Errorf("give one of filter and partition_filter (they are the same option)")
		}
		o.Filter = s
	case "parallel_workers":
		n, err := num()
		if err != nil || n < 1 || n > 1024 {
			return fmt.Errorf("parallel_workers must be between 1 and 1024")
		}
		o.Workers = int(n)
	case "region", "endpoint", "credentials":
		s, err := str()
		if err != nil {
			return err
		}
		setSourceOption(&o.Source, k, s)
	default:
		if slices.Contains(format.OptionNames(), k) { // checked against the format once it is known
			if o.FormatOptions == nil {
				o.FormatOptions = map[string]any{}
			}
			o.FormatOptions[k] = v
			return nil
		}
		return unknownName("option", k, append(slices.Clone(Options), format.OptionNames()...))
	}
	return nil
}

// setSourceOption sets region, endpoint or credentials, the bucket
// options that imports and exports share.
func setSourceOption(o *objstore.Options, k, v string) {
	switch k {
	case "region":
		o.Region = v
	case "endpoint":
		o.Endpoint = v
	default:
		o.Credentials = v
	}
}
