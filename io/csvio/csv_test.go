package csvio_test

import (
	"fmt"
	"testing"

	"github.com/lakelink/lakelink/testing/conformance"
)

var (
	session = conformance.Session
	write   = conformance.WriteFile
	rows    = conformance.Query
)

// Delimiter, quote, escape, header and null change how records split, and
// the values read back exactly; types follow the values.
func TestDialects(t *testing.T) {
	s := session(t)
	p := write(t, "x.txt", "1;'it\\'s; here';NA;[1, 2]\r\n2;'two\nlines';0.5;[3,4]\n3;'';2.5;NA\n")
	rows(t, s, "COPY FROM '"+p+"' INTO d WITH (format = 'csv', header = false, delimiter = ';', quote = '''', escape = '\\', null = 'NA', primary_key = 'column1')")
	got := rows(t, s, "SELECT column1, column2, column3, column4 FROM d ORDER BY column1")
	want := [][]any{{int64(1), "it's; here", nil, []float32{1, 2}}, {int64(2), "two\nlines", 0.5, []float32{3, 4}}, {int64(3), "", 2.5, nil}}
	if len(got) != 3 {
		t.Fatalf("rows %v", got)
	}
	for i := range want {
		for j := range want[i] {
			if a, b := render(got[i][j]), render(want[i][j]); a != b {
				t.Errorf("row %d column %d: %s, want %s", i, j, a, b)
			}
		}
	}
	// The header names columns; a BOM before it is not part of the name.
	p = write(t, "h.csv", "\xef\xbb\xbfid,\"na,me\"\n7,\"a \"\"quoted\"\" word\"\n")
	rows(t, s, "COPY FROM '"+p+"' INTO h")
	if got := rows(t, s, `SELECT * FROM h`); len(got) != 1 || got[0][0] != int64(7) || got[0][1] != `a "quoted" word` {
		t.Errorf("header and doubled quotes: %v", got)
	}
}

func render(v any) string {
	if v == nil {
		return "NULL"
	}
	return fmt.Sprint(v)
}

// Bad input gets an error naming the object and the line (and the column
// where one is at fault). Under on_error = 'abort' nothing is committed;
// under 'continue' the records that are whole but wrong go to the error
// table by line, while input that cannot be split into records at all
// (a quote that never closes, a line of a gigabyte) still fails the
// import.
func TestBadInput(t *testing.T) {
	good := "id,name\n1,a\n"
	huge := conformance.HugeLine(t, "huge.csv", good)
	conformance.RunBadInput(t, []conformance.BadInput{
		{Path: write(t, "ragged.csv", good+"2,b,extra\n"), Abort: "ragged.csv: line 3: 3 fields where the header has 2", Rejected: "3||3 fields where the header has 2"},
		{Path: write(t, "utf8.csv", good+"2,b\xffd\n"), Abort: `utf8.csv: line 3, column "name": invalid UTF-8`, Rejected: "3|name|invalid UTF-8"},
		{Path: write(t, "afterquote.csv", good+"2,\"b\"x\n"), Abort: "afterquote.csv: line 3: text after the closing quote", Rejected: "3||text after the closing quote of a quoted field"},
		{Path: write(t, "typed.csv", good+"x,b\n"), Abort: `typed.csv: line 3, column "id": not an integer`, Rejected: "3|id|not an integer"},
		{Path: write(t, "unclosed.csv", good+"2,\"b\n3,c\n"), Abort: "unclosed.csv: line 3: a quoted field opened on this record never closes", Rejected: ""},
		{Path: huge, Abort: "huge.csv: line 3: a record longer than 16777216 bytes", Rejected: ""},
	})
}
