package blobtest

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Counter is a reverse proxy on 127.0.0.1 in front of an object-store
// server that counts the requests passing through it: how tests see from
// outside the code which objects a query read. Signed requests pass
// unchanged (the Host header stays the proxy's, which the client signed).
type Counter struct {
	Endpoint string // http://127.0.0.1:PORT
	mu       sync.Mutex
	reqs     []string // "METHOD /path"
}

// Count starts a counting proxy in front of the server at endpoint for
// the length of the test.
func Count(t testing.TB, endpoint string) *Counter {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &Counter{Endpoint: "http://" + ln.Addr().String()}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.reqs = append(c.reqs, r.Method+" "+r.URL.Path)
		c.mu.Unlock()
		proxy.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return c
}

// Requests are the requests ("GET /bucket/key") whose path starts with
// prefix, for a method ("" for any).
func (c *Counter) Requests(method, prefix string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, r := range c.reqs {
		m, p, _ := strings.Cut(r, " ")
		if (method == "" || m == method) && strings.HasPrefix(p, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// Reset forgets the requests counted so far.
func (c *Counter) Reset() {
	c.mu.Lock()
	c.reqs = nil
	c.mu.Unlock()
}
