package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/testing/blobtest"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// The guide's "From GCS" statement, against a local GCS server, imports the
// same rows as a local import, on the direct runner and on Prism with
// worker processes; a missing credentials file is a clear error.
func TestGuideGCS(t *testing.T) {
	srv := blobtest.StartGCS(t)
	srv.CreateBucket(t, "my-bucket")
	dir := t.TempDir()
	ctx := context.Background()
	path := filepath.Join(dir, "vectors.parquet")
	if err := fixtures.WriteDocuments(path, fixtures.Documents{Rows: 800, Dim: 64, RowGroupRows: 300}); err != nil {
		t.Fatal(err)
	}
	putFile(t, "gs://my-bucket", "data/vectors.parquet", path)
	// A service-account file of the right shape; the emulator needs no token.
	sa := filepath.Join(dir, "service-account.json")
	os.WriteFile(sa, []byte(`{"type": "service_account", "project_id": "lakelink-test", "client_email": "test@lakelink-test.iam.gserviceaccount.com", "private_key_id": "0", "private_key": "", "token_uri": "http://127.0.0.1:1/token"}`), 0o600)

	local := session(t, "direct")
	exec(t, local, "COPY FROM '"+path+"' INTO documents")
	want, _ := local.Store.Digest("documents", local.Store.Head())
	for _, runner := range []string{"direct", "prism-process"} {
		s := session(t, runner)
		exec(t, s, fmt.Sprintf(`COPY FROM 'gs://my-bucket/data/vectors.parquet'
INTO documents
WITH (
    credentials = '%s'
);`, sa))
		if got, _ := s.Store.Digest("documents", s.Store.Head()); got != want {
			t.Errorf("%s: GCS import digest %s, local %s", runner, got, want)
		}
	}
	s := session(t, "direct")
	_, err := s.Exec(ctx, "COPY FROM 'gs://my-bucket/data/vectors.parquet' INTO documents WITH (credentials = '/nonexistent/sa.json')")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/sa.json") {
		t.Errorf("missing credentials file: %v", err)
	}
	_, err = s.Exec(ctx, "COPY FROM 'gs://my-bucket/data/nothing.parquet' INTO documents")
	if err == nil || !strings.Contains(err.Error(), "gs://my-bucket/data/nothing.parquet: not found") {
		t.Errorf("missing object: %v", err)
	}
}
