package sql

import (
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected outputs in testdata/")

// A testdata file is a list of cases, each an input, a line "----", the
// expected output, and a blank line.
type testCase struct{ in, want string }

func readCases(t *testing.T, path string) []testCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []testCase
	for _, block := range strings.Split(strings.TrimSpace(string(b)), "\n\n\n") {
		in, want, ok := strings.Cut(block, "\n----")
		if !ok {
			t.Fatalf("%s: a case without ----: %q", path, block)
		}
		out = append(out, testCase{in, strings.TrimPrefix(want, "\n")})
	}
	return out
}

func writeCases(t *testing.T, path string, cases []testCase) {
	var b strings.Builder
	for i, c := range cases {
		if i > 0 {
			b.WriteString("\n\n\n")
		}
		b.WriteString(c.in + "\n----\n" + c.want)
	}
	if err := os.WriteFile(path, []byte(b.String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// unplace zeroes what records where a node was written (Pos fields, the
// statement text, a WHERE's script), leaving what it means.
func unplace(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			if v.Kind() == reflect.Interface {
				c := reflect.New(v.Elem().Type()).Elem()
				c.Set(v.Elem())
				unplace(c)
				v.Set(c)
				return
			}
			unplace(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			switch f := v.Type().Field(i); {
			case strings.HasSuffix(f.Name, "Pos") || f.Name == "Text" || f.Name == "Src" ||
				f.Name == "Statement" && f.Type.Kind() == reflect.String:
				v.Field(i).SetZero()
			default:
				unplace(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			unplace(v.Index(i))
		}
	}
}

func meaning(s []Statement) []Statement {
	v := reflect.ValueOf(&s).Elem()
	unplace(v)
	return s
}

// Each statement of testdata/parse.txt parses, prints as the case says,
// and the printed form parses to the same statement (its fixed point).
func TestParsePrintRoundTrip(t *testing.T) {
	const path = "testdata/parse.txt"
	cases := readCases(t, path)
	for i, c := range cases {
		stmts, err := Parse(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		var printed []string
		for _, s := range stmts {
			printed = append(printed, s.String())
		}
		got := strings.Join(printed, ";\n")
		if *update {
			cases[i].want = got
			continue
		}
		if got != c.want {
			t.Errorf("%s\n printed %s\n    want %s", c.in, got, c.want)
		}
		again, err := Parse(got)
		if err != nil {
			t.Errorf("%s: the printed form does not parse: %v", got, err)
			continue
		}
		if a, b := meaning(again), meaning(stmts); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the printed form parses to another statement\n %#v\n %#v", c.in, a, b)
		}
	}
	if *update {
		writeCases(t, path, cases)
	}
}

// Each script of testdata/errors.txt fails with the error the case
// shows: where, near what, and what was expected.
func TestSyntaxErrors(t *testing.T) {
	const path = "testdata/errors.txt"
	cases := readCases(t, path)
	for i, c := range cases {
		_, err := Parse(c.in)
		got := "<nil>"
		if err != nil {
			got = err.Error()
		}
		if *update {
			cases[i].want = got
			continue
		}
		if got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	if *update {
		writeCases(t, path, cases)
	}
}
