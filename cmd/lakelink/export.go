package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/history"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
)

type queryCmdFn = func(use, short string, nargs cobra.PositionalArgs, run func(ctx context.Context, st *store.Store, args []string) (engine.Result, error)) *cobra.Command

// newExportCmd is `lakelink export dataset|ls|prune`: dated exports of a
// table, URL/YYYY_MM_DD/HH_mm_SS_sss/ with URL/manifest.json.
func newExportCmd(query queryCmdFn, g *globalFlags, stdout io.Writer) *cobra.Command {
	export := &cobra.Command{Use: "export", Short: "Dated exports of tables to Parquet folders with a manifest: dataset, ls, prune"}

	var compression, vectorIndex, at, dsFormat, graph string
	var tables []string
	var allTables, deferredIndex bool
	dataset := query("dataset (TABLE URL | URL --graph G | URL --tables T,... | URL --all)", "Export a table, a graph, several tables or all of them as a new dated version of the dataset at URL", cobra.RangeArgs(1, 2), func(ctx context.Context, st *store.Store, args []string) (engine.Result, error) {
		o := pipeline.ExportOptions{Dated: true, VectorIndex: vectorIndex, Deferred: deferredIndex}
		if deferredIndex && vectorIndex == "" {
			return engine.Result{}, fmt.Errorf("--deferred-index defers the sections --vector-index asks for")
		}
		switch strings.ToLower(dsFormat) {
		case "", "parquet":
		case "csv":
			o.Format = "csv"
		case "json", "ndjson":
			o.Format = "ndjson"
		default:
			return engine.Result{}, fmt.Errorf("--format %q: parquet, csv or json", dsFormat)
		}
		if o.Format != "" && vectorIndex != "" {
			return engine.Result{}, fmt.Errorf("--vector-index embeds AILK sections in Parquet files, not %s", dsFormat)
		}
		if compression != "" {
			o.FormatOptions = map[string]any{"compression": compression}
		}
		sess := &engine.Session{Store: st}
		commit := st.Head()
		if at != "" {
			var err error
			if commit, err = sess.Resolve(at); err != nil {
				return engine.Result{}, fmt.Errorf("--at: %w", err)
			}
		}
		ro := runners.Options{Runner: g.runner, Endpoint: g.endpoint, Environment: g.env, Verbose: g.verbose}
		whole := 0
		for _, on := range []bool{graph != "", len(tables) > 0, allTables} {
			if on {
				whole++
			}
		}
		switch {
		case whole > 1:
			return engine.Result{}, fmt.Errorf("give one of --graph, --tables and --all")
		case whole == 1 && len(args) != 1:
			return engine.Result{}, fmt.Errorf("with --graph, --tables or --all, give only the URL (export dataset URL --graph G)")
		case whole == 0 && len(args) != 2:
			return engine.Result{}, fmt.Errorf("export dataset TABLE URL, or URL with --graph G, --tables T,... or --all")
		}
		if whole == 0 {
			ex := pipeline.Export{Query: engine.Select{Table: args[0], Star: true, Limit: -1}, URL: args[1], Options: o,
				Statement: fmt.Sprintf("lakelink export dataset %s %s", args[0], objstore.Redact(args[1]))}
			res, err := pipeline.RunExport(ctx, st, ex, ro, commit)
			if err != nil {
				return engine.Result{}, err
			}
			if res.Deferred != nil {
				if err := spawnSections(*res.Deferred); err != nil {
					return engine.Result{}, fmt.Errorf("the files are published without AILK sections; starting their background step failed: %w", err)
				}
			}
			return engine.Result{Message: pipeline.ExportMessage(res)}, nil
		}
		var list []pipeline.DatasetTable
		var err error
		what := ""
		switch {
		case graph != "":
			list, err = pipeline.GraphTables(st, graph, commit)
			what = "--graph " + graph
		case allTables:
			list, err = pipeline.NamedTables(st, nil, commit)
			what = "--all"
		default:
			list, err = pipeline.NamedTables(st, tables, commit)
			what = "--tables " + strings.Join(tables, ",")
		}
		if err != nil {
			return engine.Result{}, err
		}
		dx := pipeline.DatasetExport{Tables: list, URL: args[0], Options: o,
			Statement: fmt.Sprintf("lakelink export dataset %s %s", objstore.Redact(args[0]), what)}
		res, err := pipeline.RunDatasetExport(ctx, st, dx, ro, commit)
		if err != nil {
			return engine.Result{}, err
		}
		var steps []pipeline.DeferredSections
		for _, t := range res.Tables {
			if t.Deferred != nil {
				steps = append(steps, *t.Deferred)
			}
		}
		if err := spawnSections(steps...); err != nil {
			return engine.Result{}, fmt.Errorf("the files are published without AILK sections; starting their background step failed: %w", err)
		}
		return engine.Result{Message: pipeline.DatasetMessage(res)}, nil
	})
	// --format is the files' format here, not the output's (a one-line
	// message): the query helper's output flag is dropped.
	dataset.ResetFlags()
	dataset.Flags().StringVar(&compression, "compression", "", "snappy (default), zstd, gzip or none")
	dataset.Flags().StringVar(&vectorIndex, "vector-index", "", "embed AILK sections: hnsw, ivfpq, flat or auto (by each file's size)")
	dataset.Flags().BoolVar(&deferredIndex, "deferred-index", false, "publish the files plain and add the AILK sections in the background (a job per table in lakelink status, run one after another)")
	dataset.Flags().StringVar(&at, "at", "", "export the table at a tag, commit number or time")
	dataset.Flags().StringVar(&dsFormat, "format", "parquet", "the files' format: parquet, csv or json (newline-delimited)")
	dataset.Flags().StringVar(&graph, "graph", "", "export a graph: every node and edge table, in folders named as in the graph")
	dataset.Flags().StringSliceVar(&tables, "tables", nil, "export these tables, one folder each")
	dataset.Flags().BoolVar(&allTables, "all", false, "export every table, one folder each")
	dataset.Example = `  lakelink export dataset documents ./lake/datasets/documents
  lakelink export dataset s3://datalake/datasets/wiki --graph wiki --format csv
  lakelink export dataset ./lake/datasets/shop --tables orders,customers
  lakelink export dataset ./lake/datasets/all --all`

	var all bool
	var lsFormat string
	ls := &cobra.Command{
		Use:   "ls [-a] URL",
		Short: "List a dataset's versions (the latest; -a for all)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := newWriter(lsFormat, stdout)
			if err != nil {
				return err
			}
			vs, err := datasets.Versions(cmd.Context(), args[0], objstore.Options{})
			if err != nil {
				return err
			}
			if len(vs) == 0 {
				return fmt.Errorf("%s has no versions (no manifest.json)", objstore.Redact(args[0]))
			}
			if !all {
				vs = vs[len(vs)-1:]
			}
			res := engine.Result{Columns: []string{"version", "created", "tables", "commit", "rows", "bytes", "files"}}
			for i := len(vs) - 1; i >= 0; i-- {
				v := vs[i]
				tables := v.Table
				if len(v.Tables) > 0 {
					tables = strings.Join(v.Tables, ", ")
				}
				res.Rows = append(res.Rows, []any{v.Version, v.Created, tables, int64(v.Commit), v.Rows, v.Bytes, int64(len(v.Files))})
			}
			return w.write(res)
		},
	}
	ls.Flags().BoolVarP(&all, "all", "a", false, "list every version, newest first")
	ls.Flags().StringVar(&lsFormat, "format", "table", "output format: table, csv or json")

	var keep int
	prune := &cobra.Command{
		Use:   "prune URL --keep N",
		Short: "Delete all but the newest N versions of a dataset",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("keep") {
				return fmt.Errorf("prune needs --keep N")
			}
			gone, err := datasets.Prune(cmd.Context(), args[0], keep, objstore.Options{})
			var names []string
			for _, v := range gone {
				names = append(names, v.Version)
			}
			if len(gone) > 0 {
				fmt.Fprintf(stdout, "pruned %d version(s): %s\n", len(gone), strings.Join(names, ", "))
			} else if err == nil {
				fmt.Fprintln(stdout, "nothing to prune")
			}
			return err
		},
	}
	prune.Flags().IntVar(&keep, "keep", 0, "how many of the newest versions to keep (at least 1)")
	export.AddCommand(dataset, ls, prune, newSectionsCmd(g, stdout))
	return export
}

// newAuditCmd is `lakelink audit verify URL`.
func newAuditCmd(query queryCmdFn) *cobra.Command {
	audit := &cobra.Command{Use: "audit", Short: "Check reproducible exports (COPY t TO URL WITH (at_tag = ...)) against their manifest and the store"}
	verify := query("verify URL", "Re-check an audit export: every file's SHA-256, the tag, and the files' rows against the table at the tag", cobra.ExactArgs(1), func(ctx context.Context, st *store.Store, args []string) (engine.Result, error) {
		rep, err := engine.VerifyAudit(ctx, st, args[0], objstore.Options{})
		if err != nil {
			return engine.Result{}, err
		}
		m := rep.Manifest
		msg := fmt.Sprintf("ok: %d file(s), %d bytes, SHA-256 as listed; %s at tag %s (commit %d)", rep.Files, rep.Bytes, m.Table, m.Tag, m.Commit)
		if m.Full {
			msg += fmt.Sprintf("; the files' %d rows have the table's digest %s", rep.Rows, rep.Digest)
		} else {
			msg += "; a partial export (a SELECT): its rows are not compared with the table"
		}
		return engine.Result{Message: msg}, nil
	})
	audit.AddCommand(verify)
	return audit
}

func defaultBackups() string {
	if u := os.Getenv("LAKELINK_BACKUP_URL"); u != "" {
		return u
	}
	return "./lakelink-backups"
}

// newBackupCmd is `lakelink backup create|ls|restore`.
func newBackupCmd(query queryCmdFn, g *globalFlags, stdout io.Writer) *cobra.Command {
	backup := &cobra.Command{Use: "backup", Short: "Back the store up to a folder or bucket (dated, with a manifest) and restore it"}
	var to string
	var incremental, coldFiles bool
	create := query("create [--to URL] [--incremental] [--cold-files]", "Back up every commit of the store (or, --incremental, those since the last backup)", cobra.NoArgs, func(ctx context.Context, st *store.Store, _ []string) (engine.Result, error) {
		r, err := datasets.CreateBackup(ctx, st, to, incremental, objstore.Options{})
		if err != nil {
			return engine.Result{}, err
		}
		kind := "full"
		if r.Incremental {
			kind = fmt.Sprintf("incremental (commits %d to %d, after %s)", r.Since, r.Head, r.Base)
		}
		msg := fmt.Sprintf("backup %s: %s, %d bytes, up to commit %d", r.Version, kind, r.Bytes, r.Head)
		if coldFiles {
			n, bytes, err := datasets.CopyColdFiles(ctx, st, to, objstore.Options{})
			if err != nil {
				return engine.Result{Message: msg}, fmt.Errorf("%s; copying the cold files: %w", msg, err)
			}
			msg += fmt.Sprintf("; %d cold file(s) copied (%s)", n, pipeline.HumanBytes(bytes))
		}
		return engine.Result{Message: msg}, nil
	})
	create.Flags().StringVar(&to, "to", defaultBackups(), "where backups go: a folder or bucket URL (or $LAKELINK_BACKUP_URL)")
	create.Flags().BoolVar(&incremental, "incremental", false, "only the commits since the last backup there")
	create.Flags().BoolVar(&coldFiles, "cold-files", false, "also copy the tables' cold files (those not there yet) into URL/cold/, which a restored store reads when their own location lost them")

	var all bool
	var lsFormat, from string
	ls := &cobra.Command{
		Use:   "ls [-a] [URL]",
		Short: "List backups (the latest; -a for all, newest first)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := newWriter(lsFormat, stdout)
			if err != nil {
				return err
			}
			url := defaultBackups()
			if len(args) == 1 {
				url = args[0]
			}
			list, err := datasets.ListBackups(cmd.Context(), url, objstore.Options{})
			if err != nil {
				return err
			}
			if !all && len(list) > 0 {
				list = list[len(list)-1:]
			}
			res := engine.Result{Columns: []string{"version", "created", "kind", "since", "head", "bytes", "encrypted"}}
			for i := len(list) - 1; i >= 0; i-- {
				r := list[i]
				kind := "full"
				if r.Incremental {
					kind = "incremental"
				}
				res.Rows = append(res.Rows, []any{r.Version, r.Created, kind, int64(r.Since), int64(r.Head), r.Bytes, r.Encrypted})
			}
			return w.write(res)
		},
	}
	ls.Flags().BoolVarP(&all, "all", "a", false, "every backup")
	ls.Flags().StringVar(&lsFormat, "format", "table", "output format: table, csv or json")

	var target, source string
	var force bool
	restore := &cobra.Command{
		Use:   "restore [URL] --target DIR [--from|--source TIME|VERSION] [--force]",
		Short: "Restore the latest backup (or the latest at or before --from) into a new store folder",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if target == "" {
				return fmt.Errorf("restore needs --target DIR")
			}
			url := defaultBackups()
			if len(args) == 1 {
				url = args[0]
			}
			var key []byte
			if g.keyFile != "" {
				var err error
				if key, err = readKeyFile(g.keyFile); err != nil {
					return err
				}
			}
			when := from
			if source != "" {
				if from != "" && from != source {
					return fmt.Errorf("--source is --from: give one of them")
				}
				when = source
			}
			// A time as AT takes it (RFC 3339, a space for the T, or a
			// date; UTC without a zone); anything else is a version.
			if t, err := history.ParseTime(when); err == nil {
				when = t.UTC().Format(time.RFC3339Nano)
			}
			r, err := datasets.RestoreBackup(cmd.Context(), url, when, target, force, key, objstore.Options{})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "restored backup %s into %s: commits up to %d\n", r.Version, target, r.Head)
			return nil
		},
	}
	restore.Flags().StringVar(&target, "target", "", "the folder of the restored store (must be empty unless --force)")
	restore.Flags().StringVar(&from, "from", "", "restore the latest backup made at or before this time (RFC 3339, '2026-12-01 12:00:00' or a date, UTC without a zone) or version")
	restore.Flags().StringVar(&source, "source", "", "the same as --from (the Data Lab's name)")
	restore.Flags().BoolVar(&force, "force", false, "empty a target that is not empty")
	backup.AddCommand(create, ls, restore)
	return backup
}
