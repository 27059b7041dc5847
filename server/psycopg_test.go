package server_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// psycopg2, Debian's Python driver, wraps its
// statements in BEGIN ... COMMIT as it does by default, passes a query
// vector as a parameter, and reads typed rows and their description.
func TestPsycopg2(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import psycopg2").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-psycopg2 is not installed (scripts/test-peers installs it)")
		}
		t.Skip("python3-psycopg2 is not installed (apt-get install python3-psycopg2)")
	}
	st, _ := documentsStore(t, true, 50, 1)
	addr := serveStore(t, st)
	host, port, _ := strings.Cut(addr, ":")
	script := `
import sys, psycopg2
conn = psycopg2.connect(host=sys.argv[1], port=int(sys.argv[2]), user="tester", dbname="lakelink")
cur = conn.cursor()
cur.execute("SELECT count(*) FROM documents")
print("count", cur.fetchone()[0])
q = "[" + ",".join(["0.25"] * 16) + "]"
cur.execute("SELECT id, title FROM documents ORDER BY embedding <=> %s LIMIT 3", (q,))
rows = cur.fetchall()
print("top", len(rows), type(rows[0][0]).__name__, type(rows[0][1]).__name__)
print("columns", ",".join(d.name for d in cur.description))
cur.execute("SELECT id FROM documents WHERE id = %s", (7,))
print("id", cur.fetchone()[0])
conn.commit()
conn.close()
`
	out, err := exec.Command(py, "-c", script, host, port).CombinedOutput()
	if err != nil {
		t.Fatalf("psycopg2: %v\n%s", err, out)
	}
	want := "count 50\ntop 3 int str\ncolumns id,title\nid 7\n"
	if string(out) != want {
		t.Errorf("psycopg2 printed %q, want %q", out, want)
	}
}
