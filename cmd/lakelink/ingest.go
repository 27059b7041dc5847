package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/pipeline"
)

// lakeFlag is the landing zone's lake root: --lake, else $LAKELINK_LAKE.
func lakeFlag(cmd *cobra.Command, lake string) (string, error) {
	if lake == "" {
		lake = os.Getenv("LAKELINK_LAKE")
	}
	if lake == "" {
		return "", fmt.Errorf("%s needs the lake root: --lake URL|PATH or LAKELINK_LAKE", cmd.CommandPath())
	}
	return lake, nil
}

// newIngestCmd is `lakelink ingest dataset|ls|prune`: the landing zone,
// LAKE/raw/NAME/YYYY_MM_DD/HH_mm_SS_sss/ with LAKE/raw/NAME/manifest.json.
func newIngestCmd(stdout io.Writer) *cobra.Command {
	var lake string
	ingest := &cobra.Command{
		Use:   "ingest",
		Short: "The landing zone: copy raw files into dated versions under LAKE/raw/NAME (dataset, ls, prune)",
		Example: `  lakelink ingest dataset wiki --lake s3://datalake --from https://example.org/wiki_pages.parquet
  lakelink ingest dataset wiki --lake ./lake --from ./downloads/wiki/
  lakelink ingest ls -a wiki --lake ./lake
  lakelink sql -c "COPY FROM 'lake/raw/wiki@latest' INTO pages"`,
	}
	ingest.PersistentFlags().StringVar(&lake, "lake", "", "the lake root, a folder or bucket URL (default $LAKELINK_LAKE)")

	var from []string
	var manual bool
	var version string
	dataset := &cobra.Command{
		Use:   "dataset NAME (--from URL|PATH ... | --manual [--version V])",
		Short: "Copy files into a new version of LAKE/raw/NAME, or open one (--manual) for files placed by hand",
		Long: `Copies every file that --from names (an http(s) URL, an object URL, a path, a
glob or a folder) into LAKE/raw/NAME/YYYY_MM_DD/HH_mm_SS_sss/ (UTC), streaming
each through a SHA-256, and lists the version in LAKE/raw/NAME/manifest.json
once every file is in. A failed ingest leaves nothing. --manual opens an
empty version and prints its folder; place the files there, then
--manual --version V lists it. LAKE/raw/NAME@latest reads the newest version.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := lakeFlag(cmd, lake)
			if err != nil {
				return err
			}
			in := datasets.Ingest{Lake: root, Name: args[0], From: from}
			switch {
			case manual && len(from) > 0:
				return fmt.Errorf("give --from or --manual, not both")
			case version != "" && !manual:
				return fmt.Errorf("--version registers a --manual version")
			case manual && version != "":
				v, err := datasets.RegisterManual(cmd.Context(), in, version)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "registered raw/%s/%s: %d file(s), %s\n", args[0], v.Version, len(v.Files), pipeline.HumanBytes(v.Bytes))
				return nil
			case manual:
				v, folder, err := datasets.BeginManual(cmd.Context(), in)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "opened raw/%s/%s: place the files in %s, then run\n  lakelink ingest dataset %s --manual --version %s\n", args[0], v, objstore.Redact(folder), args[0], v)
				return nil
			}
			v, err := datasets.IngestDataset(cmd.Context(), in)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "ingested raw/%s/%s: %d file(s), %s\n", args[0], v.Version, len(v.Files), pipeline.HumanBytes(v.Bytes))
			return nil
		},
	}
	dataset.Flags().StringArrayVar(&from, "from", nil, "what to copy: an http(s) URL, object URL, path, glob or folder (repeatable)")
	dataset.Flags().BoolVar(&manual, "manual", false, "open a version for files placed by hand (with --version: list it)")
	dataset.Flags().StringVar(&version, "version", "", "the --manual version to register, YYYY_MM_DD/HH_mm_SS_sss")

	var all bool
	var lsFormat string
	ls := &cobra.Command{
		Use:   "ls [-a] [NAME]",
		Short: "List the landing zone's datasets and their latest versions (-a: every version, and pending ones)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := lakeFlag(cmd, lake)
			if err != nil {
				return err
			}
			w, err := newWriter(lsFormat, stdout)
			if err != nil {
				return err
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			list, err := datasets.IngestList(cmd.Context(), root, name, objstore.Options{})
			if err != nil {
				return err
			}
			res := engine.Result{Columns: []string{"dataset", "version", "state", "created", "files", "bytes", "source"}}
			for _, d := range list {
				vs := d.Versions
				if !all && len(vs) > 1 {
					vs = vs[len(vs)-1:]
				}
				for i := len(vs) - 1; i >= 0; i-- {
					v := vs[i]
					res.Rows = append(res.Rows, []any{d.Name, v.Version, "listed", v.Created, int64(len(v.Files)), v.Bytes, v.Source})
				}
				if all {
					for _, p := range d.Pending {
						res.Rows = append(res.Rows, []any{d.Name, p, "pending", nil, nil, nil, nil})
					}
				}
			}
			return w.write(res)
		},
	}
	ls.Flags().BoolVarP(&all, "all", "a", false, "every version, newest first, and pending --manual versions")
	ls.Flags().StringVar(&lsFormat, "format", "table", "output format: table, csv or json")

	var keep int
	prune := &cobra.Command{
		Use:   "prune NAME [--keep N]",
		Short: "Remove empty --manual versions, and with --keep N all but the newest N versions",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := lakeFlag(cmd, lake)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("keep") && keep < 1 {
				return fmt.Errorf("--keep %d: keep at least one version", keep)
			}
			empty, gone, err := datasets.IngestPrune(cmd.Context(), root, args[0], keep, objstore.Options{})
			var names []string
			for _, v := range gone {
				names = append(names, v.Version)
			}
			if len(empty) > 0 {
				fmt.Fprintf(stdout, "removed %d empty version(s): %s\n", len(empty), strings.Join(empty, ", "))
			}
			if len(gone) > 0 {
				fmt.Fprintf(stdout, "pruned %d version(s): %s\n", len(gone), strings.Join(names, ", "))
			}
			if len(empty)+len(gone) == 0 && err == nil {
				fmt.Fprintln(stdout, "nothing to prune")
			}
			return err
		},
	}
	prune.Flags().IntVar(&keep, "keep", 0, "how many of the newest listed versions to keep")
	ingest.AddCommand(dataset, ls, prune)
	return ingest
}
