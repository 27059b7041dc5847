package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/testing/blobtest"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// An Azure import with WITH (credentials = 'env:NAME'): the connection
// string stays in the environment (which worker processes inherit), and
// errors name the variable, never its value.
func TestAzureConnectionStringCredentials(t *testing.T) {
	srv := blobtest.StartAzure(t)
	srv.CreateContainer(t, "lake")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "docs.parquet")
	if err := fixtures.WriteDocuments(path, fixtures.Documents{Rows: 300, Dim: 8, RowGroupRows: 100}); err != nil {
		t.Fatal(err)
	}
	putFile(t, "azblob://lake?"+srv.Query(), "docs/part-0.parquet", path)
	t.Setenv("LAKE_CONN", srv.ConnectionString())
	// Only the connection string may give access.
	t.Setenv("AZURE_STORAGE_ACCOUNT", "")
	t.Setenv("AZURE_STORAGE_KEY", "")

	local := session(t, "direct")
	exec(t, local, "COPY FROM '"+path+"' INTO docs")
	want, _ := local.Store.Digest("docs", local.Store.Head())
	for _, runner := range []string{"direct", "prism-process"} {
		s := session(t, runner)
		exec(t, s, "COPY FROM 'azblob://lake/docs/*.parquet' INTO docs WITH (credentials = 'env:LAKE_CONN')")
		if got, _ := s.Store.Digest("docs", s.Store.Head()); got != want {
			t.Errorf("%s: digest %s, local %s", runner, got, want)
		}
	}
	s := session(t, "direct")
	for creds, msg := range map[string]string{"env:NOT_SET_ANYWHERE": "NOT_SET_ANYWHERE: the environment variable is not set", "LAKE_CONN": "'env:NAME'"} {
		_, err := s.Exec(ctx, fmt.Sprintf("COPY FROM 'azblob://lake/docs/*.parquet' INTO docs WITH (credentials = '%s')", creds))
		if err == nil || !strings.Contains(err.Error(), msg) || strings.Contains(err.Error(), "AccountKey") {
			t.Errorf("credentials %s: %v", creds, err)
		}
	}
}
