package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/store"
)

// errNoServer: the holder file names a server that does not answer (it
// died, and left the file): the store is opened as usual, which says
// whether another process still holds it.
var errNoServer = errors.New("no server")

// serverOf is the address of the `lakelink serve` that holds the store in
// dir, or "": the holder file names it (store.Store.SetServer).
func serverOf(dir string) string {
	h, ok := store.ReadHolder(dir)
	if !ok {
		return ""
	}
	return h.Server
}

// viaServer runs a script on a running server, as `lakelink sql` runs it
// on the store: the results of the statements that ran, in order, each
// with the notices the server sent for it as its message. Values come as
// text. A script with parameters is one statement (the extended
// protocol); without, any number (the simple protocol).
func viaServer(ctx context.Context, addr, script string, params map[int]any) ([]engine.Result, error) {
	// A host:port found in the holder file, or --server's URL, with the
	// user, password (or $PGPASSWORD) and sslmode the user gave.
	conninfo := "postgres://lakelink@" + addr + "/lakelink?sslmode=disable"
	if strings.Contains(addr, "://") {
		conninfo = addr
	}
	cfg, err := pgconn.ParseConfig(conninfo)
	if err != nil {
		return nil, err
	}
	var notices []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n.Message) }
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return nil, serverError(err) // it answered, and refused
		}
		return nil, fmt.Errorf("%w: lakelink serve on %s does not answer: %v", errNoServer, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), err)
	}
	defer conn.Close(context.Background())
	var out []engine.Result
	take := func(fields []pgconn.FieldDescription, rows [][][]byte, tag pgconn.CommandTag) {
		r := engine.Result{Message: strings.Join(notices, "\n")}
		notices = nil
		for _, f := range fields {
			r.Columns = append(r.Columns, f.Name)
		}
		for _, row := range rows {
			vals := make([]any, len(row))
			for i, v := range row {
				if v != nil {
					vals[i] = textValue(string(v), fields[i].DataTypeOID)
				}
			}
			r.Rows = append(r.Rows, vals)
		}
		if len(fields) == 0 && r.Message == "" {
			r.Message = tag.String()
		}
		out = append(out, r)
	}
	if len(params) == 0 {
		mrr := conn.Exec(ctx, script)
		for mrr.NextResult() {
			rr := mrr.ResultReader()
			var rows [][][]byte
			for rr.NextRow() {
				row := make([][]byte, len(rr.Values()))
				for i, v := range rr.Values() {
					if v != nil {
						row[i] = append([]byte{}, v...)
					}
				}
				rows = append(rows, row)
			}
			tag, err := rr.Close()
			if err != nil {
				mrr.Close()
				return out, serverError(err)
			}
			take(rr.FieldDescriptions(), rows, tag)
		}
		return out, serverError(mrr.Close())
	}
	n := 0
	for k := range params {
		n = max(n, k)
	}
	args := make([][]byte, n)
	keys := make([]int, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		args[k-1] = []byte(paramArg(params[k]))
	}
	res := conn.ExecParams(ctx, strings.TrimRight(strings.TrimSpace(script), ";"), args, nil, nil, nil).Read()
	if res.Err != nil {
		return nil, serverError(res.Err)
	}
	take(res.FieldDescriptions, res.Rows, res.CommandTag)
	return out, nil
}

// paramArg is a --param value as text: a vector as [1,2,3].
func paramArg(v any) string {
	switch x := v.(type) {
	case []float32:
		parts := make([]string, len(x))
		for i, f := range x {
			parts[i] = fmt.Sprint(f)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// serverError is a server's error as lakelink prints its own: the
// message, and where it has one, the SQLSTATE.
func serverError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	}
	return err
}

// textValue is a text-format value as the command prints its own: bools,
// whole numbers and floats typed by their column's OID, the rest as text.
func textValue(v string, oid uint32) any {
	switch oid {
	case 16: // bool
		return v == "t" || v == "true"
	case 20, 21, 23: // int8, int2, int4
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	case 700, 701: // float4, float8
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	}
	return v
}

// literal is s as an SQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// serverAddr is the server commands talk to: --server, else the one that
// holds the store (its holder file), else "".
func (g *globalFlags) serverAddr() string {
	if g.server != "" {
		return g.server
	}
	return serverOf(g.store)
}
