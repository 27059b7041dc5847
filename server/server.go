package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"sync"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/store"
)

// Server serves one store over the PostgreSQL wire protocol.
type Server struct {
	Store  *store.Store
	Runner runners.Options
	// Logf, when set, receives one line per connection and per failed
	// statement; it never receives passwords or statement parameters.
	Logf func(format string, args ...any)
	// Users, when set, are the accounts the server accepts, each with a
	// SCRAM-SHA-256 password and a role. Without users only clients on
	// this machine may connect, without a password, and Listen refuses
	// any address but a loopback one.
	Users *Users
	// TLS, when set, is offered to clients that ask for it (sslmode), and
	// required of clients that are not on this machine.
	TLS *tls.Config
	// CopyRoots are the local folders clients' statements may read and
	// write files under (COPY FROM/TO, parquet_scan, staging,
	// cold_storage). None: clients may use no local files.
	CopyRoots []string
	// Settings are every connection's settings at its start (SET changes
	// them for the connection): lakelink serve --memory-limit sets
	// lakelink.import_memory_limit so.
	Settings map[string]string

	mu     sync.Mutex
	ln     net.Listener
	conns  map[*conn]bool
	nextID uint32
	wg     sync.WaitGroup
}

// ErrNotLoopback refuses a connection from another machine: with no users
// configured, only loopback clients may connect.
var ErrNotLoopback = errors.New("only connections from this machine (loopback) are accepted: no users are configured")

// ErrNeedUsers refuses to listen beyond loopback without users.
var ErrNeedUsers = errors.New("listening beyond this machine (loopback) needs users with passwords (--users FILE)")

// Listen starts listening on addr (host:port); Serve then accepts. An
// address that is not a loopback one needs Users.
func (s *Server) Listen(addr string) (net.Addr, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("listen on %s: want host:port, such as 127.0.0.1:5433", addr)
	}
	if s.Users.Len() == 0 && !loopbackAddress(addr) {
		return nil, fmt.Errorf("listen on %s: %w", addr, ErrNeedUsers)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.ln = ln
	s.conns = map[*conn]bool{}
	s.mu.Unlock()
	return ln.Addr(), nil
}

// Serve accepts connections until ctx ends (or Close), each served on a
// goroutine of its own, and then waits for the open ones to finish their
// statement and close.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	if ln == nil {
		return fmt.Errorf("server: Listen first")
	}
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.wg.Wait()
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		c := s.newConn(nc)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			c.serve(ctx)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// Close stops accepting and closes every connection.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.conns {
		c.nc.Close()
	}
}

func (s *Server) newConn(nc net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	key := make([]byte, 4)
	_, _ = rand.Read(key)
	settings := make(map[string]string, len(s.Settings))
	for k, v := range s.Settings {
		settings[k] = v
	}
	c := &conn{srv: s, nc: nc, id: s.nextID, key: key, sess: &engine.Session{Store: s.Store, Runner: s.Runner, Settings: settings}}
	s.conns[c] = true
	return c
}

// cancel stops the statement of connection pid if key is its secret
// (CancelRequest); a wrong key does nothing.
func (s *Server) cancel(pid uint32, key []byte) {
	s.mu.Lock()
	var target *conn
	for c := range s.conns {
		if c.id == pid && subtle.ConstantTimeCompare(c.key, key) == 1 {
			target = c
		}
	}
	s.mu.Unlock()
	if target != nil && target.cancelStatement() {
		s.logf("connection %d: statement cancelled by the client", pid)
	}
}

// loopbackAddress reports whether a listening address (host:port) is on
// loopback only: "localhost" or a loopback IP, not an empty host or a
// wildcard.
func loopbackAddress(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// access is what a connection's statements may do: its user's role, and
// the server's roots for local files.
func (s *Server) access(u User) *engine.Access {
	return &engine.Access{Roots: s.CopyRoots, ReadOnly: u.Role == ReadOnly, NoURLs: u.NoURLs}
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
		return
	}
	log.Printf(format, args...)
}
