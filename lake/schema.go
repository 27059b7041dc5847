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
}

// Schema is a table's columns and primary key. A table without a primary key
// gets hidden row ids assigned at commit time, in input order.
type Schema struct {
	Columns    []Column `json:"columns"`
	PrimaryKey []string `json:"primary_key,omitempty"`
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
		parts = append(parts, p)
	}
	if len(s.PrimaryKey) > 0 {
		parts = append(parts, "PRIMARY KEY ("+strings.Join(s.PrimaryKey, ", ")+")")
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
