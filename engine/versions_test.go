package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakelink/lakelink/testing/fixtures"
)

// A dated dataset's versions are sources: DIR@latest, DIR@YYYY_MM_DD (the
// newest of that day) and DIR@YYYY_MM_DD/HH_mm_SS_sss read one version's
// files through DIR/manifest.json, in COPY and parquet_scan; the manifest
// is never read as data; a version that does not exist is an error that
// says so.
func TestDatasetVersionsAsSources(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	if err := fixtures.WriteDocuments(a, fixtures.Documents{Rows: 100, Dim: 4}); err != nil {
		t.Fatal(err)
	}
	if err := fixtures.WriteDocuments(b, fixtures.Documents{Rows: 50, Dim: 4, FirstID: 100}); err != nil {
		t.Fatal(err)
	}
	s := session(t, "direct")
	ds := filepath.Join(dir, "exports", "docs")
	exec(t, s, "COPY FROM '"+a+"' INTO docs WITH (primary_key = 'id')")
	exec(t, s, "COPY docs TO '"+ds+"/' WITH (dated = true)")
	first, _ := s.Store.Digest("docs", s.Store.Head())
	time.Sleep(5 * time.Millisecond) // versions are named by the millisecond
	exec(t, s, "COPY FROM '"+b+"' INTO docs")
	exec(t, s, "COPY docs TO '"+ds+"/' WITH (dated = true)")
	latest, _ := s.Store.Digest("docs", s.Store.Head())

	var m struct {
		Versions []struct {
			Version string `json:"version"`
		} `json:"versions"`
	}
	data, err := os.ReadFile(filepath.Join(ds, "manifest.json"))
	if err != nil || json.Unmarshal(data, &m) != nil || len(m.Versions) != 2 {
		t.Fatalf("manifest: %s %v", data, err)
	}
	day := m.Versions[1].Version[:10]
	for _, c := range []struct {
		source string
		rows   int64
		digest string
	}{
		{ds + "@latest", 150, latest},
		{ds + "@" + day, 150, latest},
		{ds + "@" + m.Versions[0].Version, 100, first},
	} {
		if n := exec(t, s, "SELECT count(*) FROM parquet_scan('"+c.source+"')")[0].Rows[0][0]; n != c.rows {
			t.Errorf("parquet_scan(%s): %v rows, want %d", c.source, n, c.rows)
		}
		into := "v" + string(rune('a'+len(c.source)%20))
		exec(t, s, "DROP TABLE IF EXISTS "+into+"; COPY FROM '"+c.source+"' INTO "+into+" WITH (primary_key = 'id')")
		if got, _ := s.Store.Digest(into, s.Store.Head()); got != c.digest {
			t.Errorf("COPY FROM %s: digest %s, want %s", c.source, got, c.digest)
		}
	}
	// The dataset folder as a whole: every version's files, never the
	// manifest.
	if n := exec(t, s, "SELECT count(*) FROM parquet_scan('"+ds+"/')")[0].Rows[0][0]; n != int64(250) {
		t.Errorf("the dataset folder reads %v rows, want 250 (both versions)", n)
	}
	for _, bad := range []string{ds + "@2001_01_01", filepath.Join(dir, "a.parquet") + "@latest"} {
		_, err := s.Exec(context.Background(), "SELECT count(*) FROM parquet_scan('"+bad+"')")
		if err == nil || !strings.Contains(err.Error(), "no version 2001_01_01") && !strings.Contains(err.Error(), "no manifest.json") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
