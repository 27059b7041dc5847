package sql

import (
	"strconv"
	"strings"
	"unicode"
)

// Ident prints a name so that it lexes back as the same name: bare when it
// is a plain word (letters, digits, _ and .), in double quotes otherwise.
func Ident(name string) string {
	plain := name != ""
	for i, r := range name {
		letter := r == '_' || unicode.IsLetter(r)
		if !(letter || i > 0 && (unicode.IsDigit(r) || r == '.')) {
			plain = false
			break
		}
	}
	if plain && !keywords[strings.ToUpper(name)] {
		return name
	}
	return `"` + name + `"`
}

// keywords are the words the parser looks for; a name spelled as one is
// printed quoted, which the lexer never takes for a keyword.
var keywords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`ADD ALTER AND AS ASC AT BETWEEN BY COLUMN COLUMNS COPY COUNT CREATE
		DEFAULT DELETE DESC DROP EDGE EXISTS FALSE FROM GRAPH IF IN INDEX INTO IS KEY LIKE LIMIT MAP NODE
		NOT NULL ON OR ORDER PRECISION PRIMARY REFERENCES RENAME SELECT SET TABLE TO TRUE USING WHERE WITH`) {
		keywords[w] = true
	}
}

func idents(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = Ident(n)
	}
	return strings.Join(out, ", ")
}

// Quote prints s as a string literal: in single quotes, a quote doubled.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Value prints a literal value (string, int64, float64, bool, nil, or a
// []any list of those) so that it parses back as the same value.
func Value(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case Param:
		return "$" + strconv.Itoa(x.N)
	case Interval:
		return "INTERVAL " + Quote(x.Text)
	case string:
		return Quote(x)
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") { // 3 would read back as an integer
			s += ".0"
		}
		return s
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Value(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return Quote("?")
}
