package sql

import (
	"fmt"
	"strings"
)

// Statement is one parsed statement. Every node prints itself back as
// SQL that parses to the same node (String), so a statement can be
// logged, shown and re-run as the engine understood it.
//
// Nodes are values. A node's Pos is the rune offset in the script of the
// token it is named after; ErrorAt turns it into a line and column.
type Statement interface {
	String() string
	statement()
}

// Option is one WITH (name = value) option, unbound: Name in lower case,
// Value one of string, int64, float64, bool, nil or []any of those. The
// engine binds options to typed settings and reports a bad one at Pos.
type Option struct {
	Name  string
	Value any
	Pos   int
}

// ColumnDef is a column of CREATE TABLE, CREATE GRAPH or ALTER TABLE ADD:
// col TYPE [NOT NULL] [PRIMARY KEY] [REFERENCES t[(c)]] [DEFAULT v]. The
// type stays as written (TypePos marks it) and is checked when bound.
type ColumnDef struct {
	Name       string
	Type       string // as written: BIGINT, VECTOR(3), TEXT[], DOUBLE PRECISION
	TypePos    int
	NotNull    bool
	PrimaryKey bool       // PRIMARY KEY on the column itself
	Default    *Literal   // DEFAULT v; DEFAULT NULL is a Literal holding nil
	References *Reference // REFERENCES t(c): an EDGE table's endpoint
}

// Literal is a value written in a statement, where it was written.
type Literal struct {
	Value any // string, int64, float64, bool, nil, or []any of those
	Pos   int
}

// Param is $N where a literal goes (a WHERE value, an INSERT or UPDATE
// value): the engine binds it to the statement's Nth parameter.
type Param struct{ N int }

// Insert is INSERT INTO t [(columns)] VALUES (...), (...): rows of
// literals (or $N), in one commit.
type Insert struct {
	Table     string
	Columns   []string // nil: every column, in order
	Rows      [][]Literal
	Statement string
}

func (Insert) statement() {}

func (x Insert) String() string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + Ident(x.Table))
	if x.Columns != nil {
		cols := make([]string, len(x.Columns))
		for i, c := range x.Columns {
			cols[i] = Ident(c)
		}
		b.WriteString(" (" + strings.Join(cols, ", ") + ")")
	}
	b.WriteString(" VALUES ")
	for i, r := range x.Rows {
		if i > 0 {
			b.WriteString(", ")
		}
		vals := make([]string, len(r))
		for j, v := range r {
			vals[j] = Value(v.Value)
		}
		b.WriteString("(" + strings.Join(vals, ", ") + ")")
	}
	return b.String()
}

// Update is UPDATE t SET c = value, ... [WHERE condition], in one commit.
type Update struct {
	Table     string
	Set       []Assignment
	Where     *Where
	Statement string
}

// Assignment is one SET column = value of an UPDATE.
type Assignment struct {
	Column string
	Pos    int
	Value  Literal
}

func (Update) statement() {}

func (x Update) String() string {
	sets := make([]string, len(x.Set))
	for i, a := range x.Set {
		sets[i] = Ident(a.Column) + " = " + Value(a.Value.Value)
	}
	s := "UPDATE " + Ident(x.Table) + " SET " + strings.Join(sets, ", ")
	if x.Where != nil {
		s += " WHERE " + x.Where.Expr.String()
	}
	return s
}

// Reference is a column's REFERENCES table[(column)].
type Reference struct {
	Table, Column string
}

// CreateTable is CREATE TABLE [IF NOT EXISTS] name (col TYPE [NOT NULL]
// [PRIMARY KEY], ..., [PRIMARY KEY (a, b)]).
type CreateTable struct {
	Name        string
	IfNotExists bool
	Columns     []ColumnDef
	PrimaryKey  []string // the table's PRIMARY KEY (a, b) clause, if given
	Pos         int
}

// AlterTable is ALTER TABLE name ADD [COLUMN] col TYPE [NOT NULL]
// [DEFAULT v], DROP [COLUMN] [IF EXISTS] col, or RENAME [COLUMN] a TO b.
type AlterTable struct {
	Name     string
	Action   string    // "add", "drop", "rename", "set", "reset" or "tier"
	Column   ColumnDef // the column to add
	Target   string    // the column to drop or rename
	NewName  string    // rename's new name
	IfExists bool      // DROP COLUMN IF EXISTS
	// Settings are SET (name = value, ...)'s, or RESET (name, ...)'s names
	// (values nil): the table's tiering policy (hot_storage, cold_storage,
	// tier_after, tier_column).
	Settings []Option
	// TIER PARTITION WHERE expr TO COLD|HOT: the rows to move, and where
	// ("cold" or "hot").
	Where  *Where
	TierTo string
}

// Interval is INTERVAL 'text' as written (a setting's value: tier_after =
// INTERVAL '90 days'); the engine reads the text.
type Interval struct{ Text string }

// DropTable is DROP TABLE [IF EXISTS] name.
type DropTable struct {
	Name     string
	IfExists bool
}

// CreateGraph is CREATE GRAPH [IF NOT EXISTS] g (NODE n (columns), EDGE e
// (source T REFERENCES n(id), target T REFERENCES n(id), columns), ...).
type CreateGraph struct {
	Name        string
	IfNotExists bool
	Tables      []GraphTable // in the order written
}

// GraphTable is one NODE or EDGE table of CREATE GRAPH.
type GraphTable struct {
	Edge       bool
	Name       string
	Columns    []ColumnDef
	PrimaryKey []string
	Pos        int
}

// DropGraph is DROP GRAPH [IF EXISTS] g.
type DropGraph struct {
	Name     string
	IfExists bool
}

// CreateIndex is CREATE INDEX [name] ON table [USING kind] (column)
// [WITH (...)].
type CreateIndex struct {
	IfNotExists         bool // nothing happens when the table has an index of that name
	Name, Table, Column string
	Using               string // the index kind as written; "" if not given
	Options             []Option
}

// DropIndex is DROP INDEX [IF EXISTS] name.
type DropIndex struct {
	Name     string
	IfExists bool
}

// Copy is an import: COPY FROM 'url'[, 'url'] INTO [GRAPH] table [(cols)]
// [MAP COLUMNS (src => dst[::TYPE], ...)] [WITH (...)], or
// COPY table [(cols)] FROM 'url' ....
type Copy struct {
	Sources []string
	Graph   bool // INTO GRAPH g: the graph's node and edge tables
	Table   string
	Columns []string
	Maps    []ColumnMap
	Options []Option
	Text    string // the statement as written, for the commit log
}

// ColumnMap is one MAP COLUMNS entry: a source column into a table
// column, with an optional cast (the type as written).
type ColumnMap struct {
	Source, Target string
	Cast           string // "" for none
	CastPos        int
}

// Export is COPY (SELECT ...) TO 'url' [WITH (...)], or COPY table
// [(cols)] TO 'url' [WITH (...)], which is the same as selecting them.
type Export struct {
	Query   Select
	URL     string
	Options []Option
	Text    string // the statement as written
}

// Delete is DELETE FROM table [WHERE condition].
type Delete struct {
	Table     string
	Where     *Where
	Statement string // its text, for the commit log
}

// Set is SET name = value (or TO value); Name is in lower case, Value the
// value as text.
type Set struct {
	Name  string
	Value string
}

func (CreateTable) statement() {}
func (AlterTable) statement()  {}
func (DropTable) statement()   {}
func (CreateGraph) statement() {}
func (DropGraph) statement()   {}
func (CreateIndex) statement() {}
func (DropIndex) statement()   {}
func (Copy) statement()        {}
func (Export) statement()      {}
func (Select) statement()      {}
func (Delete) statement()      {}
func (Set) statement()         {}
func (TierRun) statement()     {}
func (Transaction) statement() {}
func (Show) statement()        {}
func (Values) statement()      {}

// Values is SELECT without FROM, of literals and version(): what clients
// and connection pools send to check a connection (SELECT 1).
type Values struct {
	Items []ValueItem
}

// ValueItem is a literal (Value) or a function without arguments (Func:
// "version"), with an optional AS name.
type ValueItem struct {
	Value any
	Func  string
	Alias string
}

// Name is the item's column name: its alias, else PostgreSQL's
// ?column? for a literal, or the function's name.
func (it ValueItem) Name() string {
	switch {
	case it.Alias != "":
		return it.Alias
	case it.Func != "":
		return it.Func
	}
	return "?column?"
}

func (v Values) String() string {
	parts := make([]string, len(v.Items))
	for i, it := range v.Items {
		if it.Func != "" {
			parts[i] = it.Func + "()"
		} else {
			parts[i] = Value(it.Value)
		}
		if it.Alias != "" {
			parts[i] += " AS " + Ident(it.Alias)
		}
	}
	return "SELECT " + strings.Join(parts, ", ")
}

// Transaction is BEGIN (START TRANSACTION), COMMIT (END) or ROLLBACK
// (ABORT), which drivers wrap statements in. Kind is "BEGIN", "COMMIT" or
// "ROLLBACK". lakelink commits each statement on its own; the engine
// says what these mean (engine.Session).
type Transaction struct {
	Kind string
}

func (t Transaction) String() string { return t.Kind }

// History and maintenance statements: what `lakelink tag`, `revert`,
// `gc` and `compact` run, so that they run through a server too.

// CreateTag is CREATE TAG name [AT COMMIT n] [MESSAGE 'text'].
type CreateTag struct {
	Name    string
	Commit  uint64 // 0: the head
	Message string
}

// DropTag is DROP TAG name.
type DropTag struct{ Name string }

// Revert is REVERT 'ref' (a commit number, tag or time): a commit that
// undoes that commit's row changes.
type Revert struct{ Ref string }

// GC is GC KEEP n DAYS [DRY RUN]: retention.
type GC struct {
	KeepDays int
	DryRun   bool
}

// Compact is COMPACT t: merge a table's index segments.
type Compact struct{ Table string }

func (CreateTag) statement() {}
func (DropTag) statement()   {}
func (Revert) statement()    {}
func (GC) statement()        {}
func (Compact) statement()   {}

func (x CreateTag) String() string {
	s := "CREATE TAG " + Ident(x.Name)
	if x.Commit != 0 {
		s += fmt.Sprintf(" AT COMMIT %d", x.Commit)
	}
	if x.Message != "" {
		s += " MESSAGE " + Quote(x.Message)
	}
	return s
}
func (x DropTag) String() string { return "DROP TAG " + Ident(x.Name) }
func (x Revert) String() string  { return "REVERT " + Quote(x.Ref) }
func (x GC) String() string {
	s := fmt.Sprintf("GC KEEP %d DAYS", x.KeepDays)
	if x.DryRun {
		s += " DRY RUN"
	}
	return s
}
func (x Compact) String() string { return "COMPACT " + Ident(x.Table) }

// Explain is EXPLAIN [ANALYZE] SELECT ...: how the SELECT is answered.
type Explain struct {
	Query Select
}

func (Explain) statement() {}

func (e Explain) String() string { return "EXPLAIN " + e.Query.String() }

// DescribeTable is DESCRIBE t (or DESC t): a table's columns.
type DescribeTable struct {
	Name string
}

func (DescribeTable) statement() {}

func (d DescribeTable) String() string { return "DESCRIBE " + Ident(d.Name) }

// Show is SHOW name (a setting, lower case), SHOW ALL (Name "all") or
// SHOW TABLES (Name "tables").
type Show struct {
	Name string
}

func (s Show) String() string {
	switch s.Name {
	case "all":
		return "SHOW ALL"
	case "tables":
		return "SHOW TABLES"
	}
	return "SHOW " + s.Name
}

// TierRun is TIER RUN [table]: apply the tiering policies (tier_after) of
// one table or of every table that has one.
type TierRun struct {
	Table string // "": every table with a policy
}

func (r TierRun) String() string {
	if r.Table == "" {
		return "TIER RUN"
	}
	return "TIER RUN " + Ident(r.Table)
}

func (c ColumnDef) String() string {
	var b strings.Builder
	b.WriteString(Ident(c.Name) + " " + c.Type)
	if c.NotNull && !c.PrimaryKey {
		b.WriteString(" NOT NULL")
	}
	if c.PrimaryKey {
		b.WriteString(" PRIMARY KEY")
	}
	if r := c.References; r != nil {
		b.WriteString(" REFERENCES " + Ident(r.Table))
		if r.Column != "" {
			b.WriteString("(" + Ident(r.Column) + ")")
		}
	}
	if c.Default != nil {
		b.WriteString(" DEFAULT " + Value(c.Default.Value))
	}
	return b.String()
}

func tableBody(cols []ColumnDef, key []string) string {
	parts := make([]string, 0, len(cols)+1)
	for _, c := range cols {
		parts = append(parts, c.String())
	}
	if len(key) > 0 {
		parts = append(parts, "PRIMARY KEY ("+idents(key)+")")
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (s CreateTable) String() string {
	return "CREATE TABLE " + ifWord(s.IfNotExists, "IF NOT EXISTS ") + Ident(s.Name) + " " + tableBody(s.Columns, s.PrimaryKey)
}

func (s AlterTable) String() string {
	head := "ALTER TABLE " + Ident(s.Name) + " "
	switch s.Action {
	case "add":
		return head + "ADD COLUMN " + s.Column.String()
	case "drop":
		return head + "DROP COLUMN " + ifWord(s.IfExists, "IF EXISTS ") + Ident(s.Target)
	case "set":
		return head + "SET" + strings.TrimPrefix(withClause(s.Settings), " WITH")
	case "reset":
		names := make([]string, len(s.Settings))
		for i, o := range s.Settings {
			names[i] = Ident(o.Name)
		}
		return head + "RESET (" + strings.Join(names, ", ") + ")"
	case "tier":
		return head + "TIER PARTITION WHERE " + s.Where.Expr.String() + " TO " + strings.ToUpper(s.TierTo)
	}
	return head + "RENAME COLUMN " + Ident(s.Target) + " TO " + Ident(s.NewName)
}

func (s DropTable) String() string {
	return "DROP TABLE " + ifWord(s.IfExists, "IF EXISTS ") + Ident(s.Name)
}

func (s CreateGraph) String() string {
	parts := make([]string, len(s.Tables))
	for i, t := range s.Tables {
		kind := "NODE "
		if t.Edge {
			kind = "EDGE "
		}
		parts[i] = kind + Ident(t.Name) + " " + tableBody(t.Columns, t.PrimaryKey)
	}
	return "CREATE GRAPH " + ifWord(s.IfNotExists, "IF NOT EXISTS ") + Ident(s.Name) + " (" + strings.Join(parts, ", ") + ")"
}

func (s DropGraph) String() string {
	return "DROP GRAPH " + ifWord(s.IfExists, "IF EXISTS ") + Ident(s.Name)
}

func (s CreateIndex) String() string {
	var b strings.Builder
	b.WriteString("CREATE INDEX " + ifWord(s.IfNotExists, "IF NOT EXISTS "))
	if s.Name != "" {
		b.WriteString(Ident(s.Name) + " ")
	}
	b.WriteString("ON " + Ident(s.Table))
	if s.Using != "" {
		b.WriteString(" USING " + Ident(s.Using))
	}
	b.WriteString(" (" + Ident(s.Column) + ")" + withClause(s.Options))
	return b.String()
}

func (s DropIndex) String() string {
	return "DROP INDEX " + ifWord(s.IfExists, "IF EXISTS ") + Ident(s.Name)
}

func (s Copy) String() string {
	var b strings.Builder
	b.WriteString("COPY FROM ")
	for i, u := range s.Sources {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(Quote(u))
	}
	b.WriteString(" INTO " + ifWord(s.Graph, "GRAPH ") + Ident(s.Table))
	if len(s.Columns) > 0 {
		b.WriteString(" (" + idents(s.Columns) + ")")
	}
	if len(s.Maps) > 0 {
		b.WriteString(" MAP COLUMNS (")
		for i, m := range s.Maps {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(Ident(m.Source) + " => " + Ident(m.Target))
			if m.Cast != "" {
				b.WriteString("::" + m.Cast)
			}
		}
		b.WriteString(")")
	}
	b.WriteString(withClause(s.Options))
	return b.String()
}

func (s Export) String() string {
	return "COPY (" + s.Query.String() + ") TO " + Quote(s.URL) + withClause(s.Options)
}

func (s Delete) String() string {
	out := "DELETE FROM " + Ident(s.Table)
	if s.Where != nil {
		out += " WHERE " + s.Where.Expr.String()
	}
	return out
}

func (s Set) String() string {
	return "SET " + Ident(s.Name) + " = " + Quote(s.Value)
}

func withClause(opts []Option) string {
	if len(opts) == 0 {
		return ""
	}
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = Ident(o.Name) + " = " + Value(o.Value)
	}
	return " WITH (" + strings.Join(parts, ", ") + ")"
}

func ifWord(b bool, w string) string {
	if b {
		return w
	}
	return ""
}
