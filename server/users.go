package server

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Role is what a user may do.
type Role string

const (
	// ReadOnly users run SELECT, SHOW, SET and transaction statements;
	// everything that writes the store or files is refused.
	ReadOnly Role = "read-only"
	// ReadWrite users run every statement, with COPY's local paths limited
	// to the server's roots.
	ReadWrite Role = "read-write"
)

// User is one account of a users file.
type User struct {
	Name string
	Role Role
	// NoURLs refuses the user object-store URLs and bucket options.
	NoURLs bool
	v      verifier
}

// Users are the accounts a server accepts. With users, every connection
// must give a name and password (SCRAM-SHA-256).
type Users struct {
	byName map[string]User
}

// Lookup returns the user of a name.
func (u *Users) Lookup(name string) (User, bool) {
	if u == nil {
		return User{}, false
	}
	x, ok := u.byName[name]
	return x, ok
}

// Len is the number of users.
func (u *Users) Len() int {
	if u == nil {
		return 0
	}
	return len(u.byName)
}

var userName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$`)

// A users file has one user a line, `name role verifier [no-urls]`, and
// comments after #:
//
//	# lakelink serve --users FILE
//	alice read-write SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>
//	bob   read-only  SCRAM-SHA-256$4096:...  no-urls
//
// The verifier is PostgreSQL's form of a SCRAM-SHA-256 password (what
// pg_authid keeps); `lakelink user add` writes it. The file holds no
// password, but a verifier lets whoever reads it attempt an offline guess,
// so it is written readable by its owner only.

// LoadUsers reads a users file.
func LoadUsers(path string) (*Users, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	u := &Users{byName: map[string]User{}}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		x, err := parseUser(fields)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		if _, dup := u.byName[x.Name]; dup {
			return nil, fmt.Errorf("%s line %d: user %q twice", path, line, x.Name)
		}
		u.byName[x.Name] = x
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(u.byName) == 0 {
		return nil, fmt.Errorf("%s: no users (lakelink user add --users %s NAME adds one)", path, path)
	}
	return u, nil
}

func parseUser(fields []string) (User, error) {
	if len(fields) < 3 || len(fields) > 4 {
		return User{}, errors.New("want: name role verifier [no-urls]")
	}
	x := User{Name: fields[0], Role: Role(fields[1])}
	if !userName.MatchString(x.Name) {
		return x, fmt.Errorf("bad user name %q", x.Name)
	}
	if x.Role != ReadOnly && x.Role != ReadWrite {
		return x, fmt.Errorf("user %s: role %q is not %s or %s", x.Name, x.Role, ReadOnly, ReadWrite)
	}
	v, err := parseVerifier(fields[2])
	if err != nil {
		return x, fmt.Errorf("user %s: %w", x.Name, err)
	}
	x.v = v
	if len(fields) == 4 {
		if fields[3] != "no-urls" {
			return x, fmt.Errorf("user %s: unknown option %q (no-urls)", x.Name, fields[3])
		}
		x.NoURLs = true
	}
	return x, nil
}

// AddUser adds a user to a users file, or replaces the user of that name,
// keeping the other lines; the file is created (mode 0600) if need be.
// The password is kept only as a SCRAM-SHA-256 verifier.
func AddUser(path, name string, role Role, noURLs bool, password string) error {
	if password == "" {
		return errors.New("an empty password")
	}
	v, err := newVerifier(password)
	if err != nil {
		return err
	}
	line := fmt.Sprintf("%s %s %s", name, role, v)
	if noURLs {
		line += " no-urls"
	}
	if _, err := parseUser(strings.Fields(line)); err != nil {
		return err
	}
	var lines []string
	replaced := false
	if old, err := os.ReadFile(path); err == nil {
		for _, l := range strings.Split(strings.TrimRight(string(old), "\n"), "\n") {
			text, _, _ := strings.Cut(l, "#")
			if f := strings.Fields(text); len(f) > 0 && f[0] == name {
				l, replaced = line, true
			}
			lines = append(lines, l)
		}
	} else if !os.IsNotExist(err) {
		return err
	} else {
		lines = append(lines, "# lakelink serve --users "+filepath.Base(path)+": name role SCRAM-SHA-256-verifier [no-urls]")
	}
	if !replaced {
		lines = append(lines, line)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
