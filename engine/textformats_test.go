package engine_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/conformance"
)

// CSV → store → NDJSON → store keeps the digest, on the direct runner and
// on Prism with workers in other processes: a table of every type exported as CSV, imported into a table
// the import creates (its types inferred from the text), exported as
// NDJSON and imported into another created table; the two created tables
// have the same schema and digest. The CSV read back into the original
// schema has the original's digest.
func TestCSVToNDJSONRoundTripKeepsTheDigest(t *testing.T) {
	for _, runner := range []string{"direct", "prism-process"} {
		t.Run(runner, func(t *testing.T) {
			s := session(t, runner)
			exec(t, s, "CREATE TABLE src "+conformance.EveryTypeDDL)
			if err := conformance.FillEveryType(s.Store, "src", 400); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			csv, ndjson := filepath.Join(dir, "csv")+"/", filepath.Join(dir, "ndjson")+"/"
			exec(t, s, "COPY src TO '"+csv+"' WITH (format = 'csv', parallel_workers = 2)")
			exec(t, s, "COPY FROM '"+csv+"*.csv' INTO a WITH (primary_key = 'id')")
			exec(t, s, "COPY a TO '"+ndjson+"' WITH (format = 'ndjson')")
			exec(t, s, "COPY FROM '"+ndjson+"*.ndjson' INTO b WITH (primary_key = 'id')")
			sa, sb := schemaOf(t, s.Store, "a"), schemaOf(t, s.Store, "b")
			t.Logf("inferred: %s", sa)
			if sa != sb {
				t.Errorf("schemas differ:\n csv    %s\n ndjson %s", sa, sb)
			}
			if da, db := digest(t, s, "a"), digest(t, s, "b"); da != db {
				t.Errorf("digest after CSV %s, after NDJSON %s", da, db)
			}
			if n := count(t, s, "b"); n != 400 {
				t.Errorf("%d rows, want 400", n)
			}
			exec(t, s, "CREATE TABLE c "+conformance.EveryTypeDDL)
			exec(t, s, "COPY FROM '"+csv+"*.csv' INTO c")
			if d0, dc := digest(t, s, "src"), digest(t, s, "c"); d0 != dc {
				t.Errorf("CSV into the original schema: digest %s, original %s", dc, d0)
			}
		})
	}
}

func schemaOf(t *testing.T, st *store.Store, table string) string {
	t.Helper()
	ti, err := st.Table(table, st.Head())
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range ti.Schema.Columns {
		cols = append(cols, c.Name+" "+c.Type.String())
	}
	return strings.Join(cols, ", ")
}
