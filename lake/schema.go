package lake

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Column is one column of a table.
type Column struct {
	Name    string `json:"name"`
	Type    Type   `json:"type"`
	NotNull bool   `json:"not_null,omitempty"`
	// Default is the value (as SQL literal text, see ParseDefault) that
	// rows stored before the column was added read, and that imports which
	// do not feed the column write; nil for NULL.
	Default *string `json:"default,omitempty"`
}

// Schema is a table's columns and primary key. A table without a primary key
// gets hidden row ids assigned at commit time, in input order.
//
// Stored rows hold one position per column, in order, until a column is
// dropped. From then on Stored lists the type of every stored position,
// dropped ones included (a position is never reused), and Slots maps each
// column to its position; both are nil while the identity holds. Adding a
// column appends a position, so rows stored earlier simply lack it.
type Schema struct {
	Columns    []Column `json:"columns"`
	PrimaryKey []string `json:"primary_key,omitempty"`
	Stored     []Type   `json:"stored,omitempty"`
	Slots      []int    `json:"slots,omitempty"`
}

// Positions returns, for each stored position, the column stored there or
// -1 for a dropped column; nil when columns and positions coincide.
func (s Schema) Positions() []int {
	if s.Slots == nil {
		return nil
	}
	out := make([]int, len(s.Stored))
	for i := range out {
		out[i] = -1
	}
	for c, p := range s.Slots {
		out[p] = c
	}
	return out
}

// Plain is the schema without its storage layout: how a table with these
// columns, created afresh, would store its rows.
func (s Schema) Plain() Schema {
	s.Stored, s.Slots = nil, nil
	return s
}

// AddColumn returns the schema with c added at the end. Rows stored
// before read c's default (or NULL).
func (s Schema) AddColumn(c Column) (Schema, error) {
	if s.Index(c.Name) >= 0 {
		return s, fmt.Errorf("column %q already exists", c.Name)
	}
	if c.Default != nil {
		if _, err := ParseDefault(c.Type, *c.Default); err != nil {
			return s, fmt.Errorf("column %q: %w", c.Name, err)
		}
	}
	out := s.clone()
	out.Columns = append(out.Columns, c)
	if out.Slots != nil {
		out.Stored = append(out.Stored, c.Type)
		out.Slots = append(out.Slots, len(out.Stored)-1)
	}
	return out, out.Validate()
}

// DropColumn returns the schema without the named column. Stored rows
// keep its values, unread; a key column cannot be dropped.
func (s Schema) DropColumn(name string) (Schema, error) {
	i := s.Index(name)
	switch {
	case i < 0:
		return s, fmt.Errorf("no column %q", name)
	case len(s.Columns) == 1:
		return s, fmt.Errorf("cannot drop %q, the only column", name)
	}
	for _, k := range s.PrimaryKey {
		if strings.EqualFold(k, name) {
			return s, fmt.Errorf("cannot drop %q: it is part of the primary key", name)
		}
	}
	out := s.clone()
	if out.Slots == nil {
		for c, col := range out.Columns {
			out.Stored = append(out.Stored, col.Type)
			out.Slots = append(out.Slots, c)
		}
	}
	out.Columns = append(out.Columns[:i], out.Columns[i+1:]...)
	out.Slots = append(out.Slots[:i], out.Slots[i+1:]...)
	return out, out.Validate()
}

// RenameColumn returns the schema with a column renamed (the primary key
// follows); stored rows are untouched.
func (s Schema) RenameColumn(from, to string) (Schema, error) {
	i := s.Index(from)
	if i < 0 {
		return s, fmt.Errorf("no column %q", from)
	}
	if j := s.Index(to); j >= 0 && j != i {
		return s, fmt.Errorf("column %q already exists", to)
	}
	out := s.clone()
	for k, name := range out.PrimaryKey {
		if strings.EqualFold(name, from) {
			out.PrimaryKey[k] = to
		}
	}
	out.Columns[i].Name = to
	return out, out.Validate()
}

func (s Schema) clone() Schema {
	s.Columns = append([]Column(nil), s.Columns...)
	s.PrimaryKey = append([]string(nil), s.PrimaryKey...)
	if s.Slots != nil {
		s.Stored = append([]Type(nil), s.Stored...)
		s.Slots = append([]int(nil), s.Slots...)
	}
	return s
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

// ValidName reports whether s may name a table or column. Names are plain
// identifiers, so they can never escape a key prefix or a folder.
func ValidName(s string) bool { return identRE.MatchString(s) }

// CleanName turns any string into a valid name: runs of characters other
// than letters, digits and _ become one _, leading and trailing _ go, a
// leading digit gets a c_ prefix, and the result is cut to 128 bytes.
func CleanName(s string) string {
	var b strings.Builder
	under := false
	for _, r := range s {
		if r < 128 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	out := strings.Trim(b.String(), "_")
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "c_" + out
	}
	if len(out) > 128 {
		out = out[:128]
	}
	return out
}

// Index returns the position of the named column (case-insensitive), or -1.
func (s Schema) Index(name string) int {
	for i, c := range s.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// PKIndexes returns the column positions of the primary key.
func (s Schema) PKIndexes() []int {
	out := make([]int, len(s.PrimaryKey))
	for i, n := range s.PrimaryKey {
		out[i] = s.Index(n)
	}
	return out
}

// Validate checks names, duplicates, and that primary-key columns exist and
// have a type that can be a key.
func (s Schema) Validate() error {
	if len(s.Columns) == 0 {
		return fmt.Errorf("a table needs at least one column")
	}
	seen := map[string]bool{}
	for _, c := range s.Columns {
		if !ValidName(c.Name) {
			return fmt.Errorf("invalid column name %q", c.Name)
		}
		if seen[strings.ToLower(c.Name)] {
			return fmt.Errorf("duplicate column %q", c.Name)
		}
		seen[strings.ToLower(c.Name)] = true
		if c.Type.Kind == KindInvalid {
			return fmt.Errorf("column %q has no type", c.Name)
		}
	}
	if s.Slots != nil {
		if len(s.Slots) != len(s.Columns) {
			return fmt.Errorf("storage layout: %d positions for %d columns", len(s.Slots), len(s.Columns))
		}
		used := map[int]bool{}
		for c, p := range s.Slots {
			if p < 0 || p >= len(s.Stored) || used[p] || !s.Stored[p].Equal(s.Columns[c].Type) {
				return fmt.Errorf("storage layout: bad position %d for column %q", p, s.Columns[c].Name)
			}
			used[p] = true
		}
	}
	for _, k := range s.PrimaryKey {
		i := s.Index(k)
		if i < 0 {
			return fmt.Errorf("primary key column %q is not a column", k)
		}
		switch s.Columns[i].Type.Kind {
		case KindVector, KindArray, KindJSONB, KindReal, KindDouble:
			return fmt.Errorf("primary key column %q has type %s, which cannot be a key", k, s.Columns[i].Type)
		}
	}
	return nil
}

// Arrow returns the Arrow schema of batches that carry rows of this table.
func (s Schema) Arrow() *arrow.Schema {
	fields := make([]arrow.Field, len(s.Columns))
	for i, c := range s.Columns {
		fields[i] = c.Field()
	}
	return arrow.NewSchema(fields, nil)
}

// String renders the schema as a column list: (id BIGINT PRIMARY KEY, ...).
func (s Schema) String() string {
	parts := make([]string, 0, len(s.Columns))
	for _, c := range s.Columns {
		p := c.Name + " " + c.Type.String()
		if c.NotNull {
			p += " NOT NULL"
		}
		if c.Default != nil {
			p += " DEFAULT " + quoteDefault(c.Type, *c.Default)
		}
		parts = append(parts, p)
	}
	if len(s.PrimaryKey) > 0 {
		parts = append(parts, "PRIMARY KEY ("+strings.Join(s.PrimaryKey, ", ")+")")
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
