// Package option declares the WITH options of lakelink's statements,
// formats and index kinds: one declaration per option (name, kind,
// default, limits, help), which checks values, suggests names for typos
// and documents the option. It imports nothing of lakelink, so every
// layer can declare its options with it.
package option

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the type of an option's value.
type Kind uint8

const (
	String  Kind = iota // any text
	Char                // one character (a delimiter, a quote)
	Bool                // true or false
	Int                 // a whole number
	Columns             // column names: 'a', 'a, b' or ['a', 'b']
	Size                // bytes: a whole number, or text such as '256MB'
)

func (k Kind) String() string {
	return [...]string{"text", "one character", "true or false", "a whole number", "column names", "a size ('256MB')"}[k]
}

// Option declares one WITH option: its name, type, default, limits and
// help. The declaration is the only place an option is described: it
// validates values (Check), suggests names for typos, and documents the
// option (Table).
type Option struct {
	Name    string
	Kind    Kind
	Default any      // a string, bool or int64, of Kind
	Min     int64    // Int: the least value
	Max     int64    // Int: the largest value (0: no limit)
	OneOf   []string // String: the values it takes (nil: any)
	Help    string   // one line, for help and docs
	// DefaultText, when set, is how docs and help name the default when
	// no value stands for it ("one per core", "the primary key").
	DefaultText string
}

// Check checks a value as the parser gives it against the declaration
// and returns it as the option's kind: string, bool, int64 or []string.
func (o Option) Check(v any) (any, error) { return o.value(v) }

// DefaultString is the default as docs and help show it.
func (o Option) DefaultString() string {
	switch d := o.Default.(type) {
	case nil:
		if o.DefaultText != "" {
			return o.DefaultText
		}
		return "none"
	case string:
		if o.DefaultText != "" {
			return o.DefaultText
		}
		return "'" + strings.ReplaceAll(d, "'", "''") + "'"
	}
	if o.DefaultText != "" {
		return o.DefaultText
	}
	return fmt.Sprint(o.Default)
}

// TypeString is the values the option takes, as docs and help show them.
func (o Option) TypeString() string {
	if o.OneOf != nil {
		q := make([]string, len(o.OneOf))
		for i, v := range o.OneOf {
			q[i] = "'" + v + "'"
		}
		return strings.Join(q, ", ")
	}
	if o.Kind == Int && o.Max > 0 {
		return fmt.Sprintf("%d to %d", o.Min, o.Max)
	}
	return o.Kind.String()
}

func (o Option) Validate() error {
	if o.Name == "" || o.Help == "" {
		return fmt.Errorf("an option needs a name and help: %+v", o)
	}
	if o.Default == nil {
		return nil
	}
	if _, err := o.value(o.Default); err != nil {
		return fmt.Errorf("option %s: its default: %w", o.Name, err)
	}
	return nil
}

// value checks v (as the parser gives it: string, int64, bool) against
// the declaration and returns it as the option's kind.
func (o Option) value(v any) (any, error) {
	switch o.Kind {
	case String, Char:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s takes %s", o.Name, o.Kind)
		}
		if o.Kind == Char && utf8.RuneCountInString(s) != 1 {
			return nil, fmt.Errorf("%s takes one character, not %q", o.Name, s)
		}
		if o.OneOf != nil && !slices.Contains(o.OneOf, strings.ToLower(s)) {
			q := make([]string, len(o.OneOf))
			for i, v := range o.OneOf {
				q[i] = "'" + v + "'"
			}
			list := strings.Join(q, ", ")
			if n := len(q); n > 1 {
				list = strings.Join(q[:n-1], ", ") + " or " + q[n-1]
			}
			return nil, fmt.Errorf("%s must be %s, not %q", o.Name, list, s)
		}
		if o.OneOf != nil {
			s = strings.ToLower(s)
		}
		return s, nil
	case Columns:
		var out []string
		switch x := v.(type) {
		case string:
			for _, part := range strings.Split(x, ",") {
				out = append(out, strings.TrimSpace(part))
			}
		case []any:
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("%s takes column names", o.Name)
				}
				out = append(out, s)
			}
		case []string:
			out = x
		default:
			return nil, fmt.Errorf("%s takes a column name or a list", o.Name)
		}
		return out, nil
	case Size:
		var n int64
		if x, ok := v.(string); ok {
			var err error
			if n, err = ParseSize(x); err != nil {
				return nil, fmt.Errorf("%s: %w", o.Name, err)
			}
		} else if whole, err := (Option{Name: o.Name, Kind: Int, Min: math.MinInt64}).value(v); err == nil {
			n = whole.(int64)
		} else {
			return nil, fmt.Errorf("%s takes a size such as '256MB'", o.Name)
		}
		if n < max(o.Min, 1) {
			return nil, fmt.Errorf("%s must be positive", o.Name)
		}
		return n, nil
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%s takes true or false", o.Name)
		}
		return b, nil
	case Int:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case int:
			n = int64(x)
		case float64: // decoded from JSON, as options reach workers
			if x != float64(int64(x)) {
				return nil, fmt.Errorf("%s takes a whole number", o.Name)
			}
			n = int64(x)
		case string:
			var err error
			if n, err = strconv.ParseInt(x, 10, 64); err != nil {
				return nil, fmt.Errorf("%s takes a whole number", o.Name)
			}
		default:
			return nil, fmt.Errorf("%s takes a whole number", o.Name)
		}
		if n < o.Min || o.Max > 0 && n > o.Max {
			if o.Max > 0 {
				return nil, fmt.Errorf("%s must be between %d and %d", o.Name, o.Min, o.Max)
			}
			return nil, fmt.Errorf("%s must be at least %d", o.Name, o.Min)
		}
		return n, nil
	}
	return nil, fmt.Errorf("%s: unknown kind", o.Name)
}

// ParseSize reads a byte size: a whole number of bytes, or a number with
// kB, MB, GB or TB (powers of 1024, as in PostgreSQL; KiB, MiB, GiB and
// TiB are accepted too).
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = strings.TrimSpace(t[:i]), strings.ToLower(strings.TrimSpace(t[i:]))
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("bad size %q (want e.g. 512MB or 2GB)", s)
	}
	mult := map[string]float64{"": 1, "b": 1, "kb": 1 << 10, "kib": 1 << 10, "k": 1 << 10, "mb": 1 << 20, "mib": 1 << 20, "m": 1 << 20,
		"gb": 1 << 30, "gib": 1 << 30, "g": 1 << 30, "tb": 1 << 40, "tib": 1 << 40, "t": 1 << 40}[unit]
	if mult == 0 || f*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("bad size %q (want e.g. 512MB or 2GB)", s)
	}
	return int64(f * mult), nil
}
