package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/sql"
)

// declared is one WITH option of a statement, declared once: the
// declaration (name, kind, default, limits, help) checks the value and
// documents the option (the statement's option list, `lakelink sql
// --help`, the tables in docs/, which tests keep equal), and set puts the
// checked value (string, bool, int64 or []string) in place in the
// statement's options T. A nil set is an index option (hnsw_m, ...).
type declared[T any] struct {
	format.Option
	set func(o *T, v any) error
}

// copyOption declares a WITH option of COPY ... FROM.
type copyOption = declared[ImportOptions]

// indexOption sets one of an import's index options (hnsw_m, ...).
func indexOption(o *ImportOptions, name string, v any) error {
	if o.IndexOptions == nil {
		o.IndexOptions = map[string]int{}
	}
	o.IndexOptions[strings.TrimPrefix(name, "index_")] = int(v.(int64))
	return nil
}

var copyOptions = append([]copyOption{
	{format.Option{Name: "format", Kind: format.String, Help: "the objects' format, by name (docs/formats.md lists them)",
		DefaultText: "by the first object's ending, else 'parquet'"},
		func(o *ImportOptions, v any) error {
			f, err := format.Lookup(v.(string))
			o.Format = f.Name
			return err
		}},
	{format.Option{Name: "mode", Kind: format.String, OneOf: []string{"append", "upsert", "update"}, Default: "append",
		Help: "'append': a key already present (or repeated in the input) is a row error; 'upsert': new keys are inserted, existing rows replaced; " +
			"'update': only the columns the COPY feeds change, in existing rows, and a key with no row is a row error. " +
			"In upsert and update a key repeated in the input takes its last row in input order (object, then row), on every runner"},
		func(o *ImportOptions, v any) error { o.Mode = sinks.Mode(v.(string)); return nil }},
	{format.Option{Name: "key_columns", Kind: format.Columns, DefaultText: "the primary key",
		Help: "the columns that identify rows: the table's primary key (or the key of a table COPY creates); on a table made without a key, the import first makes them its primary key"},
		func(o *ImportOptions, v any) error { o.KeyColumns = v.([]string); return nil }},
	{format.Option{Name: "primary_key", Kind: format.Columns, DefaultText: "none (rows keep input order)",
		Help: "the key of a table COPY creates"},
		func(o *ImportOptions, v any) error { o.PrimaryKey = v.([]string); return nil }},
	{format.Option{Name: "batch_size", Kind: format.Int, Min: 1, Max: 1 << 20, Default: int64(4096), Help: "rows per batch"},
		func(o *ImportOptions, v any) error { o.BatchSize = int(v.(int64)); return nil }},
	{format.Option{Name: "on_error", Kind: format.String, OneOf: []string{"abort", "continue"},
		DefaultText: "'abort'; 'continue' when max_errors is given",
		Help:        "'abort' fails at the first bad row and commits nothing; 'continue' skips bad rows into the error tables"},
		func(o *ImportOptions, v any) error { o.OnError = v.(string); return nil }},
	{format.Option{Name: "max_errors", Kind: format.Int, DefaultText: "no limit",
		Help: "fail, committing nothing (rows or errors), past this many bad rows"},
		func(o *ImportOptions, v any) error { o.MaxErrors = v.(int64); return nil }},
	{format.Option{Name: "error_table", Kind: format.String, DefaultText: "none (errors stay in the job's list, `lakelink errors JOB`)",
		Help: "also write each rejected row's error as a row of this ordinary table (job_id, source, row_group, row, column, value, reason, at), created if missing, in the job's commit"},
		func(o *ImportOptions, v any) error {
			if !lake.ValidName(v.(string)) {
				return fmt.Errorf("error_table: invalid table name %q", v)
			}
			o.ErrorTable = v.(string)
			return nil
		}},
	{format.Option{Name: "on_missing_node", Kind: format.String, OneOf: []string{storeio.MissingNodeError, storeio.MissingNodeSkip, storeio.MissingNodeCreate}, Default: storeio.MissingNodeError,
		Help: "what an edge import does with an edge whose source or target is no node: a row error, skip the edge, or create the node"},
		func(o *ImportOptions, v any) error { o.OnMissingNode = v.(string); return nil }},
	{format.Option{Name: "duplicate_edges", Kind: format.String, OneOf: []string{"keep", "skip"}, Default: "skip",
		Help: "whether an adjacency list's repeated targets make repeated edges"},
		func(o *ImportOptions, v any) error { o.DuplicateEdges = v.(string); return nil }},
	{format.Option{Name: "self_loops", Kind: format.String, OneOf: []string{"keep", "skip"}, Default: "keep",
		Help: "whether an adjacency list's edges from a node to itself are kept"},
		func(o *ImportOptions, v any) error { o.SelfLoops = v.(string); return nil }},
	{format.Option{Name: "detect_vectors", Kind: format.Bool, Default: true,
		Help: "a list-of-float Parquet column whose values have one length n becomes VECTOR(n) in a table COPY creates"},
		func(o *ImportOptions, v any) error { o.DetectVectors = v.(bool); return nil }},
	{format.Option{Name: "staging", Kind: format.String, DefaultText: "<store>/staging",
		Help: "the folder or bucket URL where workers stage segments"},
		func(o *ImportOptions, v any) error { o.Staging = v.(string); return nil }},
	{format.Option{Name: "region", Kind: format.String, DefaultText: "the AWS default chain", Help: "S3 region"},
		func(o *ImportOptions, v any) error { setSourceOption(&o.Source, "region", v.(string)); return nil }},
	{format.Option{Name: "endpoint", Kind: format.String, DefaultText: "AWS",
		Help: "an S3-compatible server, e.g. 'http://127.0.0.1:7070' (path-style addressing)"},
		func(o *ImportOptions, v any) error { setSourceOption(&o.Source, "endpoint", v.(string)); return nil }},
	{format.Option{Name: "credentials", Kind: format.String, DefaultText: "the driver's default chain",
		Help: "S3: an AWS profile name; GCS: the path of a service-account JSON file; Azure: 'env:NAME', the environment variable holding a connection string"},
		func(o *ImportOptions, v any) error { setSourceOption(&o.Source, "credentials", v.(string)); return nil }},
	{format.Option{Name: "partition_columns", Kind: format.Columns, DefaultText: "none",
		Help: "Hive partition folders (year=2024/month=03/) whose values become columns"},
		func(o *ImportOptions, v any) error {
			for _, c := range v.([]string) {
				if !lake.ValidName(c) {
					return fmt.Errorf("invalid partition column name %q", c)
				}
			}
			o.PartitionColumns = append(o.PartitionColumns, v.([]string)...)
			return nil
		}},
	{format.Option{Name: "filter", Kind: format.String, DefaultText: "all rows",
		Help: "which rows to import, over partition and data columns: 'year = 2024 AND month >= 3'"}, setFilter},
	{format.Option{Name: "partition_filter", Kind: format.String, DefaultText: "all rows", Help: "the same as filter"}, setFilter},
	{format.Option{Name: "parallel_workers", Kind: format.Int, Min: 1, Max: 1024, DefaultText: "one per core",
		Help: "splits (row groups, objects) each worker process reads at once"},
		func(o *ImportOptions, v any) error { o.Workers = int(v.(int64)); return nil }},
	{format.Option{Name: "build_indexes", Kind: format.Bool, Default: false,
		Help: "declare an index on every VECTOR column that has none, built in the job's commit (an indexed table's indexes are always kept up to date)"},
		func(o *ImportOptions, v any) error { o.BuildIndexes = v.(bool); return nil }},
	{format.Option{Name: "index_type", Kind: format.String, OneOf: indexes.Kinds(), Default: indexes.HNSW,
		Help: "the kind of the indexes build_indexes declares ('flat': exact comparisons with every vector; 'auto' picks by size)"},
		func(o *ImportOptions, v any) error { o.IndexType = v.(string); return nil }},
	{format.Option{Name: "index_metric", Kind: format.String, Default: "cosine", Help: "their metric: 'cosine', 'l2' or 'ip'"},
		func(o *ImportOptions, v any) error { o.IndexMetric = v.(string); return nil }},
}, indexCopyOptions()...)

// indexCopyOptions are the index options COPY takes for the indexes that
// build_indexes declares, as the index kinds declare them (indexes.Options);
// segment_rows is index_segment_rows here.
func indexCopyOptions() []copyOption {
	var out []copyOption
	for _, o := range indexes.Options() {
		if o.Name == indexes.SegmentRowsOption.Name {
			o.Name = "index_" + o.Name
			o.DefaultText = "512 MB of vectors, or a quarter of import_memory_limit"
			o.Help = "the most rows one index part covers (segment_rows in CREATE INDEX)"
		}
		out = append(out, copyOption{o, nil})
	}
	return out
}

func setFilter(o *ImportOptions, v any) error {
	if o.Filter != "" {
		return fmt.Errorf("give one of filter and partition_filter (they are the same option)")
	}
	o.Filter = v.(string)
	return nil
}

// Options lists the WITH options of COPY ... FROM, as declared.
var Options = names(copyOptions)

// SetCopyOption checks one WITH option of COPY ... FROM against its
// declaration and sets it.
func SetCopyOption(o *ImportOptions, k string, v any) error {
	return apply(copyOptions, o, &o.FormatOptions, indexOption, k, v)
}

// CopyOptionsTable prints COPY's options as a Markdown table: what
// docs/statements.md shows (a test keeps the two equal).
func CopyOptionsTable() string { return table(copyOptions) }

// names lists declared options' names, in order.
func names[T any](decls []declared[T]) []string {
	out := make([]string, len(decls))
	for i, d := range decls {
		out[i] = d.Name
	}
	return out
}

// apply checks option k against its declaration and sets it in o. A
// format's options are kept in formatOptions for the format to check once
// it is known (bindFormatOptions); an unknown name gets the nearest known.
func apply[T any](decls []declared[T], o *T, formatOptions *map[string]any, index func(*T, string, any) error, k string, v any) error {
	i := slices.IndexFunc(decls, func(d declared[T]) bool { return d.Name == k })
	if i < 0 {
		if slices.Contains(format.OptionNames(), k) {
			if *formatOptions == nil {
				*formatOptions = map[string]any{}
			}
			(*formatOptions)[k] = v
			return nil
		}
		return sql.Unknown("option", k, append(names(decls), format.OptionNames()...))
	}
	val, err := decls[i].Check(v)
	if err != nil {
		return err
	}
	if decls[i].set == nil {
		return index(o, k, val)
	}
	return decls[i].set(o, val)
}

// table prints declared options as a Markdown table.
func table[T any](decls []declared[T]) string {
	var b strings.Builder
	b.WriteString("| option | values | default | what it does |\n|---|---|---|---|\n")
	for _, d := range decls {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", d.Name, d.TypeString(), d.DefaultString(), d.Help)
	}
	return b.String()
}

// exportOption declares a WITH option of COPY ... TO.
type exportOption = declared[ExportOptions]

// exportIndexOption sets one of an export's AILK index options.
func exportIndexOption(o *ExportOptions, name string, v any) error {
	if o.IndexOptions == nil {
		o.IndexOptions = map[string]int{}
	}
	o.IndexOptions[name] = int(v.(int64))
	return nil
}

var exportOptions = []exportOption{
	{format.Option{Name: "format", Kind: format.String, Help: "the format written, by name (docs/formats.md lists them)",
		DefaultText: "by the URL's ending, else 'parquet'"},
		func(o *ExportOptions, v any) error {
			f, err := format.Lookup(v.(string))
			if err == nil && f.NewWriter == nil {
				err = fmt.Errorf("format %s is read, not written", f.Name)
			}
			o.Format = f.Name
			return err
		}},
	{format.Option{Name: "max_file_size", Kind: format.Size, DefaultText: "256MB (a folder); no limit (one file)",
		Help: "a file closes when the writer's estimate of its size reaches it (rows go in steps sized from the file's bytes per row so far, so a file ends within a step of the limit); the footer and AILK sections come on top"},
		func(o *ExportOptions, v any) error { o.MaxFileSize = v.(int64); return nil }},
	{format.Option{Name: "partition_by", Kind: format.Columns, DefaultText: "none",
		Help: "Hive folders col=value/ts_date=2024-05-01/ by columns, DATE(ts) or MONTH(ts) (ts_month=2024-05): plain partition columns leave the files (their values are in the path), DATE(ts) and MONTH(ts) keep ts; NULL is __HIVE_DEFAULT_PARTITION__; values are path-escaped"},
		func(o *ExportOptions, v any) error {
			o.PartitionBy = nil
			for _, c := range v.([]string) {
				part := sinks.Partition{Column: strings.TrimSpace(c)}
				if up := strings.ToUpper(part.Column); strings.HasPrefix(up, "DATE(") && strings.HasSuffix(up, ")") {
					part = sinks.Partition{Column: strings.TrimSpace(part.Column[5 : len(part.Column)-1]), Date: true}
				} else if strings.HasPrefix(up, "MONTH(") && strings.HasSuffix(up, ")") {
					part = sinks.Partition{Column: strings.TrimSpace(part.Column[6 : len(part.Column)-1]), Month: true}
				}
				if !validName(part.Column) {
					return fmt.Errorf("partition_by: %q is not a column name, DATE(column) or MONTH(column)", c)
				}
				o.PartitionBy = append(o.PartitionBy, part)
			}
			return nil
		}},
	{format.Option{Name: "dated", Kind: format.Bool, Default: false,
		Help: "write a new version URL/YYYY_MM_DD/HH_mm_SS_sss/ (UTC), listed in URL/manifest.json"},
		func(o *ExportOptions, v any) error { o.Dated = v.(bool); return nil }},
	{format.Option{Name: "overwrite", Kind: format.Bool, Default: false, Help: "replace what a non-dated destination holds (otherwise a non-empty destination is an error)"},
		func(o *ExportOptions, v any) error { o.Overwrite = v.(bool); return nil }},
	{format.Option{Name: "vector_index", Kind: format.String, OneOf: []string{"none", "hnsw", "ivfpq", "flat", "auto"}, Default: "none",
		Help: "Parquet: embed an AILK section per vector column, searchable in place (index_columns, index_metric and the hnsw_ and ivf_ options tune it); 'auto' picks per file as auto indexes do"},
		func(o *ExportOptions, v any) error { o.VectorIndex = v.(string); return nil }},
	{format.Option{Name: "index_metric", Kind: format.String, DefaultText: "the column's index metric, else 'cosine'", Help: "the AILK index's metric"},
		func(o *ExportOptions, v any) error { o.IndexMetric = v.(string); return nil }},
	{format.Option{Name: "index_columns", Kind: format.Columns, DefaultText: "every vector column", Help: "the columns the AILK sections index"},
		func(o *ExportOptions, v any) error { o.IndexColumns = v.([]string); return nil }},
	{format.Option{Name: "deferred_index", Kind: format.Bool, Default: false, Help: "publish plain Parquet first and add the sections in the background, file by file (its job in `lakelink status`; a search meanwhile scans the plain files)"},
		func(o *ExportOptions, v any) error { o.Deferred = v.(bool); return nil }},
	{format.Option{Name: "parallel_workers", Kind: format.Int, Min: 1, DefaultText: "one per core (one with at_tag)",
		Help: "ranges the snapshot is read and written in"},
		func(o *ExportOptions, v any) error { o.Parallel = int(v.(int64)); return nil }},
	{format.Option{Name: "staging", Kind: format.String, DefaultText: "<store>/staging", Help: "where a snapshot for workers in other processes is staged"},
		func(o *ExportOptions, v any) error { o.Staging = v.(string); return nil }},
	{format.Option{Name: "region", Kind: format.String, DefaultText: "the AWS default chain", Help: "S3 region"},
		func(o *ExportOptions, v any) error { setSourceOption(&o.Source, "region", v.(string)); return nil }},
	{format.Option{Name: "endpoint", Kind: format.String, DefaultText: "AWS", Help: "an S3-compatible server"},
		func(o *ExportOptions, v any) error { setSourceOption(&o.Source, "endpoint", v.(string)); return nil }},
	{format.Option{Name: "credentials", Kind: format.String, DefaultText: "the driver's default chain", Help: "as for imports"},
		func(o *ExportOptions, v any) error { setSourceOption(&o.Source, "credentials", v.(string)); return nil }},
	{format.Option{Name: "at_tag", Kind: format.String, DefaultText: "none",
		Help: "export the table as the tag pins it, reproducibly: byte-identical files, listed with their SHA-256 in audit.json"},
		func(o *ExportOptions, v any) error { o.AtTag = v.(string); return nil }},
}

// ailkOptions are the index options an export's AILK sections take, as
// the index kinds declare them.
var ailkOptions = []string{"hnsw_m", "hnsw_ef_construction", "ivf_nlist", "ivf_m", "ivf_nbits"}

func init() {
	for _, o := range indexes.Options() {
		if slices.Contains(ailkOptions, o.Name) {
			o.Help = "AILK " + o.Help
			exportOptions = append(exportOptions, exportOption{o, nil})
		}
	}
	ExportOptionNames = names(exportOptions)
}

// ExportOptionNames lists the options an export takes, as declared.
var ExportOptionNames = names(exportOptions)

// SetExportOption checks one WITH option of COPY ... TO against its
// declaration and sets it.
func SetExportOption(o *ExportOptions, k string, v any) error {
	return apply(exportOptions, o, &o.FormatOptions, exportIndexOption, k, v)
}

// ExportOptionsTable prints the export options as a Markdown table, for
// docs/exports.md (a test keeps the two equal).
func ExportOptionsTable() string { return table(exportOptions) }

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
