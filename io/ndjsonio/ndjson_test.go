package ndjsonio_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/testing/conformance"
)

var (
	session = conformance.Session
	write   = conformance.WriteFile
	rows    = conformance.Query
)

// A new table takes the JSON values' types; keys come in first-seen
// order, a missing key is NULL, a repeated key's last value wins, blank
// lines are skipped.
func TestTypesFromJSON(t *testing.T) {
	s := session(t)
	p := write(t, "d.jsonl", `{"id": 1, "v": [1, 2.5], "meta": {"a": [1]}, "ok": true, "at": "2024-03-01T10:00:00Z", "n": 1.5, "tags": ["x", null]}`+"\n\n"+
		`{"id": 2, "v": [3, 4], "ok": false, "n": 2, "extra": "e", "id": 3, "tags": []}`+"\r\n")
	rows(t, s, "COPY FROM '"+p+"' INTO d WITH (primary_key = 'id')")
	ti, err := s.Store.Table("d", s.Store.Head())
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range ti.Schema.Columns {
		cols = append(cols, c.Name+" "+c.Type.String())
	}
	if got, want := strings.Join(cols, ", "), "id BIGINT, v VECTOR(2), meta JSONB, ok BOOLEAN, at TIMESTAMP, n DOUBLE, tags TEXT[], extra TEXT"; got != want {
		t.Errorf("schema %s, want %s", got, want)
	}
	got := rows(t, s, "SELECT id, v, meta, ok, n, extra FROM d ORDER BY id")
	if fmt.Sprint(got) != `[[1 [1 2.5] {"a":[1]} true 1.5 <nil>] [3 [3 4] <nil> false 2 e]]` {
		t.Errorf("rows %v", got)
	}
}

// Bad lines are errors naming the object and the line; under 'continue'
// they go to the error table, while a line of a gigabyte fails the import.
func TestBadInput(t *testing.T) {
	good := `{"id": 1, "name": "a"}` + "\n"
	huge := conformance.HugeLine(t, "huge.ndjson", good)
	conformance.RunBadInput(t, []conformance.BadInput{
		{Path: write(t, "notjson.ndjson", good+"{\"id\": 2,\n"), Abort: "notjson.ndjson: line 2: invalid JSON", Rejected: "2||invalid JSON: the line ends inside the object"},
		{Path: write(t, "array.ndjson", good+"[1, 2]\n"), Abort: "array.ndjson: line 2: not a JSON object", Rejected: "2||not a JSON object"},
		{Path: write(t, "utf8.ndjson", good+"{\"id\": 2, \"name\": \"b\xff\"}\n"), Abort: "utf8.ndjson: line 2: invalid UTF-8", Rejected: "2||invalid UTF-8"},
		{Path: write(t, "trailing.ndjson", good+"{\"id\": 2} {\"id\": 3}\n"), Abort: "trailing.ndjson: line 2: text after the object", Rejected: "2||text after the object"},
		{Path: write(t, "typed.ndjson", good+"{\"id\": \"x\"}\n"), Abort: `typed.ndjson: line 2, column "id": not an integer`, Rejected: "2|id|not an integer"},
		{Path: huge, Abort: "huge.ndjson: line 2: longer than 16777216 bytes", Rejected: ""},
	})
}
