package pipeline

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/lake/filter"
	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/sources"
	"github.com/lakelink/lakelink/transforms"
)

// Statement is one parsed statement of the lakelink language.
type Statement interface{ stmt() }

// CreateTable is CREATE TABLE [IF NOT EXISTS] name (col TYPE [NOT NULL]
// [PRIMARY KEY], ..., [PRIMARY KEY (a, b)]).
type CreateTable struct {
	Name        string
	Schema      lake.Schema
	IfNotExists bool
}

// DropTable is DROP TABLE [IF EXISTS] name.
type DropTable struct {
	Name     string
	IfExists bool
}

// Copy is COPY FROM 'url'[, 'url'] INTO table [(cols)] [MAP COLUMNS (...)]
// [WITH (...)], or COPY table [(cols)] FROM 'url' ....
type Copy struct{ Import Import }

// Select is SELECT count(*) | * | item, ... FROM t [WHERE condition]
// [ORDER BY term [ASC|DESC]] [LIMIT n], where an item is a column or a
// vector comparison (see VectorExpr), each [AS name].
type Select struct {
	Table   string
	Func    *TableFunc // FROM f(args): a table function instead of a table
	At      *AtRef     // AT (...): read that commit
	Count   bool
	Star    bool   // *, alone or before further items
	Items   []Item // the items after or instead of *
	Where   *Where
	OrderBy *OrderBy
	Limit   int // -1 for none
}

// Where is a SELECT's condition, checked for syntax when parsed and typed
// against the table when the statement runs.
type Where struct {
	Text string
	toks []token
}

// Filter types the condition against a table schema.
func (w *Where) Filter(s lake.Schema) (filter.Expr, error) {
	types := map[string]lake.Type{}
	for _, c := range s.Columns {
		types[c.Name] = c.Type
	}
	p := &parser{toks: w.toks, src: w.Text}
	e, err := p.filterOr(types)
	if err == nil && p.peek().kind != tEOF {
		err = p.errorf("unexpected text")
	}
	return e, err
}

// where reads the condition after WHERE, checking its syntax; it is typed
// against the table when the statement runs.
func (p *parser) where() (*Where, error) {
	start := p.i
	if _, err := p.filterOr(nil); err != nil {
		return nil, err
	}
	toks := append(append([]token(nil), p.toks[start:p.i]...), token{kind: tEOF, pos: p.toks[p.i].pos})
	return &Where{Text: p.src, toks: toks}, nil
}

// Delete is DELETE FROM table [WHERE condition]: the rows that match (all
// of them without WHERE) are deleted, in one commit.
type Delete struct {
	Table     string
	Where     *Where
	Statement string // its text, for the commit log
}

// AlterTable is ALTER TABLE name ADD [COLUMN] col TYPE [NOT NULL]
// [DEFAULT v], DROP [COLUMN] [IF EXISTS] col, or RENAME [COLUMN] a TO b.
type AlterTable struct {
	Name     string
	Action   string      // "add", "drop" or "rename"
	Column   lake.Column // the column to add
	Target   string      // the column to drop or rename
	NewName  string      // rename's new name
	IfExists bool        // DROP COLUMN IF EXISTS
}

// CreateIndex is CREATE INDEX [name] ON table USING hnsw|ivfpq|flat|auto
// (column) [WITH (metric = 'cosine'|'l2'|'ip', options...)]: for hnsw m,
// ef_construction, ef_search; for ivfpq nlist, m, nbits, nprobe, rerank;
// for auto both, prefixed hnsw_ and ivf_.
type CreateIndex struct {
	Name, Table, Column, Type, Metric string
	Options                           map[string]int
}

// DropIndex is DROP INDEX [IF EXISTS] name.
type DropIndex struct {
	Name     string
	IfExists bool
}

// Set is SET name = value.
type Set struct {
	Name  string
	Value string
}

func (CreateTable) stmt() {}
func (AlterTable) stmt()  {}
func (DropTable) stmt()   {}
func (Copy) stmt()        {}
func (Export) stmt()      {}
func (Select) stmt()      {}
func (Delete) stmt()      {}
func (Set) stmt()         {}
func (CreateIndex) stmt() {}
func (DropIndex) stmt()   {}

// Parse parses a script of statements separated by semicolons.
func Parse(src string) ([]Statement, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, src: src}
	var out []Statement
	for {
		for p.sym(";") {
		}
		if p.peek().kind == tEOF {
			return out, nil
		}
		start := p.peek().pos
		s, err := p.statement()
		if err != nil {
			return nil, err
		}
		if c, ok := s.(Copy); ok {
			c.Import.Statement = strings.TrimSpace(string([]rune(src)[start:p.peek().pos]))
			s = c
		}
		if e, ok := s.(Export); ok {
			e.Statement = strings.TrimSpace(string([]rune(src)[start:p.peek().pos]))
			s = e
		}
		if d, ok := s.(Delete); ok {
			d.Statement = strings.TrimSpace(string([]rune(src)[start:p.peek().pos]))
			s = d
		}
		out = append(out, s)
		if !p.sym(";") && p.peek().kind != tEOF {
			return nil, p.errorf("expected ; or end of input")
		}
	}
}

type parser struct {
	toks []token
	i    int
	src  string
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) advance() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// errorf is a syntax error at the next token.
func (p *parser) errorf(f string, a ...any) error {
	t := p.peek()
	return syntaxError([]rune(p.src), t.pos, t.String(), fmt.Sprintf(f, a...))
}

func syntaxError(src []rune, offset int, near, msg string) *SyntaxError {
	pos := positionOf(src, offset)
	return &SyntaxError{Position: pos, Near: near, Msg: msg, Excerpt: excerpt(src, pos)}
}

// statementError is err, a statement asking for what cannot be, placed at
// the token that asked.
func (p *parser) statementError(at token, err error) error {
	src := []rune(p.src)
	pos := positionOf(src, at.pos)
	return &StatementError{Position: pos, Err: err, Excerpt: excerpt(src, pos)}
}

// kw consumes the keyword if it is next.
func (p *parser) kw(words ...string) bool {
	for k, w := range words {
		t := p.toks[min(p.i+k, len(p.toks)-1)]
		if t.kind != tIdent || !strings.EqualFold(t.text, w) {
			return false
		}
	}
	p.i += len(words)
	return true
}

func (p *parser) sym(s string) bool {
	if t := p.peek(); t.kind == tSym && t.text == s {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectKw(w ...string) error {
	if !p.kw(w...) {
		return p.errorf("expected %s", strings.Join(w, " "))
	}
	return nil
}

func (p *parser) expectSym(s string) error {
	if !p.sym(s) {
		return p.errorf("expected %q", s)
	}
	return nil
}

func (p *parser) ident(what string) (string, error) {
	t := p.peek()
	if t.kind != tIdent {
		return "", p.errorf("expected %s", what)
	}
	p.i++
	return t.text, nil
}

func (p *parser) statement() (Statement, error) {
	switch {
	case p.kw("CREATE", "TABLE"):
		return p.createTable()
	case p.kw("ALTER", "TABLE"):
		return p.alterTable()
	case p.kw("DROP", "TABLE"):
		d := DropTable{IfExists: p.kw("IF", "EXISTS")}
		var err error
		d.Name, err = p.ident("a table name")
		return d, err
	case p.kw("CREATE", "GRAPH"):
		return p.createGraph()
	case p.kw("DROP", "GRAPH"):
		d := DropGraph{IfExists: p.kw("IF", "EXISTS")}
		var err error
		d.Name, err = p.ident("a graph name")
		return d, err
	case p.kw("CREATE", "INDEX"):
		return p.createIndex()
	case p.kw("DROP", "INDEX"):
		d := DropIndex{IfExists: p.kw("IF", "EXISTS")}
		var err error
		d.Name, err = p.ident("an index name")
		return d, err
	case p.kw("COPY"):
		return p.copy()
	case p.kw("DELETE", "FROM"):
		d := Delete{}
		var err error
		if d.Table, err = p.ident("a table name"); err != nil {
			return nil, err
		}
		if p.kw("WHERE") {
			d.Where, err = p.where()
		}
		return d, err
	case p.kw("SELECT"):
		return p.selectStmt()
	case p.kw("SET"):
		name, err := p.ident("a setting name")
		if err != nil {
			return nil, err
		}
		if !p.sym("=") && !p.kw("TO") {
			return nil, p.errorf("expected =")
		}
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		return Set{Name: strings.ToLower(name), Value: fmt.Sprint(v)}, nil
	}
	return nil, p.errorf("expected CREATE TABLE, ALTER TABLE, DROP TABLE, CREATE GRAPH, DROP GRAPH, CREATE INDEX, DROP INDEX, COPY, SELECT, DELETE or SET")
}

func (p *parser) createIndex() (Statement, error) {
	var ci CreateIndex
	var err error
	if !p.kw("ON") {
		if ci.Name, err = p.ident("an index name or ON"); err != nil {
			return nil, err
		}
		if err := p.expectKw("ON"); err != nil {
			return nil, err
		}
	}
	if ci.Table, err = p.ident("a table name"); err != nil {
		return nil, err
	}
	if p.kw("USING") {
		if ci.Type, err = p.ident("an index type (hnsw, flat, auto)"); err != nil {
			return nil, err
		}
	}
	if err := p.expectSym("("); err != nil {
		return nil, err
	}
	if ci.Column, err = p.ident("a column name"); err != nil {
		return nil, err
	}
	if err := p.expectSym(")"); err != nil {
		return nil, err
	}
	err = p.withOptions(func(k string, v any) error {
		switch x := v.(type) {
		case string:
			if k != "metric" {
				return fmt.Errorf("option %s takes a whole number", k)
			}
			ci.Metric = x
		case int64:
			if ci.Options == nil {
				ci.Options = map[string]int{}
			}
			ci.Options[k] = int(x)
		default:
			return fmt.Errorf("option %s: expected a whole number, or a metric name", k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ci, nil
}

func (p *parser) createTable() (Statement, error) {
	ct := CreateTable{IfNotExists: p.kw("IF", "NOT", "EXISTS")}
	var err error
	if ct.Name, err = p.ident("a table name"); err != nil {
		return nil, err
	}
	var refs []reference
	if ct.Schema, refs, err = p.tableBody(); err != nil {
		return nil, err
	}
	if len(refs) > 0 {
		return nil, fmt.Errorf("CREATE TABLE %s: REFERENCES is for the EDGE tables of CREATE GRAPH", ct.Name)
	}
	return ct, nil
}

// reference is a column's REFERENCES table(column).
type reference struct{ Column, Table, RefColumn string }

// tableBody parses (col TYPE [constraints], ..., [PRIMARY KEY (a, b)]).
func (p *parser) tableBody() (schema lake.Schema, refs []reference, err error) {
	ct := CreateTable{}
	if err := p.expectSym("("); err != nil {
		return schema, nil, err
	}
	for {
		if p.kw("PRIMARY", "KEY") {
			if err := p.expectSym("("); err != nil {
				return schema, nil, err
			}
			for {
				k, err := p.ident("a key column")
				if err != nil {
					return schema, nil, err
				}
				ct.Schema.PrimaryKey = append(ct.Schema.PrimaryKey, k)
				if !p.sym(",") {
					break
				}
			}
			if err := p.expectSym(")"); err != nil {
				return schema, nil, err
			}
		} else {
			name, err := p.ident("a column name")
			if err != nil {
				return schema, nil, err
			}
			t, err := p.typ()
			if err != nil {
				return schema, nil, err
			}
			col := lake.Column{Name: name, Type: t}
			for {
				if p.kw("NOT", "NULL") {
					col.NotNull = true
				} else if p.kw("NULL") {
				} else if p.kw("PRIMARY", "KEY") {
					col.NotNull = true
					ct.Schema.PrimaryKey = append(ct.Schema.PrimaryKey, name)
				} else if p.kw("REFERENCES") {
					r := reference{Column: name}
					if r.Table, err = p.ident("a node table after REFERENCES"); err != nil {
						return schema, nil, err
					}
					if p.sym("(") {
						if r.RefColumn, err = p.ident("its id column"); err != nil {
							return schema, nil, err
						}
						if err := p.expectSym(")"); err != nil {
							return schema, nil, err
						}
					}
					refs = append(refs, r)
				} else if p.kw("DEFAULT") {
					if col.Default, err = p.defaultValue(t); err != nil {
						return schema, nil, err
					}
				} else {
					break
				}
			}
			ct.Schema.Columns = append(ct.Schema.Columns, col)
		}
		if !p.sym(",") {
			break
		}
	}
	return ct.Schema, refs, p.expectSym(")")
}

func (p *parser) alterTable() (Statement, error) {
	var a AlterTable
	var err error
	if a.Name, err = p.ident("a table name"); err != nil {
		return nil, err
	}
	switch {
	case p.kw("ADD"):
		p.kw("COLUMN")
		a.Action = "add"
		if a.Column.Name, err = p.ident("a column name"); err != nil {
			return nil, err
		}
		if a.Column.Type, err = p.typ(); err != nil {
			return nil, err
		}
		for {
			if p.kw("NOT", "NULL") {
				a.Column.NotNull = true
			} else if p.kw("NULL") {
			} else if p.kw("DEFAULT") {
				if a.Column.Default, err = p.defaultValue(a.Column.Type); err != nil {
					return nil, err
				}
			} else {
				break
			}
		}
	case p.kw("DROP"):
		p.kw("COLUMN")
		a.Action = "drop"
		a.IfExists = p.kw("IF", "EXISTS")
		a.Target, err = p.ident("a column name")
	case p.kw("RENAME"):
		p.kw("COLUMN")
		a.Action = "rename"
		if a.Target, err = p.ident("a column name"); err != nil {
			return nil, err
		}
		if err := p.expectKw("TO"); err != nil {
			return nil, err
		}
		a.NewName, err = p.ident("the new column name")
	default:
		return nil, p.errorf("expected ADD, DROP or RENAME")
	}
	return a, err
}

// defaultValue parses a DEFAULT literal for a column of type t; NULL is no
// default.
func (p *parser) defaultValue(t lake.Type) (*string, error) {
	v, err := p.literal()
	if err != nil || v == nil {
		return nil, err
	}
	text := fmt.Sprint(v)
	if _, err := lake.ParseDefault(t, text); err != nil {
		return nil, p.errorf("%v", err)
	}
	return &text, nil
}

// typ parses a type name: words, an optional (args), an optional [].
func (p *parser) typ() (lake.Type, error) {
	var b strings.Builder
	w, err := p.ident("a type")
	if err != nil {
		return lake.Type{}, err
	}
	b.WriteString(w)
	if strings.EqualFold(w, "DOUBLE") && p.kw("PRECISION") {
		b.WriteString(" PRECISION")
	}
	if p.sym("(") {
		b.WriteString("(")
		for !p.sym(")") {
			t := p.advance()
			if t.kind == tEOF {
				return lake.Type{}, p.errorf("unclosed type arguments")
			}
			b.WriteString(t.text)
		}
		b.WriteString(")")
	}
	if p.sym("[") {
		if err := p.expectSym("]"); err != nil {
			return lake.Type{}, err
		}
		b.WriteString("[]")
	}
	t, err := lake.ParseType(b.String())
	if err != nil {
		return t, p.errorf("%v", err)
	}
	return t, nil
}

func (p *parser) strings() ([]string, error) {
	var out []string
	for {
		t := p.peek()
		if t.kind != tString {
			return nil, p.errorf("expected a quoted URL or path")
		}
		p.i++
		out = append(out, t.text)
		if !p.sym(",") {
			return out, nil
		}
	}
}

func (p *parser) columnList() ([]string, error) {
	var out []string
	if !p.sym("(") {
		return nil, nil
	}
	for {
		c, err := p.ident("a column name")
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		if !p.sym(",") {
			break
		}
	}
	return out, p.expectSym(")")
}

func (p *parser) copy() (Statement, error) {
	im := Import{Options: DefaultImportOptions()}
	var err error
	if p.sym("(") { // COPY (SELECT ...) TO 'url'
		if err := p.expectKw("SELECT"); err != nil {
			return nil, err
		}
		q, err := p.selectStmt()
		if err != nil {
			return nil, err
		}
		if err := p.expectSym(")"); err != nil {
			return nil, err
		}
		if err := p.expectKw("TO"); err != nil {
			return nil, err
		}
		return p.export(q.(Select))
	}
	if p.kw("FROM") { // COPY FROM 'src' INTO t
		if im.Sources, err = p.strings(); err != nil {
			return nil, err
		}
		if err := p.expectKw("INTO"); err != nil {
			return nil, err
		}
		im.Graph = p.kw("GRAPH")
		if im.Table, err = p.ident("a table name"); err != nil {
			return nil, err
		}
		if im.Columns, err = p.columnList(); err != nil {
			return nil, err
		}
	} else { // COPY t [(cols)] FROM 'src'
		if im.Table, err = p.ident("FROM or a table name"); err != nil {
			return nil, err
		}
		if im.Columns, err = p.columnList(); err != nil {
			return nil, err
		}
		if p.kw("TO") { // COPY t [(cols)] TO 'url'
			q := Select{Table: im.Table, Star: len(im.Columns) == 0, Limit: -1}
			for _, c := range im.Columns {
				q.Items = append(q.Items, Item{Column: c})
			}
			return p.export(q)
		}
		if !p.kw("FROM") {
			return nil, p.errorf("expected FROM or TO")
		}
		if im.Sources, err = p.strings(); err != nil {
			return nil, err
		}
	}
	if p.kw("MAP", "COLUMNS") {
		if err := p.expectSym("("); err != nil {
			return nil, err
		}
		for {
			src, err := p.ident("a source column")
			if err != nil {
				return nil, err
			}
			if err := p.expectSym("=>"); err != nil {
				return nil, err
			}
			dst, err := p.ident("a table column")
			if err != nil {
				return nil, err
			}
			cm := transforms.ColumnMap{Source: src, Target: dst}
			if p.sym("::") {
				t, err := p.typ()
				if err != nil {
					return nil, err
				}
				cm.Cast = &t
			}
			im.Maps = append(im.Maps, cm)
			if !p.sym(",") {
				break
			}
		}
		if err := p.expectSym(")"); err != nil {
			return nil, err
		}
	}
	if err := p.withOptions(func(k string, v any) error { return setOption(&im.Options, k, v) }); err != nil {
		return nil, err
	}
	return Copy{Import: im}, nil
}

// withOptions parses an optional WITH (name = value, ...), handing each
// option, its name in lower case, to set; set's error is reported at the
// option.
func (p *parser) withOptions(set func(name string, v any) error) error {
	if !p.kw("WITH") {
		return nil
	}
	if err := p.expectSym("("); err != nil {
		return err
	}
	for {
		at := p.peek()
		k, err := p.ident("an option name")
		if err != nil {
			return err
		}
		if err := p.expectSym("="); err != nil {
			return err
		}
		v, err := p.literal()
		if err != nil {
			return err
		}
		if err := set(strings.ToLower(k), v); err != nil {
			return p.statementError(at, err)
		}
		if !p.sym(",") {
			break
		}
	}
	return p.expectSym(")")
}

// literal parses a string, number, TRUE/FALSE/NULL, bare word, or a
// bracketed list of those.
func (p *parser) literal() (any, error) {
	t := p.peek()
	switch {
	case t.kind == tString:
		p.i++
		return t.text, nil
	case t.kind == tNumber:
		p.i++
		if n, err := strconv.ParseInt(t.text, 10, 64); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, p.errorf("bad number")
		}
		return f, nil
	case t.kind == tIdent:
		p.i++
		switch strings.ToUpper(t.text) {
		case "TRUE":
			return true, nil
		case "FALSE":
			return false, nil
		case "NULL":
			return nil, nil
		}
		return t.text, nil
	case p.sym("["):
		var out []any
		for !p.sym("]") {
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			if !p.sym(",") {
				if err := p.expectSym("]"); err != nil {
					return nil, err
				}
				break
			}
		}
		return out, nil
	}
	return nil, p.errorf("expected a value")
}

// Options lists the WITH options of COPY, for errors and the README.
var Options = []string{"format", "mode", "batch_size", "on_error", "on_missing_node", "duplicate_edges", "self_loops", "error_table", "max_errors", "primary_key", "key_columns", "detect_vectors", "staging", "region", "endpoint", "credentials", "partition_columns", "partition_filter", "filter", "parallel_workers",
	"build_indexes", "index_type", "index_metric", "hnsw_m", "hnsw_ef_construction", "hnsw_ef_search",
	"ivf_nlist", "ivf_m", "ivf_nbits", "ivf_nprobe", "ivf_rerank", "index_segment_rows"}

func setOption(o *ImportOptions, k string, v any) error {
	str := func() (string, error) {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("option %s takes a string", k)
		}
		return s, nil
	}
	num := func() (int64, error) {
		switch x := v.(type) {
		case int64:
			return x, nil
		case string:
			return strconv.ParseInt(x, 10, 64)
		}
		return 0, fmt.Errorf("option %s takes a whole number", k)
	}
	switch k {
	case "format":
		s, err := str()
		if err != nil {
			return err
		}
		if !strings.EqualFold(s, "parquet") {
			return fmt.Errorf("format %q is not supported (only parquet)", s)
		}
	case "mode":
		s, err := str()
		if err != nil {
			return err
		}
		switch m := sinks.Mode(strings.ToLower(s)); m {
		case sinks.Append, sinks.Upsert, sinks.Update:
			o.Mode = m
		default:
			return fmt.Errorf("mode %q is not supported (append, upsert, update)", s)
		}
	case "batch_size":
		n, err := num()
		if err != nil || n < 1 || n > 1<<20 {
			return fmt.Errorf("batch_size must be between 1 and 1048576")
		}
		o.BatchSize = int(n)
	case "on_error":
		s, err := str()
		if err != nil {
			return err
		}
		s = strings.ToLower(s)
		if s != "continue" && s != "abort" {
			return fmt.Errorf("on_error must be 'continue' or 'abort'")
		}
		o.OnError = s
	case "on_missing_node":
		s, err := str()
		if err != nil {
			return err
		}
		s = strings.ToLower(s)
		if s != MissingNodeError && s != MissingNodeSkip && s != MissingNodeCreate {
			return fmt.Errorf("on_missing_node must be 'error', 'skip' or 'create'")
		}
		o.OnMissingNode = s
	case "duplicate_edges", "self_loops":
		s, err := str()
		if err != nil {
			return err
		}
		s = strings.ToLower(s)
		if s != "keep" && s != "skip" {
			return fmt.Errorf("%s must be 'keep' or 'skip'", k)
		}
		if k == "duplicate_edges" {
			o.DuplicateEdges = s
		} else {
			o.SelfLoops = s
		}
	case "error_table":
		s, err := str()
		if err != nil {
			return err
		}
		if !lake.ValidName(s) {
			return fmt.Errorf("error_table: invalid table name %q", s)
		}
		o.ErrorTable = s
	case "max_errors":
		n, err := num()
		if err != nil || n < 0 {
			return fmt.Errorf("max_errors must be a whole number >= 0")
		}
		o.MaxErrors = n
	case "primary_key", "key_columns":
		var cols []string
		switch x := v.(type) {
		case string:
			for _, part := range strings.Split(x, ",") {
				cols = append(cols, strings.TrimSpace(part))
			}
		case []any:
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("%s takes column names", k)
				}
				cols = append(cols, s)
			}
		default:
			return fmt.Errorf("%s takes a column name or a list", k)
		}
		if k == "primary_key" {
			o.PrimaryKey = cols
		} else {
			o.KeyColumns = cols
		}
	case "detect_vectors":
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("detect_vectors takes true or false")
		}
		o.DetectVectors = b
	case "build_indexes":
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("build_indexes takes true or false")
		}
		o.BuildIndexes = b
	case "index_type", "index_metric":
		s, err := str()
		if err != nil {
			return err
		}
		if k == "index_type" {
			o.IndexType = s
		} else {
			o.IndexMetric = s
		}
	case "hnsw_m", "hnsw_ef_construction", "hnsw_ef_search", "ivf_nlist", "ivf_m", "ivf_nbits", "ivf_nprobe", "ivf_rerank", "index_segment_rows":
		n, err := num()
		if err != nil {
			return err
		}
		if o.IndexOptions == nil {
			o.IndexOptions = map[string]int{}
		}
		o.IndexOptions[strings.TrimPrefix(k, "index_")] = int(n)
	case "staging":
		s, err := str()
		if err != nil {
			return err
		}
		o.Staging = s
	case "partition_columns":
		switch x := v.(type) {
		case string:
			for _, part := range strings.Split(x, ",") {
				o.PartitionColumns = append(o.PartitionColumns, strings.TrimSpace(part))
			}
		case []any:
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("partition_columns takes column names")
				}
				o.PartitionColumns = append(o.PartitionColumns, s)
			}
		default:
			return fmt.Errorf("partition_columns takes a column name or a list")
		}
		for _, c := range o.PartitionColumns {
			if !lake.ValidName(c) {
				return fmt.Errorf("invalid partition column name %q", c)
			}
		}
	case "filter", "partition_filter":
		s, err := str()
		if err != nil {
			return err
		}
		if o.Filter != "" {
			return fmt.Errorf("give one of filter and partition_filter (they are the same option)")
		}
		o.Filter = s
	case "parallel_workers":
		n, err := num()
		if err != nil || n < 1 || n > 1024 {
			return fmt.Errorf("parallel_workers must be between 1 and 1024")
		}
		o.Workers = int(n)
	case "region", "endpoint", "credentials":
		s, err := str()
		if err != nil {
			return err
		}
		setSourceOption(&o.Source, k, s)
	default:
		return unknownName("option", k, Options)
	}
	return nil
}

func (p *parser) selectStmt() (Statement, error) {
	s := Select{Limit: -1}
	if p.kw("count") || p.kw("COUNT") {
		if err := p.expectSym("("); err != nil {
			return nil, err
		}
		if err := p.expectSym("*"); err != nil {
			return nil, err
		}
		if err := p.expectSym(")"); err != nil {
			return nil, err
		}
		s.Count = true
	} else {
		s.Star = p.sym("*")
		for more := !s.Star || p.sym(","); more; more = p.sym(",") {
			var it Item
			e, ok, err := p.vectorExpr()
			if err != nil {
				return nil, err
			}
			if ok {
				it.Vector = e
			} else if it.Column, err = p.ident("a column name or a vector comparison"); err != nil {
				return nil, err
			}
			if p.kw("AS") {
				if it.Alias, err = p.ident("a name after AS"); err != nil {
					return nil, err
				}
			}
			s.Items = append(s.Items, it)
		}
	}
	if err := p.expectKw("FROM"); err != nil {
		return nil, err
	}
	var err error
	if s.Table, err = p.ident("a table name"); err != nil {
		return nil, err
	}
	if p.sym("(") {
		f := &TableFunc{Name: s.Table}
		if f.Args, err = p.funcArgs(); err != nil {
			return nil, err
		}
		s.Func = f
	}
	if p.kw("AT") {
		if s.At, err = p.atRef(); err != nil {
			return nil, err
		}
	}
	if p.kw("WHERE") {
		if s.Where, err = p.where(); err != nil {
			return nil, err
		}
	}
	if p.kw("ORDER", "BY") {
		o := &OrderBy{}
		e, ok, err := p.vectorExpr()
		if err != nil {
			return nil, err
		}
		if ok {
			o.Vector = e
		} else if o.Name, err = p.ident("a column, a name given with AS, or a vector comparison after ORDER BY"); err != nil {
			return nil, err
		}
		if p.kw("DESC") {
			o.Desc = true
		} else {
			p.kw("ASC")
		}
		s.OrderBy = o
	}
	if p.kw("LIMIT") {
		t := p.advance()
		n, err := strconv.Atoi(t.text)
		if t.kind != tNumber || err != nil || n < 0 {
			return nil, p.errorf("LIMIT takes a whole number")
		}
		s.Limit = n
	}
	return s, nil
}

// setSourceOption sets region, endpoint or credentials, the bucket
// options that imports and exports share.
func setSourceOption(o *sources.Options, k, v string) {
	switch k {
	case "region":
		o.Region = v
	case "endpoint":
		o.Endpoint = v
	default:
		o.Credentials = v
	}
}
