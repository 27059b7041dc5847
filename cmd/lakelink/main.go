// Command lakelink imports data-lake Parquet into an embedded indexed store
// and queries it.
//
//	lakelink sql "COPY FROM 'docs/*.parquet' INTO documents WITH (primary_key = 'id')"
//	lakelink sql --format csv "SELECT id, title FROM documents LIMIT 5"
//	lakelink tables
//	lakelink digest documents
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lakelink/lakelink/engine"
	formats "github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
)

func main() {
	// The binary is its own Beam worker in a PROCESS environment.
	if runners.IsWorker(os.Args[1:]) {
		os.Exit(runners.RunWorker(os.Args[1:]))
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type globalFlags struct {
	store       string
	runner      string
	endpoint    string
	env         string
	verbose     bool
	memoryLimit string
	keyFile     string
	server      string // --server: a lakelink serve to talk to
	// progressEvery spaces the plain progress lines an import prints
	// when stderr is not a terminal.
	progressEvery time.Duration
}

// progressTo is where imports draw their progress bar (when a terminal).
var progressTo io.Writer

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "lakelink: internal error: %v (please report it)\n", r)
			code = 2
		}
	}()
	ctx, cancel := interruptible(stderr)
	defer cancel()
	root := newRoot(stdin, stdout)
	progressTo = stderr
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "lakelink: interrupted: %v\n", err)
			return exitInterrupted
		}
		fmt.Fprintf(stderr, "lakelink: %v\n", err)
		return 1
	}
	return 0
}

// exitInterrupted is the exit status after Ctrl-C, as shells give it
// (128 + SIGINT).
const exitInterrupted = 130

// interruptible returns a context that the first Ctrl-C (or SIGTERM)
// cancels, saying so: every long step stops within about a second, the
// job is recorded canceled, nothing is committed and its staging is
// removed. A second Ctrl-C exits at once.
func interruptible(stderr io.Writer) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "\nlakelink: interrupting: stopping what runs; an unfinished job commits nothing (Ctrl-C again to exit at once)")
		cancel()
		select {
		case <-sigs:
			fmt.Fprintln(stderr, "lakelink: interrupted")
			os.Exit(exitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

func defaultStore() string {
	if s := os.Getenv("LAKELINK_STORE"); s != "" {
		return s
	}
	return "./lakelink-data"
}

func newRoot(stdin io.Reader, stdout io.Writer) *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:           "lakelink",
		Short:         "Move data-lake Parquet into an indexed store and query it",
		Version:       versionLine(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	// The store's holder file names the command that opened it.
	// Global flags are checked before any command runs, also the ones
	// that do not use them (--runner bogus is an error on tables too).
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		store.Command = cmd.CommandPath()
		if err := (runners.Options{Runner: g.runner, Endpoint: g.endpoint, Environment: g.env}).Check(); err != nil {
			return fmt.Errorf("--runner: %w", err)
		}
		if g.memoryLimit != "" {
			if _, err := pipeline.ParseSize(g.memoryLimit); err != nil {
				return fmt.Errorf("--memory-limit: %w", err)
			}
			// Imports (sql) and FastRP (graph) take a memory limit; on
			// another command the flag would pass unused.
			used := cmd.Name() == "sql" || cmd.Parent() != nil && cmd.Parent().Name() == "graph"
			if cmd.Flags().Changed("memory-limit") && !used {
				return fmt.Errorf("--memory-limit bounds imports (lakelink sql) and FastRP (lakelink graph fastrp); %s takes none", cmd.CommandPath())
			}
			if cmd.Name() == "sql" {
				if err := pipeline.CheckSettings(map[string]string{"lakelink.import_memory_limit": g.memoryLimit}); err != nil {
					return fmt.Errorf("--memory-limit: %w", err)
				}
			}
		}
		return nil
	}
	// --environment-type and --environment_type, --keep-days and
	// --keep_days: a flag answers to either spelling.
	root.SetGlobalNormalizationFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		return pflag.NormalizedName(strings.ReplaceAll(name, "_", "-"))
	})
	root.PersistentFlags().StringVar(&g.store, "store", defaultStore(), "store folder (or $LAKELINK_STORE)")
	root.PersistentFlags().StringVar(&g.server, "server", os.Getenv("LAKELINK_SERVER"), "a running lakelink serve to send statements to: host:port or postgres://user@host:port/lakelink?sslmode=require (password from $PGPASSWORD; or $LAKELINK_SERVER); default: the server holding --store, if any")
	root.PersistentFlags().StringVar(&g.runner, "runner", "direct", "pipeline runner: "+strings.Join(runners.Names, ", "))
	root.PersistentFlags().StringVar(&g.endpoint, "endpoint", "", "job service HOST:PORT for --runner universal or flink")
	root.PersistentFlags().StringVar(&g.env, "environment-type", "", "worker environment for portable runners: loopback or process (also --environment_type)")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "show the runners' own logs and full pipeline errors")
	root.PersistentFlags().StringVar(&g.keyFile, "encryption-key-file", os.Getenv("LAKELINK_ENCRYPTION_KEY_FILE"), "encrypt the store at rest with the AES key in this file: 16, 24 or 32 bytes, raw or as hex (or $LAKELINK_ENCRYPTION_KEY_FILE)")
	root.PersistentFlags().DurationVar(&g.progressEvery, "progress-every", 5*time.Second, "when stderr is not a terminal, print a progress line this often during an import")
	root.PersistentFlags().StringVar(&g.memoryLimit, "memory-limit", os.Getenv("LAKELINK_MEMORY_LIMIT"), "bound each import's memory, e.g. 512MB (SET lakelink.import_memory_limit; or $LAKELINK_MEMORY_LIMIT)")

	// open opens the store; only commands that write may create it.
	open := func(create bool) (*store.Store, error) {
		opt := store.Options{MustExist: !create}
		if g.keyFile != "" {
			key, err := readKeyFile(g.keyFile)
			if err != nil {
				return nil, err
			}
			opt.EncryptionKey = key
		}
		st, err := store.Open(g.store, opt)
		if errors.Is(err, store.ErrInUse) {
			return nil, inUse(g.store, err)
		}
		if err != nil {
			return nil, err
		}
		if st.Recovered() != 0 {
			fmt.Fprintf(root.ErrOrStderr(), "lakelink: rolled back commit %d, left unfinished (interrupted, or its process died); the store is at commit %d\n", st.Recovered(), st.Head())
		}
		settled, err := storeio.RecoverJobs(st)
		for _, j := range settled {
			fmt.Fprintf(root.ErrOrStderr(), "lakelink: job %s into %s was abandoned (process %d on %s); it is marked failed and its staged data removed\n", j.Job, j.Table, j.Owner.PID, j.Owner.Host)
		}
		if err != nil {
			st.Close()
			return nil, err
		}
		return st, nil
	}

	var format, file, sqlAt string
	var params []string
	sqlCmd := &cobra.Command{
		Use:   "sql [-f FILE | 'STATEMENTS']",
		Short: "Run statements: CREATE/ALTER/DROP TABLE, CREATE/DROP GRAPH, CREATE/DROP INDEX, COPY, SELECT, INSERT, UPDATE, DELETE, SET, SHOW, DESCRIBE",
		Long: "Run statements, separated by semicolons (docs/statements.md has them all).\n\n" +
			"COPY FROM ... WITH options:\n  " + strings.Join(pipeline.Options, ", ") + "\n\n" +
			"COPY ... TO ... WITH options:\n  " + strings.Join(pipeline.ExportOptionNames, ", ") + "\n\n" +
			"Formats (format = '...'; else by the object's ending) and their options, for imports and exports:\n" + formats.Help() + "\n" +
			"Index kinds (CREATE INDEX ... USING kind, COPY's index_type) and their options (CREATE INDEX also takes them without the prefix):\n" + indexes.Help(),
		Example: `  lakelink sql "COPY FROM 'lake/docs/*.parquet' INTO docs WITH (primary_key = 'id')"
  lakelink sql "COPY FROM 's3://lake/events/*.csv?region=eu-west-1' INTO events WITH (delimiter = ';', on_error = 'continue')"
  lakelink sql --param 1=@query.json "SELECT id, embedding <=> \$1 AS d FROM docs ORDER BY d LIMIT 10"
  lakelink sql "COPY docs TO 'exports/docs/' WITH (format = 'ndjson')"
  lakelink sql -f script.sql`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			var script string
			switch {
			case file != "" && len(args) > 0:
				return errors.New("give statements or -f FILE, not both")
			case file == "-" || file == "" && len(args) == 0 && !isTerminal(stdin):
				b, err := io.ReadAll(stdin)
				if err != nil {
					return fmt.Errorf("reading statements from standard input: %w", err)
				}
				script = string(b)
			case file != "":
				b, err := os.ReadFile(file)
				if err != nil {
					return err
				}
				script = string(b)
			case len(args) == 1:
				script = args[0]
			}
			if strings.TrimSpace(script) == "" {
				return errors.New("no statements: give them as an argument, with -f FILE, or on standard input (-f -)")
			}
			stmts, err := engine.Parse(script)
			if err != nil {
				return err
			}
			values, err := parseParams(params)
			if err != nil {
				return err
			}
			w, err := newWriter(format, stdout)
			if err != nil {
				return err
			}
			// A store that `lakelink serve` holds: the server runs the
			// script (docs/server.md).
			if addr := g.serverAddr(); addr != "" {
				if sqlAt != "" {
					return fmt.Errorf("--at: lakelink serve holds the store; read at a commit with AT (...) in the statement")
				}
				results, err := viaServer(cmd.Context(), addr, script, values)
				if !errors.Is(err, errNoServer) {
					for _, r := range results {
						if werr := w.write(r); werr != nil {
							return werr
						}
					}
					return err
				}
			}
			// A script that fails on a store it created leaves no folder.
			_, statErr := os.Stat(g.store)
			created := writes(stmts) && os.IsNotExist(statErr)
			st, err := open(writes(stmts))
			if errors.Is(err, store.ErrNoStore) && engine.ReadsObjectsOnly(stmts) {
				// Reading files in place (parquet_scan) needs no store:
				// the script runs on an empty one, removed afterwards.
				var remove func()
				if st, remove, err = scratchStore(); err == nil {
					defer remove() // after st.Close, deferred below
				}
			}
			if err != nil {
				return err
			}
			defer func() {
				empty := st.Head() == 0
				st.Close()
				if created && empty && err != nil {
					os.RemoveAll(g.store)
				}
			}()
			sess := &engine.Session{Store: st, Runner: runners.Options{Runner: g.runner, Endpoint: g.endpoint, Environment: g.env, Verbose: g.verbose},
				Progress: progressBar(progressTo, g.progressEvery), Params: values, Background: func(d pipeline.DeferredSections) error { return spawnSections(d) }}
			if sqlAt != "" {
				if sess.At, err = sess.Resolve(sqlAt); err != nil {
					return fmt.Errorf("--at: %w", err)
				}
			}
			if g.memoryLimit != "" {
				if _, err := sess.Exec(cmd.Context(), "SET lakelink.import_memory_limit = '"+strings.ReplaceAll(g.memoryLimit, "'", "''")+"'"); err != nil {
					return fmt.Errorf("--memory-limit: %w", err)
				}
			}
			results, err := sess.Exec(cmd.Context(), script)
			for _, r := range results {
				if werr := w.write(r); werr != nil {
					return werr
				}
			}
			var pe *runners.PipelineError
			if g.verbose && errors.As(err, &pe) {
				return fmt.Errorf("%w\n%s runner error:\n%v", err, pe.Runner, pe.Err)
			}
			return err
		},
	}
	sqlCmd.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	sqlCmd.Flags().StringVarP(&file, "file", "f", "", "read statements from FILE (- for standard input, which is also read when no statements are given and it is not a terminal)")
	sqlCmd.Flags().StringVar(&sqlAt, "at", "", "read at a tag, commit number or time (SELECTs; a statement's own AT (...) wins)")
	sqlCmd.Flags().StringArrayVar(&params, "param", nil, "a statement parameter: N=VALUE for $N, or N=@FILE to read VALUE from FILE (a vector is written [0.1, 0.2, ...]); repeatable")

	// query makes a command that reads the store and prints one result.
	query := func(use, short string, nargs cobra.PositionalArgs, run func(ctx context.Context, st *store.Store, args []string) (engine.Result, error)) *cobra.Command {
		var format string
		c := &cobra.Command{Use: use, Short: short, Args: nargs, RunE: func(cmd *cobra.Command, args []string) error {
			w, err := newWriter(format, stdout)
			if err != nil {
				return err
			}
			st, err := open(false)
			if err != nil {
				return err
			}
			defer st.Close()
			res, err := run(cmd.Context(), st, args)
			if err != nil {
				return err
			}
			return w.write(res)
		}}
		c.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
		return c
	}

	// statement makes a command that prints the result of one statement:
	// run on the store, or by the server that holds it (or --server), so
	// that it works while the server runs imports. shape, when set,
	// reshapes the result for printing.
	statement := func(use, short string, nargs cobra.PositionalArgs, text func(args []string) (string, error), shape func(engine.Result) engine.Result) *cobra.Command {
		var format string
		c := &cobra.Command{Use: use, Short: short, Args: nargs, RunE: func(cmd *cobra.Command, args []string) error {
			w, err := newWriter(format, stdout)
			if err != nil {
				return err
			}
			q, err := text(args)
			if err != nil {
				return err
			}
			var results []engine.Result
			if addr := g.serverAddr(); addr != "" {
				results, err = viaServer(cmd.Context(), addr, q, nil)
			}
			if addr := g.serverAddr(); addr == "" || errors.Is(err, errNoServer) && g.server == "" {
				st, oerr := open(false)
				if oerr != nil {
					return oerr
				}
				defer st.Close()
				results, err = (&engine.Session{Store: st}).Exec(cmd.Context(), q)
			}
			if err != nil {
				return err
			}
			res := results[len(results)-1]
			if shape != nil {
				res = shape(res)
			}
			return w.write(res)
		}}
		c.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
		return c
	}

	tablesCmd := statement("tables [TABLE]", "List tables with their schemas and row counts; with TABLE, its columns one per row (SHOW TABLES, DESCRIBE TABLE)", cobra.MaximumNArgs(1), func(args []string) (string, error) {
		if len(args) == 1 {
			return "DESCRIBE " + sql.Ident(args[0]), nil
		}
		return "SHOW TABLES", nil
	}, nil)

	compactCmd := statement("compact TABLE", "Merge the index segments of a table into one per index (COMPACT t)", cobra.ExactArgs(1), func(args []string) (string, error) {
		return "COMPACT " + sql.Ident(args[0]), nil
	}, nil)

	var digestAt string
	digestCmd := statement("digest TABLE", "Print the content digest of a table (equal content, equal digest), at the head or --at (lakelink_digest)", cobra.ExactArgs(1), func(args []string) (string, error) {
		return fmt.Sprintf("SELECT digest FROM %s(%s, %s)", engine.DigestTable, literal(args[0]), literal(digestAt)), nil
	}, func(r engine.Result) engine.Result {
		if len(r.Rows) == 1 && len(r.Rows[0]) == 1 {
			return engine.Result{Message: fmt.Sprint(r.Rows[0][0])}
		}
		return r
	})
	digestCmd.Flags().StringVar(&digestAt, "at", "", "a tag, commit number or time")

	logCmd := statement("log [TABLE]", "The commit log, newest first: author, message, statement, rows per table (lakelink_commits)", cobra.MaximumNArgs(1), func(args []string) (string, error) {
		from := engine.CommitsTable
		if len(args) == 1 {
			from += "(" + literal(args[0]) + ")"
		}
		return "SELECT * FROM " + from + " ORDER BY commit DESC", nil
	}, nil)

	diffCmd := statement("diff A B [TABLE]", "Rows added, removed and changed (with the changed columns) between two commits, tags or times (diff(...))", cobra.RangeArgs(2, 3), func(args []string) (string, error) {
		q := make([]string, len(args))
		for i, a := range args {
			q[i] = literal(a)
		}
		return "SELECT * FROM diff(" + strings.Join(q, ", ") + ")", nil
	}, nil)

	revertCmd := statement("revert COMMIT", "Make a commit that undoes the row changes of one commit (a number, tag or time); refuses rows changed again since (REVERT)", cobra.ExactArgs(1), func(args []string) (string, error) {
		return "REVERT " + literal(args[0]), nil
	}, nil)

	keepDays, gcDryRun := 0, false
	var gcCmd *cobra.Command
	gcCmd = statement("gc --keep-days N", "Retention: remove the versions that only commits older than N days read, except tagged commits; reading a collected commit is an error (GC KEEP n DAYS)", cobra.NoArgs, func([]string) (string, error) {
		if !gcCmd.Flags().Changed("keep-days") {
			return "", fmt.Errorf("gc: say how many days of history to keep: --keep-days N (0 keeps the head and the tagged commits only)")
		}
		if keepDays < 0 {
			return "", fmt.Errorf("--keep-days %d: the days to keep are 0 or more", keepDays)
		}
		q := fmt.Sprintf("GC KEEP %d DAYS", keepDays)
		if gcDryRun {
			q += " DRY RUN"
		}
		return q, nil
	}, nil)
	gcCmd.Flags().IntVar(&keepDays, "keep-days", 0, "keep every moment of the last N days readable (and every tagged commit); required")
	gcCmd.Flags().BoolVar(&gcDryRun, "dry-run", false, "only list the commits gc would collect")

	tagCmd := &cobra.Command{Use: "tag", Short: "Name commits for later reads: create, ls, delete (tags are immutable)"}
	var tagMsg string
	tagCreate := statement("create NAME [COMMIT]", "Tag a commit (default: the head) (CREATE TAG)", cobra.RangeArgs(1, 2), func(args []string) (string, error) {
		q := "CREATE TAG " + sql.Ident(args[0])
		if len(args) == 2 {
			n, err := strconv.ParseUint(args[1], 10, 64)
			if err != nil || n == 0 {
				return "", fmt.Errorf("commit %q is not a number", args[1])
			}
			q += fmt.Sprintf(" AT COMMIT %d", n)
		}
		if tagMsg != "" {
			q += " MESSAGE " + literal(tagMsg)
		}
		return q, nil
	}, nil)
	tagCreate.Flags().StringVarP(&tagMsg, "message", "m", "", "why the commit is tagged")
	tagLs := statement("ls", "List tags (lakelink_tags)", cobra.NoArgs, func([]string) (string, error) {
		return "SELECT * FROM " + engine.TagsTable, nil
	}, nil)
	tagDelete := statement("delete NAME", "Delete a tag (reads at earlier commits still see it) (DROP TAG)", cobra.ExactArgs(1), func(args []string) (string, error) {
		return "DROP TAG " + sql.Ident(args[0]), nil
	}, nil)
	tagCmd.AddCommand(tagCreate, tagLs, tagDelete)

	errorsCmd := query("errors JOB", "Show the rows a job rejected (while another process holds the store, from the status folder)", cobra.ExactArgs(1), func(ctx context.Context, st *store.Store, args []string) (engine.Result, error) {
		if _, err := st.JobRecord(args[0]); err != nil {
			return errorRows(nil), err
		}
		errs, err := st.RowErrors(args[0])
		return errorRows(errs), err
	})

	// While another process holds the store, errors reads the errors file
	// a committed job left beside its status file.
	errorsFromStore := errorsCmd.RunE
	errorsCmd.RunE = func(cmd *cobra.Command, args []string) error {
		err := errorsFromStore(cmd, args)
		if !errors.Is(err, store.ErrInUse) {
			return err
		}
		f, ok, ferr := storeio.ReadErrorsFile(g.store, args[0])
		if ferr != nil || !ok {
			// No errors file: right only for a committed job that
			// rejected no row.
			all, _ := progress.Read(filepath.Join(g.store, "status"), args[0])
			if len(all) != 1 || all[0].State != "committed" || all[0].Errors != 0 {
				return err
			}
			f = storeio.ErrorsFile{}
		}
		format, _ := cmd.Flags().GetString("format")
		w, werr := newWriter(format, stdout)
		if werr != nil {
			return werr
		}
		note := ""
		if f.Total > len(f.Errors) {
			note = fmt.Sprintf(" (the first %d of %d; all of them once the store is free)", len(f.Errors), f.Total)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "lakelink: %v\nlakelink: job %s's errors are read from its status folder%s\n", err, args[0], note)
		return w.write(errorRows(f.Errors))
	}

	jobsCmd := query("jobs", "List import jobs (while another process holds the store, from their status files)", cobra.NoArgs, func(ctx context.Context, st *store.Store, _ []string) (engine.Result, error) {
		res := engine.Result{Columns: jobsColumns}
		jobs, err := st.Jobs()
		for _, j := range jobs {
			res.Rows = append(res.Rows, []any{j.ID, j.Table, "committed", j.Rows, j.Errors, int64(j.Commit), j.Runner, j.Finished})
		}
		return res, err
	})
	// While another process holds the store, jobs reads the status files
	// (as status does): every job's state and counts, without the commit
	// and runner, which only the store records.
	jobsFromStore := jobsCmd.RunE
	jobsCmd.RunE = func(cmd *cobra.Command, args []string) error {
		err := jobsFromStore(cmd, args)
		if !errors.Is(err, store.ErrInUse) {
			return err
		}
		all, rerr := progress.Read(filepath.Join(g.store, "status"))
		if rerr != nil {
			return err
		}
		format, _ := cmd.Flags().GetString("format")
		w, werr := newWriter(format, stdout)
		if werr != nil {
			return werr
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "lakelink: %v\nlakelink: the jobs below are read from their status files; commit and runner show once the store is free\n", err)
		res := engine.Result{Columns: jobsColumns, Types: jobsTypes}
		for _, s := range all {
			var finished any
			if !s.Finished.IsZero() {
				finished = s.Finished.UTC().Format(time.RFC3339)
			}
			rows := s.Rows
			if s.State != "committed" {
				rows = 0 // nothing of a running, failed or canceled job is committed
			}
			res.Rows = append(res.Rows, []any{s.Job, s.Table, s.State, rows, s.Errors, nil, nil, finished})
		}
		return w.write(res)
	}
	var statusFormat string
	statusCmd := &cobra.Command{
		Use:   "status [JOB]",
		Short: "Show import jobs' progress, also while they run (lakelink_import_status)",
		Args:  cobra.MaximumNArgs(1),
		// Reads the status files, not the store: a running import holds it.
		RunE: func(cmd *cobra.Command, args []string) error {
			if !store.Exists(g.store) {
				return store.NoStoreAt(g.store)
			}
			w, err := newWriter(statusFormat, stdout)
			if err != nil {
				return err
			}
			all, err := progress.Read(filepath.Join(g.store, "status"), args...)
			if err != nil {
				return err
			}
			res := engine.Result{}
			for _, c := range engine.StatusSchema.Columns {
				res.Columns = append(res.Columns, c.Name)
			}
			for _, s := range all {
				res.Rows = append(res.Rows, engine.StatusRow(s))
			}
			return w.write(res)
		},
	}
	statusCmd.Flags().StringVar(&statusFormat, "format", "table", "output format: table, csv or json")
	serveCmd := newServeCmd(g, open, stdout)
	tierCmd := &cobra.Command{Use: "tier", Short: "Hot/cold tiering: apply the tables' policies (docs/tiering.md)"}
	tierCmd.AddCommand(query("run [TABLE]", "Move the rows older than tier_after of one table, or of every table with a policy, to cold files (TIER RUN)", cobra.MaximumNArgs(1), func(ctx context.Context, st *store.Store, args []string) (engine.Result, error) {
		table := ""
		if len(args) == 1 {
			table = args[0]
		}
		sess := &engine.Session{Store: st, Runner: runners.Options{Runner: g.runner, Endpoint: g.endpoint, Environment: g.env, Verbose: g.verbose}}
		return sess.TierRun(ctx, table, time.Now())
	}))
	root.AddCommand(serveCmd, tierCmd, sqlCmd, tablesCmd, compactCmd, digestCmd, logCmd, diffCmd, revertCmd, tagCmd, gcCmd, newGraphCmd(query, &g.memoryLimit), newExportCmd(query, g, stdout), newAuditCmd(query), newBackupCmd(query, g, stdout), newIngestCmd(stdout), newToolsCmd(stdout), errorsCmd, jobsCmd, statusCmd, newVersionCmd(stdout), newUserCmd(stdin, stdout))
	return root
}

// errorRows is lakelink errors' result: a row per rejected row.
func errorRows(errs []lake.RowError) engine.Result {
	res := engine.Result{Columns: []string{"object", "row_group", "row", "column", "value", "reason"}}
	for _, e := range errs {
		res.Rows = append(res.Rows, []any{e.Object, int64(e.RowGroup), e.Row, e.Column, e.Value, e.Reason})
	}
	return res
}

// jobsColumns are lakelink jobs' columns.
var jobsColumns = []string{"job", "table", "status", "rows", "errors", "commit", "runner", "finished"}

// jobsTypes are their types, which say how a NULL commit prints.
var jobsTypes = []lake.Type{lake.Text, lake.Text, lake.Text, lake.BigInt, lake.BigInt, lake.BigInt, lake.Text, lake.Text}

// inUse adds to a store's ErrInUse the jobs that run in it, and what can
// be read meanwhile.
func inUse(dir string, err error) error {
	var running []string
	all, _ := progress.Read(filepath.Join(dir, "status"))
	for _, s := range all {
		if !s.Final() {
			running = append(running, fmt.Sprintf("job %s into %s (%s)", s.Job, s.Table, s.State))
		}
	}
	more := ""
	if len(running) > 0 {
		more = "; running: " + strings.Join(running, ", ")
	}
	return fmt.Errorf("%w%s. One process at a time opens a store; meanwhile `lakelink status`, `jobs` and `errors JOB` read the jobs' status files", err, more)
}

// scratchStore opens an empty store in a temporary folder; remove removes
// the folder, once the store is closed.
func scratchStore() (*store.Store, func(), error) {
	dir, err := os.MkdirTemp("", "lakelink-scratch-")
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return st, func() { os.RemoveAll(dir) }, nil
}

// writes reports whether a script may change the store, and so may create
// it: anything but SELECT, SET and COPY ... TO (an export reads a table).
func writes(stmts []engine.Statement) bool {
	for _, st := range stmts {
		switch st.(type) {
		case engine.Select, engine.Set, pipeline.Export:
		default:
			return true
		}
	}
	return false
}

// parseParams reads --param values: N=VALUE or N=@FILE.
func parseParams(flags []string) (map[int]any, error) {
	out := map[int]any{}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(k), "$"))
		if !ok || err != nil || n < 1 {
			return nil, fmt.Errorf("--param %q: write N=VALUE or N=@FILE, with N from 1", f)
		}
		if name, ok := strings.CutPrefix(v, "@"); ok {
			b, err := os.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("--param %d: %w", n, err)
			}
			v = string(b)
		}
		if _, dup := out[n]; dup {
			return nil, fmt.Errorf("--param %d is given twice", n)
		}
		out[n] = strings.TrimSpace(v)
	}
	return out, nil
}

// readKeyFile reads an AES key: the file's 16, 24 or 32 bytes, or that
// many bytes written as hex (a trailing newline allowed). Errors never
// show the key.
func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--encryption-key-file: %w", err)
	}
	switch len(b) {
	case 16, 24, 32:
		return b, nil
	}
	text := strings.TrimSpace(string(b))
	if k, err := hex.DecodeString(text); err == nil && (len(k) == 16 || len(k) == 24 || len(k) == 32) {
		return k, nil
	}
	return nil, fmt.Errorf("--encryption-key-file %s: a key is 16, 24 or 32 bytes (AES-128, -192, -256), raw or as hex; the file has %d bytes", path, len(b))
}
