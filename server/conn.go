package server

import (
	"context"
	"crypto/tls"
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
	role Role
	tls  bool // the connection switched to TLS

	mu     sync.Mutex
	cancel context.CancelFunc // the running statement's, or nil

	// The extended protocol's prepared statements and portals, by name
	// ("" is the unnamed one), and whether an error makes the connection
	// skip messages until the next Sync.
	stmts   map[string]*prepared
	portals map[string]*portal
	skip    bool
}

// prepared is a statement Parse prepared, and its description.
type prepared struct {
	query string
	desc  engine.Description
}

// portal is a prepared statement bound to parameter values, and the
// formats its rows go in.
type portal struct {
	stmt    *prepared
	params  map[int]any
	formats []int16
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
			c.skip = false
			c.ready()
		case *pgproto3.Flush:
			_ = c.be.Flush()
		case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute, *pgproto3.Close:
			if c.skip {
				continue // after an error, until Sync
			}
			if err := c.extended(ctx, msg); err != nil {
				c.be.Send(errorResponse("", err))
				c.skip = true
			}
		default:
			c.be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", Code: "0A000", Message: fmt.Sprintf("%T is not supported", msg)})
			c.skip = true
		}
	}
}

var errClosed = errors.New("closed during startup")

// ErrNeedTLS refuses a client from another machine that did not ask for
// TLS when the server has a certificate.
var ErrNeedTLS = errors.New("connections from other machines must use TLS (sslmode=require)")

// authenticate runs a SCRAM-SHA-256 exchange for the startup's user. An
// unknown user goes through the same exchange against a verifier of
// random bytes, so that the answer does not tell which names exist.
func (c *conn) authenticate() (User, error) {
	u, known := c.srv.Users.Lookup(c.user)
	v := u.v
	if !known {
		var err error
		if v, err = newVerifier(string(c.key) + c.user); err != nil {
			return u, err
		}
		v.storedKey = make([]byte, len(v.storedKey)) // no proof matches
	}
	c.be.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}})
	if err := c.be.Flush(); err != nil {
		return u, errClosed
	}
	if err := c.be.SetAuthType(pgproto3.AuthTypeSASL); err != nil {
		return u, err
	}
	msg, err := c.be.Receive()
	if err != nil {
		return u, errClosed
	}
	init, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok || init.AuthMechanism != "SCRAM-SHA-256" {
		return u, fmt.Errorf("want a SCRAM-SHA-256 password (the server has users), got %T", msg)
	}
	x := &scramExchange{v: v}
	first, err := x.first(string(init.Data))
	if err != nil {
		return u, err
	}
	c.be.Send(&pgproto3.AuthenticationSASLContinue{Data: []byte(first)})
	if err := c.be.Flush(); err != nil {
		return u, errClosed
	}
	if err := c.be.SetAuthType(pgproto3.AuthTypeSASLContinue); err != nil {
		return u, err
	}
	if msg, err = c.be.Receive(); err != nil {
		return u, errClosed
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return u, fmt.Errorf("want a SCRAM-SHA-256 response, got %T", msg)
	}
	final, err := x.final(string(resp.Data))
	if err != nil {
		return u, err
	}
	if !known {
		return u, errPassword
	}
	c.be.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte(final)})
	return u, nil
}

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
		case *pgproto3.SSLRequest:
			if c.srv.TLS == nil || c.tls {
				if _, err := c.nc.Write([]byte("N")); err != nil {
					return errClosed
				}
				continue
			}
			if _, err := c.nc.Write([]byte("S")); err != nil {
				return errClosed
			}
			tc := tls.Server(c.nc, c.srv.TLS)
			if err := tc.Handshake(); err != nil {
				return fmt.Errorf("TLS handshake: %w", err)
			}
			c.tls = true
			c.be = pgproto3.NewBackend(tc, tc)
			continue
		case *pgproto3.GSSEncRequest:
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
			local := loopback(c.nc.RemoteAddr())
			switch {
			case c.srv.Users == nil && !local:
				c.fail(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28000", Message: ErrNotLoopback.Error()})
				return ErrNotLoopback
			case c.srv.TLS != nil && !local && !c.tls:
				c.fail(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28000", Message: ErrNeedTLS.Error()})
				return ErrNeedTLS
			}
			u := User{Name: c.user, Role: ReadWrite}
			if c.srv.Users != nil {
				var err error
				if u, err = c.authenticate(); err != nil {
					if errors.Is(err, errClosed) {
						return err
					}
					code := "28P01" // invalid_password
					if !errors.Is(err, errPassword) {
						code = "08P01" // protocol_violation
					}
					c.fail(&pgproto3.ErrorResponse{Severity: "FATAL", Code: code, Message: fmt.Sprintf("user %q: %v", c.user, err)})
					return fmt.Errorf("user %q: %w", c.user, err)
				}
			}
			c.role = u.Role
			c.sess.Access = c.srv.access(u)
			c.sess.Author = c.user // commits and tags record who made them
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

// extended answers one message of the extended query protocol.
func (c *conn) extended(ctx context.Context, msg pgproto3.FrontendMessage) error {
	if c.stmts == nil {
		c.stmts, c.portals = map[string]*prepared{}, map[string]*portal{}
	}
	switch m := msg.(type) {
	case *pgproto3.Parse:
		desc, err := c.sess.Describe(ctx, m.Query)
		if err != nil {
			return err
		}
		c.stmts[m.Name] = &prepared{query: m.Query, desc: desc}
		c.be.Send(&pgproto3.ParseComplete{})
	case *pgproto3.Describe:
		var d engine.Description
		var formats []int16
		if m.ObjectType == 'S' {
			ps, ok := c.stmts[m.Name]
			if !ok {
				return fmt.Errorf("prepared statement %q does not exist", m.Name)
			}
			// Parameters are unspecified (OID 0): drivers send them as
			// text, and vectors as [1,2,3] or {1,2,3}.
			c.be.Send(&pgproto3.ParameterDescription{ParameterOIDs: make([]uint32, ps.desc.Params)})
			d = ps.desc
		} else {
			p, ok := c.portals[m.Name]
			if !ok {
				return fmt.Errorf("portal %q does not exist", m.Name)
			}
			d, formats = p.stmt.desc, p.formats
		}
		if len(d.Columns) == 0 {
			c.be.Send(&pgproto3.NoData{})
		} else {
			c.be.Send(rowDescription(d.Columns, d.Types, formats))
		}
	case *pgproto3.Bind:
		ps, ok := c.stmts[m.PreparedStatement]
		if !ok {
			return fmt.Errorf("prepared statement %q does not exist", m.PreparedStatement)
		}
		params := map[int]any{}
		for i, v := range m.Parameters {
			if format(m.ParameterFormatCodes, i) != 0 {
				return fmt.Errorf("parameter $%d is in binary format: lakelink takes parameters as text", i+1)
			}
			if v == nil {
				params[i+1] = nil
				continue
			}
			params[i+1] = paramText(string(v))
		}
		c.portals[m.DestinationPortal] = &portal{stmt: ps, params: params, formats: m.ResultFormatCodes}
		c.be.Send(&pgproto3.BindComplete{})
	case *pgproto3.Execute:
		p, ok := c.portals[m.Portal]
		if !ok {
			return fmt.Errorf("portal %q does not exist", m.Portal)
		}
		return c.execute(ctx, p)
	case *pgproto3.Close:
		if m.ObjectType == 'S' {
			delete(c.stmts, m.Name)
		} else {
			delete(c.portals, m.Name)
		}
		c.be.Send(&pgproto3.CloseComplete{})
	}
	return nil
}

// paramText is a text parameter as the engine takes it: a vector written
// as an array, {1,2,3}, becomes [1,2,3].
func paramText(v string) string {
	if t := strings.TrimSpace(v); strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
		return "[" + t[1:len(t)-1] + "]"
	}
	return v
}

// format is the format code of item i of a Bind's list: none means text,
// one applies to all.
func format(codes []int16, i int) int16 {
	switch len(codes) {
	case 0:
		return 0
	case 1:
		return codes[0]
	}
	if i < len(codes) {
		return codes[i]
	}
	return 0
}

// execute runs a portal's statement with its parameters and sends its rows
// in the portal's formats (no row description: Describe sent it).
func (c *conn) execute(ctx context.Context, p *portal) error {
	results, err := c.run(ctx, p.stmt.query, p.params)
	if err != nil {
		return err
	}
	if len(results) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	r := results[0]
	if len(r.Columns) != len(p.stmt.desc.Columns) {
		return fmt.Errorf("the statement returned %d column(s), its description %d", len(r.Columns), len(p.stmt.desc.Columns))
	}
	return c.sendRows(r, p.stmt.desc.Types, p.formats)
}

// run runs a script as the connection's statement, with $n parameters,
// stopped by a CancelRequest. Connections run their statements
// concurrently (doc.go).
func (c *conn) run(ctx context.Context, script string, params map[int]any) ([]engine.Result, error) {
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
	if r, ok, err := c.catalog(script); ok {
		return []engine.Result{r}, err
	}
	c.sess.Params = params
	defer func() { c.sess.Params = nil }()
	res, err := c.sess.Exec(ctx, script)
	if err != nil && strings.Contains(script, "pg_catalog.") {
		err = fmt.Errorf("%w (%v)", errCatalog, err)
	}
	return res, err
}

// sendRows writes a result's rows (their values of types, in formats),
// its message as a notice, and its command tag.
func (c *conn) sendRows(r engine.Result, types []lake.Type, formats []int16) error {
	for _, row := range r.Rows {
		vals := make([][]byte, len(row))
		for i, v := range row {
			t := typeAt(types, i)
			if format(formats, i) == 1 {
				b, err := binaryValue(v, t)
				if err != nil {
					return fmt.Errorf("column %s: %w", r.Columns[i], err)
				}
				vals[i] = b
			} else {
				vals[i] = textValue(v, t)
			}
		}
		c.be.Send(&pgproto3.DataRow{Values: vals})
	}
	if r.Message != "" {
		c.be.Send(&pgproto3.NoticeResponse{Severity: "NOTICE", Code: "00000", Message: r.Message})
	}
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(commandTag(r))})
	return nil
}

// typeAt is types[i], or the zero Type past its end.
func typeAt(types []lake.Type, i int) lake.Type {
	if i < len(types) {
		return types[i]
	}
	return lake.Type{}
}

// rowDescription describes result columns, in the given formats.
func rowDescription(names []string, types []lake.Type, formats []int16) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(names))
	for i, name := range names {
		fields[i] = pgproto3.FieldDescription{Name: []byte(name), DataTypeOID: typeOID(typeAt(types, i)), DataTypeSize: -1, TypeModifier: -1, Format: format(formats, i)}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// query runs a simple-protocol script: each statement's result in turn,
// and the first error ends it.
func (c *conn) query(ctx context.Context, script string) {
	defer c.ready()
	if strings.TrimSpace(strings.Trim(script, "; \n\t")) == "" {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	results, err := c.run(ctx, script, nil)
	for _, r := range results {
		c.send(r)
	}
	if err != nil {
		c.be.Send(errorResponse(script, err))
	} else if len(results) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{}) // only comments (pgx's ping)
	}
}

// send writes one statement's result in text: a row description and
// data rows for a result with columns, a notice for a message, and the
// command tag.
func (c *conn) send(r engine.Result) {
	if len(r.Columns) > 0 {
		c.be.Send(rowDescription(r.Columns, r.Types, nil))
	}
	_ = c.sendRows(r, r.Types, nil) // text never fails
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
	case kind == "INSERT" && rows != nil:
		return fmt.Sprintf("INSERT 0 %v", rows) // 0: PostgreSQL's old oid field
	case kind == "UPDATE" && rows != nil:
		return fmt.Sprintf("UPDATE %v", rows)
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
	case errors.Is(err, errCatalog):
		e.Code = "0A000" // feature_not_supported
	case errors.Is(err, engine.ErrReadOnly) || errors.Is(err, engine.ErrAccess):
		e.Code = "42501" // insufficient_privilege
	case errors.Is(err, store.ErrNotFound):
		e.Code = "42P01"
	case errors.Is(err, context.Canceled):
		e.Code, e.Message = "57014", "canceling statement due to user request: "+err.Error()
	}
	return e
}
