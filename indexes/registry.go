package indexes

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/lakelink/lakelink/option"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/vectorops"
)

// A Kind is a kind of vector index, as CREATE INDEX ... USING and COPY's
// index_type name it. Kinds register themselves (Register, beside their
// definition in kinds.go); the registry checks declarations, names the
// options for help and docs, builds parts and decodes them.
//
// Every registered kind runs the suite in kinds_test.go: a kind that keeps
// parts through the vector-index suite of testing/conformance/vectorindex,
// and every kind through CREATE INDEX and searches on keyed and keyless
// tables in package engine (TestEveryIndexKind).
type Kind struct {
	Name string
	Help string
	// Prefix names the kind's options in an index's stored options and in
	// COPY's WITH: m of an hnsw index is hnsw_m. CREATE INDEX ... USING
	// takes them with or without it.
	Prefix string
	// Options are the options the kind takes, by their stored names. They
	// are declared once: the declaration checks values (limits), suggests
	// names and makes the docs' and help's tables.
	Options []option.Option
	// Build builds the structure of one part over vecs (dim values each,
	// labelled by position) under vb, for index d; nil for a kind that
	// keeps no parts, whose searches scan the rows.
	Build func(vb vectorops.Build, d store.IndexDef, dim int, metric vectorops.Metric, vecs [][]float32) ([]byte, error)
	// SearchOption, when set, is the option (one of Options) that widens a
	// search of the kind's structures: a session sets it for its searches
	// as lakelink.NAME (SET lakelink.hnsw_ef_search = 400).
	SearchOption string
	// Magic is the first four bytes of what Build makes, and Decode reads
	// it back. A kind that builds another kind's structures (auto) has
	// neither: the structure's own kind decodes it.
	Magic  string
	Decode func([]byte) (ANN, error)
}

// Parts reports whether an index of the kind keeps parts.
func (k Kind) Parts() bool { return k.Build != nil }

// SegmentRowsOption is the option every kind that keeps parts takes: the
// most rows one part covers (SegmentRows).
var SegmentRowsOption = option.Option{Name: "segment_rows", Kind: option.Int, Min: 1, Max: 1 << 30,
	DefaultText: "512 MB of vectors", Help: "the most rows one part of the index covers"}

var (
	mu    sync.RWMutex
	kinds = map[string]Kind{}
)

// Register adds a kind of index. It panics when the name is taken or the
// kind is incomplete, as registering happens in init.
func Register(k Kind) {
	mu.Lock()
	defer mu.Unlock()
	if k.Name == "" || k.Name != strings.ToLower(k.Name) {
		panic(fmt.Sprintf("indexes: kind name %q must be lower case", k.Name))
	}
	if _, dup := kinds[k.Name]; dup {
		panic("indexes: kind " + k.Name + " registered twice")
	}
	if (k.Magic == "") != (k.Decode == nil) || len(k.Magic) != 0 && len(k.Magic) != 4 {
		panic("indexes: kind " + k.Name + " needs a four-byte Magic with its Decode")
	}
	for _, o := range k.Options {
		if err := o.Validate(); err != nil {
			panic("indexes: kind " + k.Name + ": " + err.Error())
		}
	}
	if k.SearchOption != "" && !slices.ContainsFunc(k.Options, func(o option.Option) bool { return o.Name == k.SearchOption }) {
		panic("indexes: kind " + k.Name + ": its search option " + k.SearchOption + " is not one of its options")
	}
	kinds[k.Name] = k
}

// Lookup returns the kind named name (any case).
func Lookup(name string) (Kind, bool) {
	mu.RLock()
	defer mu.RUnlock()
	k, ok := kinds[strings.ToLower(name)]
	return k, ok
}

// Kinds returns the registered kinds' names, sorted.
func Kinds() []string {
	mu.RLock()
	defer mu.RUnlock()
	return sortedKinds()
}

// Structured reports whether an index of type typ keeps parts (every
// kind lakelink registers does: flat, hnsw, ivfpq and auto).
func Structured(typ string) bool {
	k, ok := Lookup(typ)
	return ok && k.Parts()
}

// Options returns the declarations of every index option, by stored
// name: each kind's in the order it declares them (kinds by name), then
// segment_rows.
func Options() []option.Option {
	mu.RLock()
	defer mu.RUnlock()
	seen := map[string]bool{SegmentRowsOption.Name: true}
	var out []option.Option
	for _, name := range sortedKinds() {
		for _, o := range kinds[name].Options {
			if !seen[o.Name] {
				seen[o.Name] = true
				out = append(out, o)
			}
		}
	}
	return append(out, SegmentRowsOption)
}

// OptionNames are the names of Options.
func OptionNames() []string {
	var out []string
	for _, o := range Options() {
		out = append(out, o.Name)
	}
	return out
}

// sortedKinds is Kinds for a caller that holds mu.
func sortedKinds() []string { return slices.Sorted(maps.Keys(kinds)) }

// Check checks an index's type, metric and options, and returns the type
// (default hnsw) and metric (default cosine) by their names. Options are
// by stored name: a kind takes its own and segment_rows, an auto index
// every kind's (it builds any structure), each checked against its
// declaration.
func Check(typ, metric string, opts map[string]int) (string, string, error) {
	typ = strings.ToLower(typ)
	if typ == "" {
		typ = HNSW
	}
	k, ok := Lookup(typ)
	if !ok {
		return "", "", fmt.Errorf("unknown index type %q (%s)", typ, strings.Join(Kinds(), ", "))
	}
	if metric == "" {
		metric = "cosine"
	}
	m, err := vectorops.ParseMetric(metric)
	if err != nil {
		return "", "", err
	}
	decls := Options()
	names := OptionNames()
	for _, name := range slices.Sorted(maps.Keys(opts)) {
		i := slices.Index(names, name)
		if i < 0 {
			return "", "", sql.Unknown("index option", name, names)
		}
		if k.Name != Auto && name != SegmentRowsOption.Name && !slices.ContainsFunc(k.Options, func(o option.Option) bool { return o.Name == name }) {
			return "", "", fmt.Errorf("index option %s is not an option of a %s index (%s)", name, k.Name, strings.Join(append(optionNames(k.Options), SegmentRowsOption.Name), ", "))
		}
		if _, err := decls[i].Check(int64(opts[name])); err != nil {
			return "", "", fmt.Errorf("index option %w", err)
		}
	}
	return k.Name, m.String(), nil
}

// Prefixed names CREATE INDEX's options as they are stored: m of an hnsw
// index is hnsw_m, of an ivfpq index ivf_m. Names that already carry a
// kind's prefix, and segment_rows, stay as they are.
func Prefixed(typ string, opts map[string]int) map[string]int {
	if len(opts) == 0 {
		return opts
	}
	own := HNSW
	if k, ok := Lookup(typ); ok && k.Prefix != "" {
		own = k.Name
	}
	prefix := "hnsw_"
	if k, ok := Lookup(own); ok {
		prefix = k.Prefix
	}
	mu.RLock()
	var prefixes []string
	for _, k := range kinds {
		if k.Prefix != "" {
			prefixes = append(prefixes, k.Prefix)
		}
	}
	mu.RUnlock()
	out := map[string]int{}
	for name, v := range opts {
		has := name == SegmentRowsOption.Name
		for _, p := range prefixes {
			has = has || strings.HasPrefix(name, p)
		}
		if !has {
			name = prefix + name
		}
		out[name] = v
	}
	return out
}

// decode decodes the structure of a part by its magic; kind is the kind
// that reads it.
func decode(b []byte) (x ANN, kind string, err error) {
	if len(b) < 4 {
		return nil, "", fmt.Errorf("index structure truncated")
	}
	mu.RLock()
	defer mu.RUnlock()
	for _, k := range kinds {
		if k.Magic == string(b[:4]) {
			x, err := k.Decode(b)
			return x, k.Name, err
		}
	}
	return nil, "", fmt.Errorf("no index kind reads structures that start %q", b[:4])
}

// SearchSettings are the session settings that tune searches, one per
// kind that declares a SearchOption: lakelink.hnsw_ef_search, ...
func SearchSettings() []option.Option {
	mu.RLock()
	defer mu.RUnlock()
	var out []option.Option
	for _, name := range sortedKinds() {
		k := kinds[name]
		for _, o := range k.Options {
			if o.Name == k.SearchOption {
				o.Name = "lakelink." + o.Name
				out = append(out, o)
			}
		}
	}
	return out
}

// SearchParams are the values a session gives the kinds' search options,
// by option name (hnsw_ef_search, ivf_nprobe); a missing one or 0 leaves
// the index's own.
type SearchParams map[string]int

// For is the search parameter of a structure of the kind named kind.
func (p SearchParams) For(kind string) int {
	k, ok := Lookup(kind)
	if !ok || k.SearchOption == "" {
		return 0
	}
	return p[k.SearchOption]
}

// Table prints the kinds and their options as Markdown: what
// docs/search.md shows (a test keeps the two equal). CREATE INDEX takes an
// option with or without its kind's prefix; COPY takes it with.
func Table() string {
	var b strings.Builder
	b.WriteString("| kind | what it is | options (CREATE INDEX ... WITH) |\n|---|---|---|\n")
	for _, n := range Kinds() {
		k, _ := Lookup(n)
		var opts []string
		for _, o := range k.Options {
			opts = append(opts, fmt.Sprintf("`%s` %s (default %s)", o.Name, o.TypeString(), o.DefaultString()))
		}
		if k.Parts() {
			o := SegmentRowsOption
			opts = append(opts, fmt.Sprintf("`%s` %s (default %s)", o.Name, o.TypeString(), o.DefaultString()))
		}
		if len(opts) == 0 {
			opts = []string{"none"}
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", n, k.Help, strings.Join(opts, "; "))
	}
	return b.String()
}

// Help lists the kinds and their options as plain text, for a command's
// help.
func Help() string {
	var b strings.Builder
	for _, n := range Kinds() {
		k, _ := Lookup(n)
		fmt.Fprintf(&b, "  %s: %s\n", n, k.Help)
		for _, o := range k.Options {
			fmt.Fprintf(&b, "    %-21s %s (%s, default %s)\n", o.Name, o.Help, o.TypeString(), o.DefaultString())
		}
	}
	return b.String()
}

// WithClause is an index's metric and options as CREATE INDEX's WITH
// clause takes them: the metric, then the options it was given, in the
// order the kinds declare them (metric = 'l2', hnsw_m = 8).
func WithClause(d store.IndexDef) string {
	parts := []string{fmt.Sprintf("metric = '%s'", d.Metric)}
	for _, o := range Options() {
		if v, ok := d.Options[o.Name]; ok {
			parts = append(parts, fmt.Sprintf("%s = %d", o.Name, v))
		}
	}
	return strings.Join(parts, ", ")
}

// TypeName is the kind an index of type typ is: hnsw when typ is empty.
func TypeName(typ string) string {
	if typ == "" {
		return HNSW
	}
	return strings.ToLower(typ)
}

// CreateIndexOptions are the option names CREATE INDEX ... USING typ
// takes, as it writes them: without the kind's prefix (m, not hnsw_m),
// other kinds' options prefixed (an auto index takes both), and
// segment_rows.
func CreateIndexOptions(typ string) []string {
	k, _ := Lookup(TypeName(typ))
	var out []string
	for _, o := range k.Options {
		if k.Prefix != "" {
			out = append(out, strings.TrimPrefix(o.Name, k.Prefix))
		} else {
			out = append(out, o.Name)
		}
	}
	return append(out, SegmentRowsOption.Name)
}

func optionNames(opts []option.Option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Name
	}
	return out
}
