package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/lakelink/lakelink/runners"
	"github.com/lakelink/lakelink/server"
	"github.com/lakelink/lakelink/store"
)

// serveOptions are lakelink serve's flags.
type serveOptions struct {
	listen    string
	users     string // a users file (lakelink user add)
	tlsCert   string // PEM certificate and key, both or neither
	tlsKey    string
	copyRoots []string // local folders clients' COPY may use
}

func newServeCmd(g *globalFlags, open func(bool) (*store.Store, error), stdout io.Writer) *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{Use: "serve [--listen 127.0.0.1:5433] [--users FILE] [--tls-cert F --tls-key F] [--copy-root DIR]...",
		Short: "Serve the store over the PostgreSQL wire protocol (psql, pgx, psycopg) until interrupted",
		Example: `  lakelink serve --store ./lakelink-data --copy-root ./data &
  psql -h 127.0.0.1 -p 5433 -c 'SELECT count(*) FROM documents'

  # users with passwords (SCRAM-SHA-256), TLS, and any interface
  lakelink user add --users users.txt alice --role read-write
  lakelink serve --users users.txt --tls-cert server.crt --tls-key server.key --listen 0.0.0.0:5433`,
		Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), g, o, open, stdout, cmd.ErrOrStderr())
		}}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:5433", "address to listen on (host:port); beyond loopback needs --users")
	f.StringVar(&o.users, "users", "", "users file (lakelink user add): every client then gives a password (SCRAM-SHA-256)")
	f.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate for TLS (with --tls-key); clients from other machines must then use TLS")
	f.StringVar(&o.tlsKey, "tls-key", "", "PEM private key for TLS")
	f.StringArrayVar(&o.copyRoots, "copy-root", nil, "a folder whose files clients may read and write (COPY, parquet_scan); repeatable; none: no local files")
	return cmd
}

func runServe(ctx context.Context, g *globalFlags, o serveOptions, open func(bool) (*store.Store, error), stdout, stderr io.Writer) error {
	srv := &server.Server{Runner: runners.Options{Runner: g.runner, Endpoint: g.endpoint, Environment: g.env, Verbose: g.verbose},
		Logf:      func(f string, a ...any) { fmt.Fprintf(stderr, "lakelink serve: "+f+"\n", a...) },
		CopyRoots: o.copyRoots}
	if o.users != "" {
		u, err := server.LoadUsers(o.users)
		if err != nil {
			return fmt.Errorf("--users: %w", err)
		}
		srv.Users = u
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if g.memoryLimit != "" {
		// Every connection's imports are bounded so (SET changes it).
		srv.Settings = map[string]string{"lakelink.import_memory_limit": g.memoryLimit}
	}
	for _, r := range o.copyRoots {
		if fi, err := os.Stat(r); err != nil || !fi.IsDir() {
			return fmt.Errorf("--copy-root %s: not a folder", r)
		}
	}
	st, err := open(true) // clients create tables: a new store is made as a COPY would make it
	if err != nil {
		return err
	}
	defer st.Close()
	srv.Store = st
	addr, err := srv.Listen(o.listen)
	if err != nil {
		return err
	}
	// Other lakelink commands find the server through the store's holder
	// file.
	if err := st.SetServer(addr.String()); err != nil {
		return err
	}
	who := "no users are configured, so only this machine may connect, without a password"
	if srv.Users != nil {
		who = fmt.Sprintf("%d user(s) from %s, with passwords (SCRAM-SHA-256)", srv.Users.Len(), o.users)
	}
	if srv.TLS != nil {
		who += "; TLS offered, and required of other machines"
	}
	files := "clients may use no local files (--copy-root DIR allows a folder)"
	if len(o.copyRoots) > 0 {
		files = "clients' local files only under " + strings.Join(o.copyRoots, ", ")
	}
	fmt.Fprintf(stdout, "lakelink serve: store %s on %s (PostgreSQL protocol); %s; %s\n", st.Dir(), addr, who, files)
	return srv.Serve(ctx)
}

// newUserCmd is lakelink user add: a users file's accounts.
func newUserCmd(stdin io.Reader, stdout io.Writer) *cobra.Command {
	user := &cobra.Command{Use: "user", Short: "Accounts of lakelink serve's users file"}
	var file, role string
	var noURLs bool
	add := &cobra.Command{Use: "add --users FILE NAME [--role read-only|read-write] [--no-urls]",
		Short: "Add a user (or set a user's password and role); the password is read from the terminal or standard input",
		Example: `  lakelink user add --users users.txt alice --role read-write
  echo "$PASSWORD" | lakelink user add --users users.txt reporter --role read-only`,
		Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
			if file == "" {
				return errors.New("--users FILE: the users file to write")
			}
			if role != string(server.ReadOnly) && role != string(server.ReadWrite) {
				return fmt.Errorf("--role %q: read-only or read-write", role)
			}
			pw, err := readPassword(stdin, cmd.ErrOrStderr(), args[0])
			if err != nil {
				return err
			}
			if err := server.AddUser(file, args[0], server.Role(role), noURLs, pw); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "user %s (%s) in %s\n", args[0], role, file)
			return nil
		}}
	add.Flags().StringVar(&file, "users", "", "the users file (created if missing, mode 0600)")
	add.Flags().StringVar(&role, "role", string(server.ReadWrite), "read-only or read-write")
	add.Flags().BoolVar(&noURLs, "no-urls", false, "refuse the user object-store URLs and bucket options")
	user.AddCommand(add)
	return user
}

// readPassword reads a password without echo from a terminal, or the
// first line of standard input otherwise.
func readPassword(stdin io.Reader, prompt io.Writer, name string) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(prompt, "password for %s: ", name)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		return string(b), err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
