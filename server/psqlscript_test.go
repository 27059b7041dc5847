package server_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// A user's first psql session, as a script: CREATE TABLE, COPY from
// Parquet, a pgvector-style search with <=> and a '[...]' literal, \dt,
// \d documents and \l, an INSERT and an UPDATE. The output is checked
// line by line, and the search's ids against the engine's own answer.
func TestPsqlScript(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is not installed (scripts/test-peers installs postgresql-client)")
		}
		t.Skip("psql is not installed (apt-get install postgresql-client)")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: 100, Dim: 4, ContentChars: 30}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	addr := serveStore(t, st)
	host, port, _ := net.SplitHostPort(addr)
	q := "[0.5,-0.5,0.5,0.1]"
	script := fmt.Sprintf(`CREATE TABLE documents (id BIGINT PRIMARY KEY, title TEXT NOT NULL, content TEXT, embedding VECTOR(4));
COPY FROM '%s' INTO documents;
SELECT id FROM documents ORDER BY embedding <=> '%s' LIMIT 3;
\dt
\d documents
\l
INSERT INTO documents (id, title, embedding) VALUES (5000, 'inserted', '[1,2,3,4]');
UPDATE documents SET title = 'updated' WHERE id = 1;
SELECT id, title FROM documents WHERE id IN (1, 5000) ORDER BY id;
`, data, q)
	file := filepath.Join(dir, "first.sql")
	os.WriteFile(file, []byte(script), 0o644)
	cmd := exec.Command(psql, "-X", "-A", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", "me", "-d", "lakelink", "-f", file)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	// The engine's exact answer for the search.
	res, err := (&engine.Session{Store: st, At: 2}).Exec(context.Background(), "SELECT id FROM documents ORDER BY embedding <=> '"+q+"' LIMIT 3")
	if err != nil {
		t.Fatal(err)
	}
	var top []string
	for _, r := range res[0].Rows {
		top = append(top, fmt.Sprint(r[0]))
	}
	want := []string{
		"CREATE TABLE",
		"COPY 100",
		"id\n" + strings.Join(top, "\n") + "\n(3 rows)",
		"List of relations\nSchema|Name|Type|Owner\npublic|documents|table|lakelink\n(1 row)",
		"Table \"public.documents\"\nColumn|Type|Collation|Nullable|Default\nid|bigint||not null|\ntitle|text||not null|\ncontent|text|||\nembedding|vector(4)|||\nIndexes:\n    \"documents_pkey\" PRIMARY KEY, btree (id)",
		"List of databases\nName|Owner|Encoding|Collate|Ctype|ICU Locale|Locale Provider|Access privileges\nlakelink|lakelink|UTF8|C|C||libc|\n(1 row)",
		"INSERT 0 1",
		"UPDATE 1",
		"id|title\n1|updated\n5000|inserted\n(2 rows)",
	}
	text := string(out)
	at := 0
	for _, w := range want {
		i := strings.Index(text[at:], w)
		if i < 0 {
			t.Errorf("psql's output lacks (in order):\n%s\n--- output:\n%s", w, text)
			break
		}
		at += i + len(w)
	}
}
