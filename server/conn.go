package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
)

// conn is one client connection and its state: startup, then ready for
// queries until Terminate or a broken connection.
type conn struct {
	srv  *Server
	nc   net.Conn
	id   uint32
	key  []byte // the secret a CancelRequest for this connection must give
	be   *pgproto3.Backend
	sess *engine.Session
	user string

	mu     sync.Mutex
	cancel context.CancelFunc // the running statement's, or nil
}

// cancelStatement stops the statement the connection runs, if any, and
// says whether there was one.
func (c *conn) cancelStatement() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel != nil {
		c.cancel()
		return true
	}
	return false
}

// serve runs the connection's state machine.
func (c *conn) serve(ctx context.Context) {
	defer c.nc.Close()
	c.be = pgproto3.NewBackend(c.nc, c.nc)
	if err := c.startup(); err != nil {
		if !errors.Is(err, errClosed) {
			c.srv.logf("connection %d from %s: %v", c.id, c.nc.RemoteAddr(), err)
		}
		return
	}
	c.srv.logf("connection %d from %s: user %q", c.id, c.nc.RemoteAddr(), c.user)
	for {
		msg, err := c.be.Receive()
		if err != nil {
			return // the client went away
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			c.query(ctx, m.String)
		case *pgproto3.Terminate:
			return
		case *pgproto3.Sync:
			c.ready()
		default:
			c.fail(&pgproto3.ErrorResponse{Severity: "ERROR", Code: "0A000",
				Message: fmt.Sprintf("%T is not supported yet: lakelink serves the simple query protocol (psql; pgx with QueryExecModeSimpleProtocol)", msg)})
			c.ready()
		}
	}
}

var errClosed = errors.New("closed during startup")

// startup answers SSLRequest and GSSEncRequest with N, refuses a client
// that is not on this machine (no users are configured yet), and accepts
// the startup message without a password.
func (c *conn) startup() error {
	for {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			return errClosed
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if _, err := c.nc.Write([]byte("N")); err != nil {
				return errClosed
			}
			continue
		case *pgproto3.CancelRequest:
			// A connection of its own, which gets no answer: the target
			// connection's statement fails with 57014.
			c.srv.cancel(m.ProcessID, m.SecretKey)
			return errClosed
		case *pgproto3.StartupMessage:
			c.user = m.Parameters["user"]
			if !loopback(c.nc.RemoteAddr()) {
				c.fail(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28000", Message: ErrNotLoopback.Error()})
				return ErrNotLoopback
			}
			c.be.Send(&pgproto3.AuthenticationOk{})
			for _, p := range [][2]string{
				{"server_version", "16.0 (lakelink)"}, {"server_encoding", "UTF8"}, {"client_encoding", "UTF8"},
				{"DateStyle", "ISO, MDY"}, {"TimeZone", "UTC"}, {"integer_datetimes", "on"}, {"standard_conforming_strings", "on"},
			} {
				c.be.Send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
			}
			c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.id, SecretKey: c.key})
			c.ready()
			return nil
		default:
			return fmt.Errorf("unexpected %T during startup", msg)
		}
	}
}

// loopback reports whether a client address is on this machine.
func loopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}

func (c *conn) ready() {
	status := byte('I')
	if c.sess != nil && c.sess.InTransaction() {
		status = 'T' // inside BEGIN ... COMMIT (engine/transaction.go)
	}
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: status})
	_ = c.be.Flush()
}

func (c *conn) fail(e *pgproto3.ErrorResponse) {
	c.be.Send(e)
	_ = c.be.Flush()
}

// query runs a simple-protocol script: each statement's result in turn,
// and the first error ends it.
func (c *conn) query(ctx context.Context, script string) {
	defer c.ready()
	if strings.TrimSpace(strings.Trim(script, "; \n\t")) == "" {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.mu.Lock()
	c.cancel = cancel
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.cancel = nil
		c.mu.Unlock()
	}()
	c.srv.exec.Lock()
	results, err := c.sess.Exec(ctx, script)
	c.srv.exec.Unlock()
	for _, r := range results {
		c.send(r)
	}
	if err != nil {
		c.be.Send(errorResponse(script, err))
	}
}

// send writes one statement's result: a row description and data rows
// for a result with columns, a notice for a message, and the command tag.
func (c *conn) send(r engine.Result) {
	if len(r.Columns) > 0 {
		fields := make([]pgproto3.FieldDescription, len(r.Columns))
		for i, name := range r.Columns {
			var t lake.Type
			if i < len(r.Types) {
				t = r.Types[i]
			}
			fields[i] = pgproto3.FieldDescription{Name: []byte(name), DataTypeOID: typeOID(t), DataTypeSize: -1, TypeModifier: -1}
		}
		c.be.Send(&pgproto3.RowDescription{Fields: fields})
		for _, row := range r.Rows {
			vals := make([][]byte, len(row))
			for i, v := range row {
				var t lake.Type
				if i < len(r.Types) {
					t = r.Types[i]
				}
				vals[i] = textValue(v, t)
			}
			c.be.Send(&pgproto3.DataRow{Values: vals})
		}
	}
	if r.Message != "" {
		c.be.Send(&pgproto3.NoticeResponse{Severity: "NOTICE", Code: "00000", Message: r.Message})
	}
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(commandTag(r))})
}

// commandTag is the tag psql prints after a statement: SELECT n for rows,
// COPY n for an import, else the statement's kind.
func commandTag(r engine.Result) string {
	kind := ""
	var rows any
	for _, f := range r.Fields {
		switch f.Name {
		case "statement":
			kind, _ = f.Value.(string)
		case "rows":
			rows = f.Value
		}
	}
	switch {
	case len(r.Columns) > 0:
		return fmt.Sprintf("SELECT %d", len(r.Rows))
	case kind == "COPY" && rows != nil:
		return fmt.Sprintf("COPY %v", rows)
	case kind == "DELETE" && rows != nil:
		return fmt.Sprintf("DELETE %v", rows)
	case kind != "":
		return kind
	}
	return "OK"
}

// errorResponse is err as an ErrorResponse with a SQLSTATE code and, for
// errors placed in the script, the 1-based character position.
func errorResponse(script string, err error) *pgproto3.ErrorResponse {
	e := &pgproto3.ErrorResponse{Severity: "ERROR", Code: "XX000", Message: err.Error()}
	var syn *sql.SyntaxError
	var st *sql.StatementError
	switch {
	case errors.As(err, &syn):
		e.Code, e.Position, e.Message = "42601", int32(syn.Offset+1), fmt.Sprintf("syntax error near %s: %s", syn.Near, syn.Msg)
	case errors.As(err, &st):
		e.Code, e.Position, e.Message = "22023", int32(st.Offset+1), st.Err.Error()
		if m := st.Err.Error(); strings.Contains(m, "not a column") || strings.Contains(m, "no column") {
			e.Code = "42703" // undefined_column
		}
	case errors.Is(err, store.ErrNotFound):
		e.Code = "42P01"
	case errors.Is(err, context.Canceled):
		e.Code, e.Message = "57014", "canceling statement due to user request: "+err.Error()
	}
	return e
}
