package datasets

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/objstore"
)

// InitOptions configure a DuckDB init script.
type InitOptions struct {
	// WithSecrets writes the S3 credentials found in the environment into
	// the script (a CREATE SECRET); without it the script names none.
	WithSecrets bool
	Options     objstore.Options
}

// View is one view of an init script: a dataset's table at its newest
// version.
type View struct {
	Name    string   // the view
	Dataset string   // the dataset's folder, relative to the lake
	Version string   // the version it reads
	Folder  string   // the table's folder in a whole-dataset version; "" for one table
	Files   []string // what it reads, as DuckDB addresses them
	Rows    int64
}

// InitSQL writes a script for `duckdb -init FILE`: for an s3:// lake the
// httpfs settings from the environment (S3_* first, then AWS_*, below the
// URL's own parameters, as lakelink reads them), and one view per
// exported dataset under lake over the files of its newest version. Each
// dataset is a folder holding a lakelink manifest.json; the landing zone
// (raw/) holds raw files and gets none. The views are fixed when written:
// run it again after a new export.
func InitSQL(ctx context.Context, lake string, o InitOptions) (string, []View, error) {
	if !strings.Contains(lake, "://") {
		if fi, err := os.Stat(lake); err != nil || !fi.IsDir() {
			return "", nil, fmt.Errorf("generate-init-sql: %s is no folder", lake)
		}
	}
	bucket, prefix, err := objstore.Destination(o.Options, lake)
	if err != nil {
		return "", nil, err
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	scheme := ""
	if i := strings.Index(bucket, "://"); i > 0 {
		scheme = bucket[:i]
	}
	if scheme != "" && scheme != "s3" {
		return "", nil, fmt.Errorf("generate-init-sql: %s:// lakes are not supported yet (s3:// and local folders are)", scheme)
	}
	b, done, err := objstore.OpenBucket(ctx, bucket)
	if err != nil {
		return "", nil, err
	}
	defer done()
	// addr turns a key into the path DuckDB reads.
	addr := func(key string) string {
		if scheme == "" {
			return filepath.ToSlash(filepath.Join(bucket, filepath.FromSlash(key)))
		}
		host := strings.TrimPrefix(bucket, "s3://")
		if q := strings.IndexByte(host, '?'); q >= 0 {
			host = host[:q]
		}
		return "s3://" + host + "/" + key
	}
	var views []View
	err = eachObject(ctx, b, &blob.ListOptions{Prefix: prefix}, func(obj *blob.ListObject) error {
		rel := strings.TrimPrefix(obj.Key, prefix)
		if path.Base(rel) != manifestName || strings.HasPrefix(rel, "raw/") {
			return nil
		}
		dsPrefix := strings.TrimSuffix(obj.Key, manifestName)
		m, err := readManifest(ctx, b, dsPrefix)
		if err != nil || len(m.Versions) == 0 {
			return nil // not a lakelink dataset (another tool's manifest), or empty
		}
		latest := m.Versions[len(m.Versions)-1]
		ds := strings.TrimSuffix(strings.TrimPrefix(dsPrefix, prefix), "/")
		byFolder := map[string]*View{}
		var order []string
		for _, f := range latest.Files {
			inVersion := strings.TrimPrefix(f.Path, latest.Version+"/")
			folder := ""
			if len(latest.Tables) > 0 {
				folder, _, _ = strings.Cut(inVersion, "/")
			}
			v := byFolder[folder]
			if v == nil {
				v = &View{Dataset: ds, Version: latest.Version, Folder: folder}
				byFolder[folder] = v
				order = append(order, folder)
			}
			v.Files = append(v.Files, addr(dsPrefix+f.Path))
			v.Rows += f.Rows
		}
		for _, f := range order {
			views = append(views, *byFolder[f])
		}
		return nil
	})
	if err != nil {
		return "", nil, objstore.ObjectError(lake, err)
	}
	nameViews(views)
	var sb strings.Builder
	fmt.Fprintf(&sb, "-- DuckDB init script for the lakelink lake %s (lakelink tools generate-init-sql).\n", objstore.Redact(lake))
	sb.WriteString("-- Run: duckdb -init FILE. The views read each dataset's newest version as it\n-- was when this was written; write the script again after a new export.\n")
	if scheme == "s3" {
		writeS3Settings(&sb, bucket, o.WithSecrets)
	}
	if len(views) == 0 {
		sb.WriteString("-- no exported datasets (folders with a lakelink manifest.json) under the lake\n")
	}
	for _, v := range views {
		fmt.Fprintf(&sb, "\n-- %s, version %s", v.Dataset, v.Version)
		if v.Folder != "" {
			fmt.Fprintf(&sb, ", table folder %s", v.Folder)
		}
		fmt.Fprintf(&sb, ": %d file(s), %d rows\n", len(v.Files), v.Rows)
		fmt.Fprintf(&sb, "CREATE OR REPLACE VIEW %s AS SELECT * FROM %s;\n", quoteIdent(v.Name), readerCall(v.Files))
	}
	return sb.String(), views, nil
}

const manifestName = "manifest.json"

var notIdent = regexp.MustCompile(`[^a-z0-9_]+`)

// nameViews names each view after its dataset's folder (and table
// folder), lower-cased, other characters as _; where two would share a
// name, after the dataset's whole path.
func nameViews(views []View) {
	name := func(v View, full bool) string {
		ds := v.Dataset
		if !full {
			ds = path.Base(ds)
		}
		n := ds
		if v.Folder != "" {
			n += "_" + v.Folder
		}
		n = strings.Trim(notIdent.ReplaceAllString(strings.ToLower(n), "_"), "_")
		if n == "" || n[0] >= '0' && n[0] <= '9' {
			n = "t_" + n
		}
		return n
	}
	count := map[string]int{}
	for _, v := range views {
		count[name(v, false)]++
	}
	for i := range views {
		views[i].Name = name(views[i], count[name(views[i], false)] > 1)
	}
	sort.SliceStable(views, func(i, j int) bool { return views[i].Name < views[j].Name })
}

// readerCall is DuckDB's table function for the files, by their ending.
func readerCall(files []string) string {
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = quoteString(f)
	}
	list := "[" + strings.Join(quoted, ", ") + "]"
	switch strings.ToLower(path.Ext(files[0])) {
	case ".csv":
		return "read_csv(" + list + ", header = true)"
	case ".ndjson", ".json", ".jsonl":
		return "read_json(" + list + ", format = 'newline_delimited')"
	}
	return "read_parquet(" + list + ")"
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func quoteIdent(s string) string  { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// s3Settings are an s3:// lake's connection settings, as lakelink itself
// would connect: the URL's parameters, then S3_*, then AWS_*.
type s3Settings struct {
	Endpoint, Region, URLStyle string
	UseSSL                     bool
	KeyID, Secret, Token       string
}

func s3From(bucket string) s3Settings {
	q := url.Values{}
	if i := strings.IndexByte(bucket, '?'); i >= 0 {
		q, _ = url.ParseQuery(bucket[i+1:])
	}
	first := func(vals ...string) string {
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	}
	s := s3Settings{UseSSL: true, URLStyle: "vhost"}
	ep := first(q.Get("endpoint"), os.Getenv("S3_ENDPOINT"), os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL"))
	if ep != "" {
		s.URLStyle = "path" // a custom endpoint: path style unless told otherwise
		switch strings.ToLower(os.Getenv("S3_USE_SSL")) {
		case "false", "0", "no", "off":
			s.UseSSL = false
		}
		if u, err := url.Parse(ep); err == nil && u.Host != "" {
			s.UseSSL = u.Scheme == "https"
			ep = u.Host
		}
		switch strings.ToLower(first(q.Get("use_path_style"), os.Getenv("S3_URL_STYLE"))) {
		case "false", "vhost", "virtual", "virtual_host", "virtual-hosted":
			s.URLStyle = "vhost"
		}
	}
	s.Endpoint = ep
	s.Region = first(q.Get("region"), os.Getenv("S3_REGION"), os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
	if id, sec := os.Getenv("S3_ACCESS_KEY_ID"), os.Getenv("S3_SECRET_ACCESS_KEY"); id != "" && sec != "" {
		s.KeyID, s.Secret, s.Token = id, sec, os.Getenv("S3_SESSION_TOKEN")
	} else {
		s.KeyID, s.Secret, s.Token = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
	}
	return s
}

func writeS3Settings(sb *strings.Builder, bucket string, withSecrets bool) {
	s := s3From(bucket)
	sb.WriteString("\nINSTALL httpfs;\nLOAD httpfs;\n")
	if s.Endpoint != "" {
		fmt.Fprintf(sb, "SET s3_endpoint = %s;\n", quoteString(s.Endpoint))
	}
	fmt.Fprintf(sb, "SET s3_url_style = %s;\n", quoteString(s.URLStyle))
	fmt.Fprintf(sb, "SET s3_use_ssl = %t;\n", s.UseSSL)
	if s.Region != "" {
		fmt.Fprintf(sb, "SET s3_region = %s;\n", quoteString(s.Region))
	}
	switch {
	case withSecrets && s.KeyID != "":
		fmt.Fprintf(sb, "CREATE OR REPLACE SECRET lakelink_s3 (TYPE s3, KEY_ID %s, SECRET %s", quoteString(s.KeyID), quoteString(s.Secret))
		if s.Token != "" {
			fmt.Fprintf(sb, ", SESSION_TOKEN %s", quoteString(s.Token))
		}
		if s.Region != "" {
			fmt.Fprintf(sb, ", REGION %s", quoteString(s.Region))
		}
		if s.Endpoint != "" {
			fmt.Fprintf(sb, ", ENDPOINT %s", quoteString(s.Endpoint))
		}
		fmt.Fprintf(sb, ", URL_STYLE %s, USE_SSL %t);\n", quoteString(s.URLStyle), s.UseSSL)
	case withSecrets:
		sb.WriteString("-- no credentials in the environment (S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY or AWS_*)\n")
	default:
		sb.WriteString("-- credentials are not written: generate with --with-secrets, or CREATE SECRET (TYPE s3, ...) first\n")
	}
}
