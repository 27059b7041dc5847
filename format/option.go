package format

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lakelink/lakelink/option"
)

// The declarations of options are package option's; a format declares
// its own with them.
type (
	Kind   = option.Kind
	Option = option.Option
)

// The kinds of option values.
const (
	String  = option.String
	Char    = option.Char
	Bool    = option.Bool
	Int     = option.Int
	Columns = option.Columns
	Size    = option.Size
)

// ParseSize reads a byte size: a whole number of bytes, or a number with
// kB, MB, GB or TB (option.ParseSize).
func ParseSize(s string) (int64, error) { return option.ParseSize(s) }

// Settings are a format's options as bound: every declared option, given
// or by default.
type Settings map[string]any

// String returns a String or Char option's value.
func (s Settings) String(name string) string { v, _ := s[name].(string); return v }

// Bool returns a Bool option's value.
func (s Settings) Bool(name string) bool { v, _ := s[name].(bool); return v }

// Int returns an Int option's value.
func (s Settings) Int(name string) int64 { v, _ := s[name].(int64); return v }

// Bind checks raw option values (name → value as parsed) against the
// options the format takes when it is read, and fills in defaults. An
// option the format does not declare is an error that names the nearest
// one it does; one it declares for writing only says so.
func (f Format) Bind(raw map[string]any) (Settings, error) {
	return bind(f, raw, f.ReadOptions, f.WriteOptions, "writing, not when reading")
}

// BindWrite is Bind for writing the format: its options and its write
// options; a read option says it applies when reading.
func (f Format) BindWrite(raw map[string]any) (Settings, error) {
	return bind(f, raw, f.WriteOptions, f.ReadOptions, "reading, not when writing")
}

// bind checks raw against the format's Options and own; an option of
// other says it applies elsewhere (where).
func bind(f Format, raw map[string]any, own, other []Option, where string) (Settings, error) {
	decls := append(slices.Clip(f.Options), own...)
	s := Settings{}
	for _, o := range decls {
		s[o.Name] = o.Default
	}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	slices.Sort(names) // the first bad one, always the same
	for _, k := range names {
		i := slices.IndexFunc(decls, func(o Option) bool { return o.Name == k })
		if i < 0 {
			if slices.ContainsFunc(other, func(o Option) bool { return o.Name == k }) {
				return nil, fmt.Errorf("format %s: option %s applies when %s", f.Name, k, where)
			}
			known := make([]string, len(decls))
			for j, o := range decls {
				known[j] = o.Name
			}
			return nil, fmt.Errorf("format %s takes no option %s (it takes %s)", f.Name, k, orNone(known))
		}
		v, err := decls[i].Check(raw[k])
		if err != nil {
			return nil, err
		}
		s[k] = v
	}
	return s, nil
}

// AllOptions lists every option the format declares, with where it
// applies: "" (reading and writing), "reading" or "writing".
func (f Format) AllOptions() (opts []Option, where []string) {
	for _, set := range []struct {
		opts  []Option
		where string
	}{{f.Options, ""}, {f.ReadOptions, "reading"}, {f.WriteOptions, "writing"}} {
		for _, o := range set.opts {
			opts, where = append(opts, o), append(where, set.where)
		}
	}
	return opts, where
}

// applies prefixes help with where an option applies.
func applies(where, help string) string {
	if where == "" {
		return help
	}
	return where + ": " + help
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Table prints the options of every format as a Markdown table: what
// docs/formats.md shows (a test keeps the two equal).
func Table() string {
	var b strings.Builder
	b.WriteString("| format | option | type | default | what it does |\n|---|---|---|---|---|\n")
	for _, n := range Names() {
		f, _ := Lookup(n)
		opts, where := f.AllOptions()
		for i, o := range opts {
			fmt.Fprintf(&b, "| %s | `%s` | %s | `%s` | %s |\n", n, o.Name, o.TypeString(), o.DefaultString(), applies(where[i], o.Help))
		}
	}
	return b.String()
}

// Help lists the options of every format as plain text, for a command's
// help: a line a format, then one an option.
func Help() string {
	var b strings.Builder
	for _, n := range Names() {
		f, _ := Lookup(n)
		opts, where := f.AllOptions()
		if len(opts) == 0 {
			fmt.Fprintf(&b, "  %s: no options\n", n)
			continue
		}
		fmt.Fprintf(&b, "  %s:\n", n)
		for i, o := range opts {
			fmt.Fprintf(&b, "    %-17s %s (default %s)\n", o.Name, applies(where[i], o.Help), o.DefaultString())
		}
	}
	return b.String()
}
