package server

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SCRAM-SHA-256 (RFC 5802, RFC 7677), the password exchange PostgreSQL
// clients speak: the server keeps a verifier, never the password, and the
// password never crosses the wire. This file is the server's half: the
// verifier's form and the check of a client's proof.

// scramIterations is the PBKDF2 iteration count of new verifiers
// (PostgreSQL's default).
const scramIterations = 4096

// verifier is what the server keeps of a password.
type verifier struct {
	iterations int
	salt       []byte
	storedKey  []byte // H(ClientKey)
	serverKey  []byte // HMAC(SaltedPassword, "Server Key")
}

// newVerifier derives a verifier from a password with a fresh salt.
func newVerifier(password string) (verifier, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return verifier{}, err
	}
	return deriveVerifier(password, salt, scramIterations)
}

func deriveVerifier(password string, salt []byte, iterations int) (verifier, error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return verifier{}, err
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	return verifier{iterations: iterations, salt: salt, storedKey: stored[:], serverKey: hmacSHA256(salted, "Server Key")}, nil
}

// String writes the verifier as PostgreSQL stores one:
// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, base64.
func (v verifier) String() string {
	b := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", v.iterations, b(v.salt), b(v.storedKey), b(v.serverKey))
}

// parseVerifier reads what String wrote.
func parseVerifier(s string) (verifier, error) {
	var v verifier
	rest, ok := strings.CutPrefix(s, "SCRAM-SHA-256$")
	parts := strings.Split(rest, "$")
	if !ok || len(parts) != 2 {
		return v, errors.New("not a SCRAM-SHA-256 verifier (SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey)")
	}
	iter, salt, ok1 := strings.Cut(parts[0], ":")
	stored, server, ok2 := strings.Cut(parts[1], ":")
	if !ok1 || !ok2 {
		return v, errors.New("not a SCRAM-SHA-256 verifier (SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey)")
	}
	var err error
	if v.iterations, err = strconv.Atoi(iter); err != nil || v.iterations < 1 {
		return v, fmt.Errorf("bad iteration count %q", iter)
	}
	d := base64.StdEncoding.DecodeString
	if v.salt, err = d(salt); err != nil {
		return v, errors.New("bad salt")
	}
	if v.storedKey, err = d(stored); err != nil || len(v.storedKey) != sha256.Size {
		return v, errors.New("bad StoredKey")
	}
	if v.serverKey, err = d(server); err != nil || len(v.serverKey) != sha256.Size {
		return v, errors.New("bad ServerKey")
	}
	return v, nil
}

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// scramExchange is one server-side exchange, in two steps: first answers
// the client's first message, final checks its proof.
type scramExchange struct {
	v           verifier
	gs2Header   string // "n,," or "y,,": no channel binding
	clientFirst string // the client's first message without its GS2 header
	serverFirst string
	nonce       string // the client's nonce and the server's
}

// errSCRAM is a malformed exchange; a wrong password is errPassword.
var (
	errSCRAM    = errors.New("malformed SCRAM-SHA-256 message")
	errPassword = errors.New("password authentication failed")
)

// first reads the client-first-message and returns the
// server-first-message.
func (x *scramExchange) first(msg string) (string, error) {
	// gs2-header: a channel-binding flag, an optional authzid, then the
	// bare message.
	flag, rest, ok := strings.Cut(msg, ",")
	if !ok {
		return "", errSCRAM
	}
	switch {
	case flag == "n" || flag == "y":
	case strings.HasPrefix(flag, "p="):
		return "", errors.New("SCRAM channel binding is not supported: connect with channel_binding=disable or prefer")
	default:
		return "", errSCRAM
	}
	authz, bare, ok := strings.Cut(rest, ",")
	if !ok {
		return "", errSCRAM
	}
	x.gs2Header, x.clientFirst = flag+","+authz+",", bare
	attrs := strings.Split(bare, ",")
	var clientNonce string
	for _, a := range attrs {
		switch {
		case strings.HasPrefix(a, "r="):
			clientNonce = a[2:]
		case strings.HasPrefix(a, "m="):
			return "", errors.New("SCRAM extensions are not supported")
		}
	}
	if clientNonce == "" {
		return "", errSCRAM
	}
	own := make([]byte, 18)
	if _, err := rand.Read(own); err != nil {
		return "", err
	}
	x.nonce = clientNonce + base64.StdEncoding.EncodeToString(own)
	x.serverFirst = fmt.Sprintf("r=%s,s=%s,i=%d", x.nonce, base64.StdEncoding.EncodeToString(x.v.salt), x.v.iterations)
	return x.serverFirst, nil
}

// final checks the client-final-message's proof and returns the
// server-final-message, which proves to the client that the server knew
// the verifier.
func (x *scramExchange) final(msg string) (string, error) {
	withoutProof, proof64, ok := strings.Cut(msg, ",p=")
	if !ok {
		return "", errSCRAM
	}
	var binding, nonce string
	for _, a := range strings.Split(withoutProof, ",") {
		switch {
		case strings.HasPrefix(a, "c="):
			binding = a[2:]
		case strings.HasPrefix(a, "r="):
			nonce = a[2:]
		}
	}
	if binding != base64.StdEncoding.EncodeToString([]byte(x.gs2Header)) || nonce != x.nonce {
		return "", errSCRAM
	}
	proof, err := base64.StdEncoding.DecodeString(proof64)
	if err != nil || len(proof) != sha256.Size {
		return "", errSCRAM
	}
	auth := x.clientFirst + "," + x.serverFirst + "," + withoutProof
	signature := hmacSHA256(x.v.storedKey, auth)
	clientKey := make([]byte, sha256.Size)
	for i := range clientKey {
		clientKey[i] = proof[i] ^ signature[i]
	}
	got := sha256.Sum256(clientKey)
	if subtle.ConstantTimeCompare(got[:], x.v.storedKey) != 1 {
		return "", errPassword
	}
	return "v=" + base64.StdEncoding.EncodeToString(hmacSHA256(x.v.serverKey, auth)), nil
}
