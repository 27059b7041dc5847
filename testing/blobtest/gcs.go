package blobtest

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
)

// GCS is a fake-gcs-server holding its objects in memory.
type GCS struct {
	Host string // 127.0.0.1:PORT
}

// StartGCS starts fake-gcs-server on 127.0.0.1 for the length of the test
// and points Google's storage clients at it (STORAGE_EMULATOR_HOST, which
// worker processes inherit).
func StartGCS(t *testing.T) *GCS {
	t.Helper()
	bin := binary(t, "fake-gcs-server", "LAKELINK_FAKE_GCS_SERVER")
	port := freePort(t)
	addr := loopback(port)
	// Without -public-host every read answers NotFound.
	start(t, addr, nil, bin, "-scheme", "http", "-host", "127.0.0.1", "-port", fmt.Sprint(port),
		"-public-host", addr, "-backend", "memory", "-log-level", "error")
	t.Setenv("STORAGE_EMULATOR_HOST", addr)
	return &GCS{Host: addr}
}

// CreateBucket creates a bucket through the JSON API.
func (g *GCS) CreateBucket(t *testing.T, name string) {
	t.Helper()
	resp, err := http.Post("http://"+g.Host+"/storage/v1/b?project=lakelink-test", "application/json",
		bytes.NewReader([]byte(fmt.Sprintf(`{"name": %q}`, name))))
	if err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create bucket %s: %s", name, resp.Status)
	}
}

// URL is gs://bucket/key.
func (g *GCS) URL(bucket, key string) string { return "gs://" + bucket + "/" + key }
