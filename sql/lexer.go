package sql

import (
	"fmt"
	"strings"
	"unicode"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tSym
	tParam // $1, $2, ...: text is the number
)

type token struct {
	kind   tokKind
	text   string // identifiers as written; strings unquoted
	pos    int
	quoted bool // a "quoted" name: never a keyword
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of statement"
	case tString:
		return "'" + t.text + "'"
	case tParam:
		return "$" + t.text
	}
	return t.text
}

// lex splits a script into tokens. Comments (-- to end of line) are skipped.
// afterValue reports whether the last token ends a value (a number, a
// name, a string, a parameter, or a closing bracket), after which a minus
// sign subtracts instead of starting a negative number.
func afterValue(toks []token) bool {
	if len(toks) == 0 {
		return false
	}
	t := toks[len(toks)-1]
	switch t.kind {
	case tNumber, tString, tParam:
		return true
	case tIdent:
		return !keywordBeforeValue[strings.ToUpper(t.text)]
	case tSym:
		return t.text == ")" || t.text == "]"
	}
	return false
}

// keywordBeforeValue are the words after which a minus sign starts a
// number: -1 in LIMIT -1 or VALUES (-1) stays one token.
var keywordBeforeValue = map[string]bool{"LIMIT": true, "OFFSET": true, "AND": true, "OR": true, "NOT": true,
	"IN": true, "BETWEEN": true, "SET": true, "VALUES": true, "KEEP": true, "COMMIT": true, "WHERE": true, "HAVING": true,
	"SELECT": true, "BY": true, "IS": true, "LIKE": true, "THEN": true, "ELSE": true, "WHEN": true, "DEFAULT": true}

func lex(src string) ([]token, error) {
	var out []token
	r := []rune(src)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '-' && i+1 < len(r) && r[i+1] == '-':
			for i < len(r) && r[i] != '\n' {
				i++
			}
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(r); j++ {
				if r[j] == '\'' {
					if j+1 < len(r) && r[j+1] == '\'' {
						b.WriteRune('\'')
						j++
						continue
					}
					break
				}
				b.WriteRune(r[j])
			}
			if j >= len(r) {
				return nil, syntaxError(r, i, "'", "unterminated string: a ' opens it and none closes it")
			}
			out = append(out, token{kind: tString, text: b.String(), pos: i})
			i = j + 1
		case c == '"':
			j := i + 1
			for j < len(r) && r[j] != '"' {
				j++
			}
			if j >= len(r) {
				return nil, syntaxError(r, i, `"`, `unterminated quoted name: a " opens it and none closes it`)
			}
			out = append(out, token{kind: tIdent, text: string(r[i+1 : j]), pos: i, quoted: true})
			i = j + 1
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(r) && (unicode.IsLetter(r[j]) || unicode.IsDigit(r[j]) || r[j] == '_' || r[j] == '.') {
				j++
			}
			out = append(out, token{kind: tIdent, text: string(r[i:j]), pos: i})
			i = j
		case unicode.IsDigit(c) || c == '.' && i+1 < len(r) && unicode.IsDigit(r[i+1]) ||
			c == '-' && i+1 < len(r) && unicode.IsDigit(r[i+1]) && !afterValue(out):
			// A minus sign after a value is an operator: 1-1 is 1 - 1.
			j := i + 1
			for j < len(r) && (unicode.IsDigit(r[j]) || r[j] == '.' || r[j] == 'e' || r[j] == 'E' ||
				(r[j] == '-' || r[j] == '+') && (r[j-1] == 'e' || r[j-1] == 'E')) {
				j++
			}
			out = append(out, token{kind: tNumber, text: string(r[i:j]), pos: i})
			i = j
		case c == '$' && i+1 < len(r) && unicode.IsDigit(r[i+1]):
			j := i + 1
			for j < len(r) && unicode.IsDigit(r[j]) {
				j++
			}
			out = append(out, token{kind: tParam, text: string(r[i+1 : j]), pos: i})
			i = j
		default:
			// pgvector's distance operators, before the two-character
			// symbols that begin them.
			for _, s := range []string{"<=>", "<->", "<#>"} {
				if strings.HasPrefix(string(r[i:min(i+3, len(r))]), s) {
					out = append(out, token{kind: tSym, text: s, pos: i})
					i += 3
					goto next
				}
			}
			for _, s := range []string{"=>", "::", "<=", ">=", "!=", "<>"} {
				if strings.HasPrefix(string(r[i:min(i+2, len(r))]), s) {
					out = append(out, token{kind: tSym, text: s, pos: i})
					i += 2
					goto next
				}
			}
			if strings.ContainsRune("(),;=*[]<>+-/%", c) {
				out = append(out, token{kind: tSym, text: string(c), pos: i})
				i++
				break
			}
			return nil, syntaxError(r, i, fmt.Sprintf("%q", c), "unexpected character")
		next:
		}
	}
	return append(out, token{kind: tEOF, pos: len(r)}), nil
}
