package sql

import (
	"fmt"
	"strings"
)

// Position is a place in a script: Offset counts characters (runes) from
// its start; Line and Column count from 1.
type Position struct {
	Offset, Line, Column int
}

// PositionOf is the position of a rune offset in src.
func PositionOf(src string, offset int) Position {
	return positionOf([]rune(src), offset)
}

func positionOf(src []rune, offset int) Position {
	offset = min(max(offset, 0), len(src))
	line, col := 1, 1
	for _, r := range src[:offset] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return Position{Offset: offset, Line: line, Column: col}
}

// excerpt is the script's line holding pos, and under it a caret at pos's
// column.
func excerpt(src []rune, pos Position) string {
	start, end := pos.Offset, pos.Offset
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	for end < len(src) && src[end] != '\n' {
		end++
	}
	line := strings.ReplaceAll(string(src[start:end]), "\t", " ")
	return "  " + line + "\n  " + strings.Repeat(" ", pos.Column-1) + "^"
}

// SyntaxError is a script that does not parse: where, near which token,
// and what was expected. Its message shows the line with a caret.
type SyntaxError struct {
	Position
	Near    string // the token at Position, as the message names it
	Msg     string // what went wrong: "expected ...", "unterminated string"
	Excerpt string // the line and a caret under Position
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("syntax error at line %d, column %d near %s: %s\n%s", e.Line, e.Column, e.Near, e.Msg, e.Excerpt)
}

func syntaxError(src []rune, offset int, near, msg string) *SyntaxError {
	pos := positionOf(src, offset)
	return &SyntaxError{Position: pos, Near: near, Msg: msg, Excerpt: excerpt(src, pos)}
}

// StatementError is a statement that parses but asks for what cannot be:
// an unknown option or setting, a value an option does not take, a type
// that does not exist. Binding (outside this package) makes them with
// ErrorAt. It wraps the cause.
type StatementError struct {
	Position
	Err     error
	Excerpt string
}

func (e *StatementError) Error() string {
	return fmt.Sprintf("line %d, column %d: %v\n%s", e.Line, e.Column, e.Err, e.Excerpt)
}

func (e *StatementError) Unwrap() error { return e.Err }

// ErrorAt places err at a rune offset of src (a node's Pos), as a
// *StatementError showing the line with a caret. A nil err stays nil, and
// err stays as it is when there is no src.
func ErrorAt(src string, offset int, err error) error {
	if err == nil || src == "" {
		return err // no script (a statement built in Go): no caret
	}
	r := []rune(src)
	pos := positionOf(r, offset)
	return &StatementError{Position: pos, Err: err, Excerpt: excerpt(r, pos)}
}

// Unknown is the error for a name that is none of known: it names the
// nearest known one when one is close, and otherwise lists them.
func Unknown(what, name string, known []string) error {
	if near := Nearest(name, known); near != "" {
		return fmt.Errorf("unknown %s %q (did you mean %s?)", what, name, near)
	}
	return fmt.Errorf("unknown %s %q (known: %s)", what, name, strings.Join(known, ", "))
}

// Nearest is the name of known closest to name by edit distance, when it
// is close enough to be a likely typo; "" otherwise.
func Nearest(name string, known []string) string {
	name = strings.ToLower(name)
	best, bestD := "", 1<<30
	for _, k := range known {
		if d := editDistance(name, strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	// A typo: a few edits, and fewer than half the name's letters.
	if bestD <= max(1, min(3, len([]rune(name))/2)) {
		return best
	}
	// Or a known name that contains it or that it contains
	// (partition_filters, ef_search).
	for _, k := range known {
		if len(name) >= 4 && (strings.Contains(k, name) || strings.Contains(name, k) && len(k) >= 4) {
			return k
		}
	}
	return ""
}

// editDistance is the Levenshtein distance of two strings, by runes.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(y)]
}
