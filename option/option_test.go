package option_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/option"
)

// Check takes the values the parser gives (text, whole numbers, booleans,
// lists) and returns them as the option's kind, or an error naming the
// option and what it takes.
func TestCheck(t *testing.T) {
	mode := option.Option{Name: "mode", Kind: option.String, OneOf: []string{"append", "upsert"}}
	delim := option.Option{Name: "delimiter", Kind: option.Char}
	header := option.Option{Name: "header", Kind: option.Bool}
	m := option.Option{Name: "hnsw_m", Kind: option.Int, Min: 2, Max: 256}
	workers := option.Option{Name: "workers", Kind: option.Int, Min: 1}
	keys := option.Option{Name: "key_columns", Kind: option.Columns}
	mem := option.Option{Name: "memory", Kind: option.Size}
	for _, c := range []struct {
		o    option.Option
		in   any
		want string // the value as %v, or "error: " and a part of the message
	}{
		{mode, "UPSERT", "upsert"},
		{mode, "merge", `error: mode must be 'append' or 'upsert', not "merge"`},
		{mode, int64(1), "error: mode takes text"},
		{delim, ";", ";"},
		{delim, "ab", `error: delimiter takes one character, not "ab"`},
		{delim, "é", "é"},
		{header, true, "true"},
		{header, "yes", "error: header takes true or false"},
		{m, int64(2), "2"},
		{m, int64(256), "256"},
		{m, int64(1), "error: hnsw_m must be between 2 and 256"},
		{m, int64(257), "error: hnsw_m must be between 2 and 256"},
		{m, "16", "16"},
		{m, 16.0, "16"},
		{m, 16.5, "error: hnsw_m takes a whole number"},
		{workers, int64(0), "error: workers must be at least 1"},
		{workers, int64(1 << 40), fmt.Sprint(int64(1 << 40))},
		{keys, "a, b", "[a b]"},
		{keys, []any{"a", "b"}, "[a b]"},
		{keys, []any{"a", int64(1)}, "error: key_columns takes column names"},
		{keys, true, "error: key_columns takes a column name or a list"},
		{mem, "512MB", fmt.Sprint(512 << 20)},
		{mem, "1.5 GiB", fmt.Sprint(3 << 29)},
		{mem, int64(4096), "4096"},
		{mem, int64(0), "error: memory must be positive"},
		{mem, "lots", "error: memory: bad size"},
	} {
		got, err := c.o.Check(c.in)
		s := fmt.Sprint(got)
		if err != nil {
			s = "error: " + err.Error()
		}
		if !strings.HasPrefix(c.want, "error: ") && s != c.want || strings.HasPrefix(c.want, "error: ") && !strings.Contains(s, strings.TrimPrefix(c.want, "error: ")) {
			t.Errorf("%s = %#v: %s, want %s", c.o.Name, c.in, s, c.want)
		}
	}
}

// A declaration whose default it does not itself accept is refused.
func TestValidate(t *testing.T) {
	for _, c := range []struct {
		o  option.Option
		ok bool
	}{
		{option.Option{Name: "hnsw_m", Kind: option.Int, Min: 2, Max: 256, Default: int64(16), Help: "h"}, true},
		{option.Option{Name: "hnsw_m", Kind: option.Int, Min: 2, Max: 256, Default: int64(1), Help: "h"}, false},
		{option.Option{Name: "mode", Kind: option.String, OneOf: []string{"a"}, Default: "b", Help: "h"}, false},
		{option.Option{Name: "x", Kind: option.Bool, Help: "h"}, true},
		{option.Option{Name: "x", Kind: option.Bool}, false},
	} {
		if err := c.o.Validate(); (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.o, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"512MB": 512 << 20, "2GB": 2 << 30, "1.5 GiB": 3 << 29, "4096": 4096, "10k": 10 << 10, " 1 TB ": 1 << 40} {
		if got, err := option.ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MB", "-1MB", "12 parsecs", "1e30 TB"} {
		if _, err := option.ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q): no error", bad)
		}
	}
}

// The help and docs strings of a declaration.
func TestStrings(t *testing.T) {
	o := option.Option{Name: "index_type", Kind: option.String, OneOf: []string{"flat", "hnsw"}, Default: "hnsw"}
	if got := o.TypeString(); !slices.Contains([]string{"'flat', 'hnsw'", "'flat' or 'hnsw'"}, got) {
		t.Errorf("TypeString %q", got)
	}
	if got := o.DefaultString(); got != "'hnsw'" {
		t.Errorf("DefaultString %q", got)
	}
	if got := (option.Option{Name: "m", Kind: option.Int, Min: 1, Max: 8}).TypeString(); got != "1 to 8" {
		t.Errorf("TypeString of an Int %q", got)
	}
}
