package server_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

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
SELECT title, count(*) AS n, max(id) FROM documents WHERE id IN (1, 2, 5000) GROUP BY title HAVING n < 2 ORDER BY 3 DESC;
SELECT count(*), min(id), max(id), sum(id) FROM documents;
EXPLAIN SELECT id FROM documents WHERE id > 10;
`, data, q)
	file := filepath.Join(dir, "first.sql")
	os.WriteFile(file, []byte(script), 0o644)
	cmd := exec.Command(psql, "-X", "-A", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", "me", "-d", "lakelink", "-f", file)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	// Commits made through the server record the connection's user.
	commits, err := st.Commits()
	if err != nil || len(commits) == 0 {
		t.Fatalf("commits: %v", err)
	} else if last := commits[len(commits)-1]; last.Author != "me" {
		t.Errorf("the last commit's author is %q, not the connection's user", last.Author)
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
		"|1|2\nupdated|1|1\n(3 rows)",
		"count|min|max|sum\n101|0|5000|9950\n(1 row)",
		"QUERY PLAN\nread: table documents at commit 4\naccess: scan, with the WHERE clause on every row\nhot tier: the store's rows at commit 4\ncold tier: no cold files\nrows: 90 returned in",
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

// pgx in its default mode (extended protocol, binary results): a GROUP
// BY with $N in WHERE is described before it runs, and its counts and
// sums decode as int8 and float8; INSERT and UPDATE take $N values,
// a vector among them.
func TestPgxGroupByAndWrites(t *testing.T) {
	st, addr := serve(t, 40)
	ctx := context.Background()
	conn := dial(t, addr)
	rows, err := conn.Query(ctx, "SELECT ok, count(*) AS n, sum(score) FROM docs WHERE id >= $1 GROUP BY ok ORDER BY 1", 10)
	if err != nil {
		t.Fatal(err)
	}
	type group struct {
		ok  bool
		n   int64
		sum float64
	}
	var got []group
	for rows.Next() {
		var g group
		if err := rows.Scan(&g.ok, &g.n, &g.sum); err != nil {
			t.Fatal(err)
		}
		got = append(got, g)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// ids 10..39: 15 even (ok) with scores i/2, 15 odd.
	var even, odd float64
	for i := 10; i < 40; i++ {
		if i%2 == 0 {
			even += float64(i) / 2
		} else {
			odd += float64(i) / 2
		}
	}
	if fmt.Sprint(got) != fmt.Sprint([]group{{false, 15, odd}, {true, 15, even}}) {
		t.Errorf("groups %v", got)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO docs (id, title, v) VALUES ($1, $2, $3)", 1000, "from pgx", []float32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	tag, err := conn.Exec(ctx, "UPDATE docs SET title = $1 WHERE id = $2 OR id = $3", "changed", 1000, 3)
	if err != nil || tag.String() != "UPDATE 2" {
		t.Fatalf("UPDATE: %v %v", tag, err)
	}
	var title, v string
	if err := conn.QueryRow(ctx, "SELECT title, v FROM docs WHERE id = $1", 1000).Scan(&title, &v); err != nil || title != "changed" || v != "[1,2,3]" {
		t.Errorf("the inserted row: %q %q %v", title, v, err)
	}
	if n, _ := st.Count("docs", st.Head()); n != 41 {
		t.Errorf("%d rows", n)
	}
}

// information_schema.tables and .columns answer as virtual tables (with
// WHERE and ORDER BY), as BI tools and drivers ask them; a pg_catalog
// query psql's commands do not send gets 0A000.
func TestInformationSchema(t *testing.T) {
	_, addr := serve(t, 3)
	ctx := context.Background()
	conn := dial(t, addr)
	var tables []string
	rows, err := conn.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	if fmt.Sprint(tables) != "[docs]" {
		t.Errorf("tables %v", tables)
	}
	rows, err = conn.Query(ctx, "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position", "docs")
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var n, typ, null string
		rows.Scan(&n, &typ, &null)
		cols = append(cols, n+" "+typ+" "+null)
	}
	if want := "[id bigint NO title text YES day date YES score double precision YES ok boolean YES v vector(3) YES]"; fmt.Sprint(cols) != want {
		t.Errorf("columns %v\nwant %s", cols, want)
	}
	_, err = conn.Exec(ctx, "SELECT oid FROM pg_catalog.pg_type WHERE typname = 'vector'")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "0A000" {
		t.Errorf("an unsupported catalog query: %v", err)
	}
}

// A search result joined with another table through pgx's extended
// protocol: the statement is described before $1 is bound, then runs.
func TestPgxJoinSearch(t *testing.T) {
	_, addr := serve(t, 20)
	ctx := context.Background()
	conn := dial(t, addr)
	if _, err := conn.Exec(ctx, "CREATE TABLE notes (doc BIGINT PRIMARY KEY, note TEXT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO notes VALUES (19, 'nineteen'), (18, 'eighteen'), (3, 'three')"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, "SELECT d.id, n.note FROM (SELECT id FROM docs ORDER BY v <-> $1 LIMIT 3) d LEFT JOIN notes n ON d.id = n.doc ORDER BY 1", []float32{19, 1, -0.5})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id int64
		var note *string
		if err := rows.Scan(&id, &note); err != nil {
			t.Fatal(err)
		}
		s := "<nil>"
		if note != nil {
			s = *note
		}
		got = append(got, fmt.Sprint(id, " ", s))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[17 <nil> 18 eighteen 19 nineteen]" {
		t.Errorf("joined search: %v", got)
	}
}
