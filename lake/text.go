package lake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Text is how values travel in the text formats (CSV and NDJSON) and how
// the command prints them. One set of rules, written here once, so that
// what a writer emits a reader takes back to the same value:
//
//   - Floats are written in their shortest exact form (as REAL's float32
//     or DOUBLE's float64), with ".0" when whole, so that a float reads
//     back as a float. NaN and the infinities are the words NaN,
//     Infinity and -Infinity: in JSON, strings ("NaN"); in CSV, the bare
//     word. Every reader takes those words back (case aside, also Inf).
//   - Vectors and arrays are JSON arrays; their NULL elements are null,
//     their floats follow the rule above ("[0.5,null,\"NaN\"]").
//   - TIMESTAMP is RFC 3339 in UTC, always with its time; DATE is
//     2006-01-02.
//   - A number read from text converts exactly or not at all: an integer
//     that the target cannot hold exactly (16777217 into a float32, a
//     BIGINT beyond 2^63) is an error, never a rounding; a fraction is
//     rounded to the nearest float, as every float cast rounds, and a
//     number beyond the float's range is an error.

// TextElem is one element of a JSON array read from text.
type TextElem struct {
	// Kind is 'n' for a number, 's' a string, 'b' a boolean, 'j' an
	// object or array (Text is its compact JSON), 0 null.
	Kind byte
	// Text is the number as written, the string's value, true or false.
	Text string
}

// ErrNotArray is the error of text that is not a JSON array.
var ErrNotArray = errors.New("not a JSON array")

// ParseTextArray reads text holding a JSON array ("[0.1, null, 3]",
// `["a", "b"]`), as CSV and NDJSON carry vectors and lists. Text that
// is not one JSON array is ErrNotArray (wrapped with what was wrong).
func ParseTextArray(s string) ([]TextElem, error) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "[") {
		return nil, fmt.Errorf("%w (text must start with [)", ErrNotArray)
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	var raw []json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotArray, jsonReason(err))
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: text after the closing ]", ErrNotArray)
	}
	out := make([]TextElem, len(raw))
	for i, r := range raw {
		switch r[0] {
		case 'n':
		case 't', 'f':
			out[i] = TextElem{Kind: 'b', Text: string(r)}
		case '"':
			var str string
			if err := json.Unmarshal(r, &str); err != nil {
				return nil, fmt.Errorf("%w: element %d: %v", ErrNotArray, i+1, err)
			}
			out[i] = TextElem{Kind: 's', Text: str}
		case '[', '{':
			var b bytes.Buffer
			json.Compact(&b, r)
			out[i] = TextElem{Kind: 'j', Text: b.String()}
		default:
			out[i] = TextElem{Kind: 'n', Text: string(r)}
		}
	}
	return out, nil
}

func jsonReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v at byte %d", se, se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "the text is a JSON " + te.Value + ", not an array"
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the array never closes"
	}
	return err.Error()
}

// NonFinite reads the words for NaN and the infinities (NaN, Infinity,
// -Infinity, +Infinity, Inf, -Inf, +Inf, in any case).
func NonFinite(s string) (float64, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "nan", "+nan", "-nan":
		return math.NaN(), true
	case "infinity", "+infinity", "inf", "+inf":
		return math.Inf(1), true
	case "-infinity", "-inf":
		return math.Inf(-1), true
	}
	return 0, false
}

// IsIntegerText reports whether s is written as a whole number (digits
// with an optional sign: no point, no exponent).
func IsIntegerText(s string) bool {
	s = strings.TrimSpace(s)
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseIntText reads a whole number written in text into an int64; a
// number beyond int64 is an error saying so, not a rounding.
func ParseIntText(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is out of range for BIGINT", strings.TrimSpace(s))
		}
		return 0, fmt.Errorf("not an integer")
	}
	return n, nil
}

// ParseFloatText reads a number written in text as a float of bits (32
// or 64): a JSON or SQL number, or a word for NaN or an infinity. An
// integer the float cannot hold exactly, and a finite number beyond its
// range, are errors.
func ParseFloatText(s string, bits int) (float64, error) {
	s = strings.TrimSpace(s)
	if f, ok := NonFinite(s); ok {
		return f, nil
	}
	if IsIntegerText(s) {
		n, err := ParseIntText(s)
		if err != nil {
			return 0, err
		}
		return IntToFloat(n, bits)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || strings.ContainsAny(s, "xXpP_") ||
		strings.ContainsAny(strings.ToLower(s), "in") { // hex floats, underscores, inf/nan spelled inside
		return 0, fmt.Errorf("not a number")
	}
	return FloatToBits(f, bits, err != nil)
}

// FloatToBits rounds f to a float of bits (32 or 64); overflow (or a
// parse that overflowed) is an error naming the type.
func FloatToBits(f float64, bits int, overflowed bool) (float64, error) {
	name := "DOUBLE"
	if bits == 32 {
		name = "REAL"
	}
	if overflowed {
		return 0, fmt.Errorf("%g is out of range for %s", f, name)
	}
	if bits == 32 && !math.IsInf(f, 0) && !math.IsNaN(f) {
		r := float32(f)
		if math.IsInf(float64(r), 0) {
			return 0, fmt.Errorf("%g is out of range for %s", f, name)
		}
		return float64(r), nil
	}
	return f, nil
}

// IntToFloat converts an integer to a float of bits (32 or 64) when the
// float holds it exactly, and is an error otherwise: past 2^24 a float32,
// past 2^53 a float64, holds only some integers.
func IntToFloat(n int64, bits int) (float64, error) {
	if bits == 32 {
		f := float32(n)
		if float64(f) >= 0x1p63 || int64(f) != n {
			return 0, fmt.Errorf("%d cannot be held exactly by a float32 (REAL, VECTOR)", n)
		}
		return float64(f), nil
	}
	f := float64(n)
	if f >= 0x1p63 || int64(f) != n {
		return 0, fmt.Errorf("%d cannot be held exactly by a float64 (DOUBLE)", n)
	}
	return f, nil
}

// FaithfulFloat32 reports whether the number written as s reads back the
// same through a float32: its shortest float32 form is the same number
// as its float64 one (0.1, 0.5, 1e-3 are; 0.30000000000000004 is not).
// Text formats suggest REAL elements only for such numbers.
func FaithfulFloat32(s string) bool {
	if _, ok := NonFinite(s); ok {
		return true
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return false
	}
	r := float32(f)
	if math.IsInf(float64(r), 0) {
		return false
	}
	back, _ := strconv.ParseFloat(strconv.FormatFloat(float64(r), 'g', -1, 32), 64)
	return back == f
}

// FormatFloat writes a float of bits (32 or 64) in its shortest exact
// form: NaN, Infinity and -Infinity by name; with whole, ".0" after a
// whole number, so that it reads back as a float.
func FormatFloat(f float64, bits int, whole bool) string {
	return string(AppendFloat(nil, f, bits, whole))
}

// AppendFloat is FormatFloat appending to b.
func AppendFloat(b []byte, f float64, bits int, whole bool) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, bits)
	if whole && !bytes.ContainsAny(b[start:], ".e") {
		b = append(b, '.', '0')
	}
	return b
}

// AppendJSON appends v, a value of type t (as ValueAt returns it), as
// JSON by the rules above: numbers as numbers (floats with ".0" when
// whole; NaN and the infinities as the strings "NaN", "Infinity",
// "-Infinity"), vectors and arrays as arrays of the same, times and
// UUIDs as strings, JSONB as the JSON it holds (a string when it holds
// none), text as a string, NULL as null.
func AppendJSON(b []byte, t Type, v any) []byte { return appendJSON(b, t, v, true) }

// appendJSON is AppendJSON; whole says whether whole floats get ".0"
// (files do, so that they read back as floats; Render does not).
func appendJSON(b []byte, t Type, v any, whole bool) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float32:
		return appendJSONFloat(b, float64(x), 32, whole)
	case float64:
		bits := 64
		if t.Kind == KindReal || t.Elem == KindReal {
			bits = 32
		}
		return appendJSONFloat(b, x, bits, whole)
	case []float32:
		b = append(b, '[')
		for i, f := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONFloat(b, float64(f), 32, whole)
		}
		return append(b, ']')
	case []any:
		et := t.ElemType()
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, et, e, whole)
		}
		return append(b, ']')
	case time.Time:
		b = append(b, '"')
		b = append(b, FormatTime(t, x)...)
		return append(b, '"')
	case uuid.UUID:
		b = append(b, '"')
		b = append(b, x.String()...)
		return append(b, '"')
	case string:
		if (t.Kind == KindJSONB || t.Kind == KindArray && t.Elem == KindJSONB) && json.Valid([]byte(x)) {
			var c bytes.Buffer
			if json.Compact(&c, []byte(x)) == nil {
				return append(b, c.Bytes()...)
			}
		}
		j, _ := json.Marshal(x)
		return append(b, j...)
	}
	j, err := json.Marshal(v)
	if err != nil {
		j, _ = json.Marshal(fmt.Sprint(v))
	}
	return append(b, j...)
}

func appendJSONFloat(b []byte, f float64, bits int, whole bool) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		b = append(b, '"')
		b = AppendFloat(b, f, bits, false)
		return append(b, '"')
	}
	return AppendFloat(b, f, bits, whole)
}

// FormatTime writes a time of type t: a DATE as 2006-01-02, a TIMESTAMP
// as RFC 3339 in UTC with its time, even at midnight.
func FormatTime(t Type, x time.Time) string {
	if t.Kind == KindDate || t.Kind == KindArray && t.Elem == KindDate {
		return x.UTC().Format("2006-01-02")
	}
	return x.UTC().Format(time.RFC3339Nano)
}

// FormatText writes v, a value of type t, as text by the rules above:
// what CSV writes (with whole floats ending ".0") and the command prints.
// NULL is "" with ok false.
func FormatText(t Type, v any) (s string, ok bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case float32:
		return FormatFloat(float64(x), 32, true), true
	case float64:
		bits := 64
		if t.Kind == KindReal {
			bits = 32
		}
		return FormatFloat(x, bits, true), true
	case time.Time:
		return FormatTime(t, x), true
	case []float32, []any:
		return string(AppendJSON(nil, t, v)), true
	}
	return Render(v), true
}
