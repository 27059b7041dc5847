package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/objstore"
)

// newToolsCmd is `lakelink tools generate-init-sql`.
func newToolsCmd(stdout io.Writer) *cobra.Command {
	tools := &cobra.Command{Use: "tools", Short: "Helpers for tools next to lakelink: generate-init-sql (DuckDB)"}
	var out string
	var secrets bool
	gen := &cobra.Command{
		Use:   "generate-init-sql LAKE_URL [--out FILE] [--with-secrets]",
		Short: "Write a DuckDB init script: S3 settings from the environment and one view per exported dataset's newest version",
		Long: `Writes a script that ` + "`duckdb -init FILE`" + ` runs. For an s3:// lake it loads httpfs and
sets the endpoint, URL style, SSL and region as lakelink would connect (the URL's
parameters, then S3_*, then AWS_*); credentials only with --with-secrets. Every
folder under the lake holding a lakelink manifest.json (a dated export) gets a
view over its newest version: one per table folder for a graph or several
tables (DATASET_FOLDER), else one named after the dataset. The views are fixed
when written; run it again after a new export.`,
		Example: `  lakelink tools generate-init-sql ./lake --out lake.sql && duckdb -init lake.sql
  S3_ENDPOINT=http://127.0.0.1:7070 S3_REGION=us-east-1 lakelink tools generate-init-sql s3://datalake --with-secrets --out lake.sql`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			script, views, err := datasets.InitSQL(cmd.Context(), args[0], datasets.InitOptions{WithSecrets: secrets})
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err := io.WriteString(stdout, script)
				return err
			}
			mode := os.FileMode(0o644)
			if secrets {
				mode = 0o600 // it holds credentials
			}
			if err := os.WriteFile(out, []byte(script), mode); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s: %d view(s) over %s\n", out, len(views), objstore.Redact(args[0]))
			return nil
		},
	}
	gen.Flags().StringVar(&out, "out", "", "write the script to FILE (default: standard output)")
	gen.Flags().BoolVar(&secrets, "with-secrets", false, "write the S3 credentials from the environment into the script")
	tools.AddCommand(gen)
	return tools
}
