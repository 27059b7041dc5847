// Command duckpeer is DuckDB as the export benchmark's peer and as an
// independent reader of the files lakelink writes. It is a module of its
// own so that DuckDB (cgo, a large prebuilt library) stays out of
// lakelink's build.
//
//	duckpeer copy SRC.parquet DST.parquet   load SRC into a table, time COPY t TO DST
//	duckpeer read FILE...                   per file: rows, sum(id), vector values
//	duckpeer init FILE QUERY...             run FILE as `duckdb -init FILE` would, then
//	                                        each query: its rows as arrays of text
//	duckpeer time SRC.parquet THREADS RUNS QUERY
//	                                        load SRC into table t, then time QUERY RUNS
//	                                        times with THREADS threads (0: DuckDB's default)
//
// Both print one JSON object per line.
package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "duckpeer:", err)
		os.Exit(1)
	}
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func run(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: duckpeer copy SRC DST | duckpeer read FILE... | duckpeer init FILE QUERY...")
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	out := json.NewEncoder(os.Stdout)
	switch args[0] {
	case "copy":
		if len(args) != 3 {
			return fmt.Errorf("copy takes SRC and DST")
		}
		if _, err := db.Exec("CREATE TABLE t AS SELECT * FROM read_parquet(" + quote(args[1]) + ")"); err != nil {
			return err
		}
		var rows int64
		if err := db.QueryRow("SELECT count(*) FROM t").Scan(&rows); err != nil {
			return err
		}
		start := time.Now()
		if _, err := db.Exec("COPY t TO " + quote(args[2]) + " (FORMAT parquet, COMPRESSION snappy)"); err != nil {
			return err
		}
		secs := time.Since(start).Seconds()
		fi, err := os.Stat(args[2])
		if err != nil {
			return err
		}
		var threads int64
		db.QueryRow("SELECT current_setting('threads')").Scan(&threads)
		return out.Encode(map[string]any{"rows": rows, "seconds": secs, "bytes": fi.Size(), "threads": threads})
	case "time":
		if len(args) != 5 {
			return fmt.Errorf("time takes SRC THREADS RUNS QUERY")
		}
		if _, err := db.Exec("CREATE TABLE t AS SELECT * FROM read_parquet(" + quote(args[1]) + ")"); err != nil {
			return err
		}
		if args[2] != "0" {
			if _, err := db.Exec("SET threads = " + args[2]); err != nil {
				return err
			}
		}
		var threads int64
		db.QueryRow("SELECT current_setting('threads')").Scan(&threads)
		var runs int
		fmt.Sscan(args[3], &runs)
		var secs []float64
		groups := 0
		for range max(runs, 1) {
			start := time.Now()
			rows, err := db.Query(args[4])
			if err != nil {
				return err
			}
			groups = 0
			for rows.Next() {
				groups++
			}
			if err := rows.Close(); err != nil {
				return err
			}
			secs = append(secs, time.Since(start).Seconds())
		}
		return out.Encode(map[string]any{"seconds": secs, "rows": groups, "threads": threads})
	case "read":
		for _, f := range args[1:] {
			var rows, ids, values sql.NullInt64
			q := "SELECT count(*), sum(id), sum(len(embedding)) FROM read_parquet(" + quote(f) + ")"
			if err := db.QueryRow(q).Scan(&rows, &ids, &values); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			if err := out.Encode(map[string]any{"file": f, "rows": rows.Int64, "sum_id": ids.Int64, "values": values.Int64}); err != nil {
				return err
			}
		}
		return nil
	case "init":
		script, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		if _, err := db.Exec(string(script)); err != nil {
			return fmt.Errorf("%s: %w", args[1], err)
		}
		for _, q := range args[2:] {
			rows, err := db.Query(q)
			if err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
			cols, _ := rows.Columns()
			var got [][]string
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				rec := make([]string, len(cols))
				for i, v := range vals {
					rec[i] = fmt.Sprint(v)
				}
				got = append(got, rec)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := out.Encode(map[string]any{"query": q, "columns": cols, "rows": got}); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown command %q", args[0])
}
