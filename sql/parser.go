package sql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Parse parses a script of statements separated by semicolons. It checks
// syntax only: names, types and options are bound by the engine, which
// places its errors with ErrorAt at the nodes' positions.
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
		text := strings.TrimSpace(string([]rune(src)[start:p.peek().pos]))
		switch x := s.(type) {
		case Copy:
			x.Text = text
			s = x
		case Export:
			x.Text = text
			s = x
		case Delete:
			x.Statement = text
			s = x
		case Insert:
			x.Statement = text
			s = x
		case Update:
			x.Statement = text
			s = x
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

// unsupportedCall is the error for name(...) where a SELECT takes a
// column: an aggregate or function lakelink does not have (the vector
// comparisons parse before this).
func (p *parser) unsupportedCall(at token, name string) error {
	var msg string
	switch strings.ToLower(name) {
	case "count":
		msg = "count(*) stands alone: SELECT count(*) FROM t [WHERE ...] counts rows; counts beside columns (GROUP BY) are not supported"
	case "min", "max", "sum", "avg":
		msg = fmt.Sprintf("aggregate %s() is not supported: SELECT returns rows, count(*) and vector comparisons (ORDER BY column DESC LIMIT 1 gives a maximum)", strings.ToLower(name))
	default:
		msg = fmt.Sprintf("%s() is not a function a SELECT item can call (the vector comparisons are %s, and the operators <=>, <-> and <#>)", name, strings.Join(VectorFuncs, ", "))
	}
	return syntaxError([]rune(p.src), at.pos, at.String(), msg)
}

// errorf is a syntax error at the next token.
func (p *parser) errorf(f string, a ...any) error {
	t := p.peek()
	return syntaxError([]rune(p.src), t.pos, t.String(), fmt.Sprintf(f, a...))
}

// kw consumes the keywords if they are next.
func (p *parser) kw(words ...string) bool {
	for k, w := range words {
		t := p.toks[min(p.i+k, len(p.toks)-1)]
		if t.kind != tIdent || t.quoted || !strings.EqualFold(t.text, w) {
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
	case p.kw("INSERT", "INTO"):
		return p.insert()
	case p.kw("UPDATE"):
		return p.update()
	case p.kw("SELECT"):
		return p.selectStmt()
	case p.kw("BEGIN"), p.kw("START", "TRANSACTION"):
		p.kw("TRANSACTION")
		p.kw("WORK")
		return Transaction{Kind: "BEGIN"}, nil
	case p.kw("COMMIT"), p.kw("END"):
		p.kw("TRANSACTION")
		p.kw("WORK")
		return Transaction{Kind: "COMMIT"}, nil
	case p.kw("ROLLBACK"), p.kw("ABORT"):
		p.kw("TRANSACTION")
		p.kw("WORK")
		return Transaction{Kind: "ROLLBACK"}, nil
	case p.kw("SHOW"):
		if p.kw("ALL") {
			return Show{Name: "all"}, nil
		}
		if p.kw("TABLES") {
			return Show{Name: "tables"}, nil
		}
		name, err := p.ident("a setting name or ALL")
		if err != nil {
			return nil, err
		}
		for p.sym(".") {
			part, err := p.ident("a setting name")
			if err != nil {
				return nil, err
			}
			name += "." + part
		}
		return Show{Name: strings.ToLower(name)}, nil
	case p.kw("CREATE", "TAG"):
		x := CreateTag{}
		var err error
		if x.Name, err = p.ident("a tag name"); err != nil {
			return nil, err
		}
		if p.kw("AT", "COMMIT") {
			t := p.advance()
			n, err := strconv.ParseUint(t.text, 10, 64)
			if t.kind != tNumber || err != nil || n == 0 {
				return nil, syntaxError([]rune(p.src), t.pos, t.String(), "AT COMMIT takes a commit number")
			}
			x.Commit = n
		}
		if p.kw("MESSAGE") {
			t := p.advance()
			if t.kind != tString {
				return nil, syntaxError([]rune(p.src), t.pos, t.String(), "MESSAGE takes a quoted text")
			}
			x.Message = t.text
		}
		return x, nil
	case p.kw("DROP", "TAG"):
		name, err := p.ident("a tag name")
		return DropTag{Name: name}, err
	case p.kw("REVERT"):
		t := p.advance()
		if t.kind != tString && t.kind != tNumber {
			return nil, syntaxError([]rune(p.src), t.pos, t.String(), "REVERT takes a commit number, or a tag or time in quotes")
		}
		return Revert{Ref: t.text}, nil
	case p.kw("GC"):
		x := GC{}
		if err := p.expectKw("KEEP"); err != nil {
			return nil, err
		}
		t := p.advance()
		n, err := strconv.Atoi(t.text)
		if t.kind != tNumber || err != nil || n < 0 {
			return nil, syntaxError([]rune(p.src), t.pos, t.String(), "GC KEEP takes a whole number of days, 0 or more")
		}
		x.KeepDays = n
		if err := p.expectKw("DAYS"); err != nil {
			return nil, err
		}
		x.DryRun = p.kw("DRY", "RUN")
		return x, nil
	case p.kw("COMPACT"):
		p.kw("TABLE")
		name, err := p.ident("a table name")
		return Compact{Table: name}, err
	case p.kw("EXPLAIN"):
		p.kw("ANALYZE")
		if !p.kw("SELECT") {
			return nil, p.errorf("EXPLAIN takes a SELECT")
		}
		q, err := p.selectStmt()
		if err != nil {
			return nil, err
		}
		sel, ok := q.(Select)
		if !ok {
			return nil, p.errorf("EXPLAIN takes a SELECT with FROM")
		}
		return Explain{Query: sel}, nil
	case p.kw("DESCRIBE"), p.kw("DESC"):
		p.kw("TABLE")
		name, err := p.ident("a table name")
		if err != nil {
			return nil, err
		}
		return DescribeTable{Name: name}, nil
	case p.kw("TIER", "RUN"):
		r := TierRun{}
		if t := p.peek(); t.kind == tIdent {
			var err error
			if r.Table, err = p.ident("a table name"); err != nil {
				return nil, err
			}
		}
		return r, nil
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
	return nil, p.errorf("expected CREATE TABLE, ALTER TABLE, DROP TABLE, CREATE GRAPH, DROP GRAPH, CREATE INDEX, DROP INDEX, COPY, SELECT, INSERT, UPDATE, DELETE, SET, SHOW, DESCRIBE, TIER RUN, BEGIN, COMMIT or ROLLBACK")
}

func (p *parser) createIndex() (Statement, error) {
	ci := CreateIndex{IfNotExists: p.kw("IF", "NOT", "EXISTS")}
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
		if ci.Using, err = p.ident("an index type (hnsw, flat, auto)"); err != nil {
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
	ci.Options, err = p.withOptions()
	return ci, err
}

func (p *parser) createTable() (Statement, error) {
	ct := CreateTable{IfNotExists: p.kw("IF", "NOT", "EXISTS"), Pos: p.peek().pos}
	var err error
	if ct.Name, err = p.ident("a table name"); err != nil {
		return nil, err
	}
	if ct.Columns, ct.PrimaryKey, err = p.tableBody(); err != nil {
		return nil, err
	}
	for _, c := range ct.Columns {
		if c.References != nil {
			return nil, fmt.Errorf("CREATE TABLE %s: REFERENCES is for the EDGE tables of CREATE GRAPH", ct.Name)
		}
	}
	return ct, nil
}

// tableBody parses (col TYPE [constraints], ..., [PRIMARY KEY (a, b)]).
func (p *parser) tableBody() (cols []ColumnDef, key []string, err error) {
	if err := p.expectSym("("); err != nil {
		return nil, nil, err
	}
	for {
		if p.kw("PRIMARY", "KEY") {
			if err := p.expectSym("("); err != nil {
				return nil, nil, err
			}
			for {
				k, err := p.ident("a key column")
				if err != nil {
					return nil, nil, err
				}
				key = append(key, k)
				if !p.sym(",") {
					break
				}
			}
			if err := p.expectSym(")"); err != nil {
				return nil, nil, err
			}
		} else {
			c, err := p.columnDef(true)
			if err != nil {
				return nil, nil, err
			}
			cols = append(cols, c)
		}
		if !p.sym(",") {
			break
		}
	}
	return cols, key, p.expectSym(")")
}

// columnDef parses col TYPE and its constraints; keys says whether
// PRIMARY KEY and REFERENCES may follow.
func (p *parser) columnDef(keys bool) (ColumnDef, error) {
	var c ColumnDef
	var err error
	if c.Name, err = p.ident("a column name"); err != nil {
		return c, err
	}
	c.TypePos = p.peek().pos
	if c.Type, err = p.typ(); err != nil {
		return c, err
	}
	for {
		switch {
		case p.kw("NOT", "NULL"):
			c.NotNull = true
		case p.kw("NULL"):
		case keys && p.kw("PRIMARY", "KEY"):
			c.NotNull, c.PrimaryKey = true, true
		case keys && p.kw("REFERENCES"):
			r := &Reference{}
			if r.Table, err = p.ident("a node table after REFERENCES"); err != nil {
				return c, err
			}
			if p.sym("(") {
				if r.Column, err = p.ident("its id column"); err != nil {
					return c, err
				}
				if err := p.expectSym(")"); err != nil {
					return c, err
				}
			}
			c.References = r
		case p.kw("DEFAULT"):
			at := p.peek().pos
			v, err := p.literal()
			if err != nil {
				return c, err
			}
			c.Default = &Literal{Value: v, Pos: at}
		default:
			return c, nil
		}
	}
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
		a.Column, err = p.columnDef(false)
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
	case p.kw("SET"):
		a.Action = "set"
		a.Settings, err = p.settingList(true)
	case p.kw("RESET"):
		a.Action = "reset"
		a.Settings, err = p.settingList(false)
	case p.kw("TIER"):
		a.Action = "tier"
		if err := p.expectKw("PARTITION"); err != nil {
			return nil, err
		}
		if err := p.expectKw("WHERE"); err != nil {
			return nil, err
		}
		if a.Where, err = p.where(); err != nil {
			return nil, err
		}
		if err := p.expectKw("TO"); err != nil {
			return nil, err
		}
		switch {
		case p.kw("COLD"):
			a.TierTo = "cold"
		case p.kw("HOT"):
			a.TierTo = "hot"
		default:
			return nil, p.errorf("expected COLD or HOT")
		}
	default:
		return nil, p.errorf("expected ADD, DROP, RENAME, SET, RESET or TIER")
	}
	return a, err
}

// settingList parses (name = value, ...), or with values false (name,
// ...); names in lower case.
func (p *parser) settingList(values bool) ([]Option, error) {
	if err := p.expectSym("("); err != nil {
		return nil, err
	}
	var out []Option
	for {
		at := p.peek().pos
		k, err := p.ident("a setting name")
		if err != nil {
			return nil, err
		}
		o := Option{Name: strings.ToLower(k), Pos: at}
		if values {
			if err := p.expectSym("="); err != nil {
				return nil, err
			}
			if o.Value, err = p.literal(); err != nil {
				return nil, err
			}
		}
		out = append(out, o)
		if !p.sym(",") {
			break
		}
	}
	return out, p.expectSym(")")
}

// typ reads a type name as written: words, an optional (args), an
// optional []. Whether it names a type is the engine's to say.
func (p *parser) typ() (string, error) {
	var b strings.Builder
	w, err := p.ident("a type")
	if err != nil {
		return "", err
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
				return "", p.errorf("unclosed type arguments")
			}
			b.WriteString(t.text)
		}
		b.WriteString(")")
	}
	if p.sym("[") {
		if err := p.expectSym("]"); err != nil {
			return "", err
		}
		b.WriteString("[]")
	}
	return b.String(), nil
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
	var c Copy
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
		if c.Sources, err = p.strings(); err != nil {
			return nil, err
		}
		if err := p.expectKw("INTO"); err != nil {
			return nil, err
		}
		c.Graph = p.kw("GRAPH")
		if c.Table, err = p.ident("a table name"); err != nil {
			return nil, err
		}
		if c.Columns, err = p.columnList(); err != nil {
			return nil, err
		}
	} else { // COPY t [(cols)] FROM 'src'
		if c.Table, err = p.ident("FROM or a table name"); err != nil {
			return nil, err
		}
		if c.Columns, err = p.columnList(); err != nil {
			return nil, err
		}
		if p.kw("TO") { // COPY t [(cols)] TO 'url'
			q := Select{Table: c.Table, Star: len(c.Columns) == 0, Limit: -1}
			for _, col := range c.Columns {
				q.Items = append(q.Items, Item{Column: col})
			}
			return p.export(q)
		}
		if !p.kw("FROM") {
			return nil, p.errorf("expected FROM or TO")
		}
		if c.Sources, err = p.strings(); err != nil {
			return nil, err
		}
	}
	if p.kw("MAP", "COLUMNS") {
		if err := p.expectSym("("); err != nil {
			return nil, err
		}
		for {
			var m ColumnMap
			if m.Source, err = p.ident("a source column"); err != nil {
				return nil, err
			}
			if err := p.expectSym("=>"); err != nil {
				return nil, err
			}
			if m.Target, err = p.ident("a table column"); err != nil {
				return nil, err
			}
			if p.sym("::") {
				m.CastPos = p.peek().pos
				if m.Cast, err = p.typ(); err != nil {
					return nil, err
				}
			}
			c.Maps = append(c.Maps, m)
			if !p.sym(",") {
				break
			}
		}
		if err := p.expectSym(")"); err != nil {
			return nil, err
		}
	}
	c.Options, err = p.withOptions()
	return c, err
}

func (p *parser) export(q Select) (Statement, error) {
	switch {
	case q.Count, q.Func != nil:
		return nil, p.errorf("COPY (SELECT ...) TO exports rows of a table: count(*) and table functions are not exportable")
	case q.OrderBy != nil || q.Limit >= 0 || q.Offset > 0:
		return nil, p.errorf("COPY (SELECT ...) TO writes rows in key order: ORDER BY, LIMIT and OFFSET are not supported")
	case q.Sub != nil || q.Join != nil:
		return nil, p.errorf("COPY (SELECT ...) TO exports rows of one table: subqueries and joins are not exportable yet")
	case q.Aggregated() || q.Having != nil:
		return nil, p.errorf("COPY (SELECT ...) TO exports rows as they are stored: GROUP BY, DISTINCT and aggregates are not exportable yet")
	}
	for _, it := range q.Items {
		if it.Vector != nil {
			return nil, p.errorf("COPY (SELECT ...) TO exports columns: %s is not a column", it.Name())
		}
		if it.Alias != "" && !strings.EqualFold(it.Alias, it.Column) {
			return nil, syntaxError([]rune(p.src), it.AliasPos, "AS", fmt.Sprintf("COPY (SELECT ...) TO: AS renames are not supported (%s AS %s)", it.Column, it.Alias))
		}
	}
	urls, err := p.strings()
	if err != nil {
		return nil, err
	}
	if len(urls) != 1 {
		return nil, p.errorf("COPY ... TO takes one destination")
	}
	e := Export{Query: q, URL: urls[0]}
	e.Options, err = p.withOptions()
	return e, err
}

// withOptions parses an optional WITH (name = value, ...), names in lower
// case.
func (p *parser) withOptions() ([]Option, error) {
	if !p.kw("WITH") {
		return nil, nil
	}
	if err := p.expectSym("("); err != nil {
		return nil, err
	}
	var out []Option
	for {
		at := p.peek().pos
		k, err := p.ident("an option name")
		if err != nil {
			return nil, err
		}
		if err := p.expectSym("="); err != nil {
			return nil, err
		}
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		out = append(out, Option{Name: strings.ToLower(k), Value: v, Pos: at})
		if !p.sym(",") {
			break
		}
	}
	return out, p.expectSym(")")
}

// literal parses a string, number, TRUE/FALSE/NULL, bare word (as a
// string), or a bracketed list of those.
// valuesSelect parses SELECT without FROM of what clients send to check a
// connection: literals (SELECT 1) and version(), with AS names. ok is
// false, and nothing is consumed, when the SELECT is not one.
func (p *parser) valuesSelect() (Statement, bool, error) {
	isValue := func(i int) bool {
		t := p.toks[min(i, len(p.toks)-1)]
		if t.kind == tString || t.kind == tNumber {
			return true
		}
		next := p.toks[min(i+1, len(p.toks)-1)]
		return t.kind == tIdent && !t.quoted && strings.EqualFold(t.text, "version") && next.kind == tSym && next.text == "("
	}
	if !isValue(p.i) {
		return nil, false, nil
	}
	var v Values
	for {
		var it ValueItem
		if p.kw("version") {
			if err := p.expectSym("("); err != nil {
				return nil, true, err
			}
			if err := p.expectSym(")"); err != nil {
				return nil, true, err
			}
			it.Func = "version"
		} else {
			lit, err := p.literal()
			if err != nil {
				return nil, true, err
			}
			it.Value = lit
		}
		if p.kw("AS") {
			name, err := p.ident("a name after AS")
			if err != nil {
				return nil, true, err
			}
			it.Alias = name
		}
		v.Items = append(v.Items, it)
		if !p.sym(",") {
			break
		}
		if !isValue(p.i) {
			return nil, true, p.errorf("expected a literal or version(): SELECT without FROM takes those only")
		}
	}
	return v, true, nil
}

func (p *parser) literal() (any, error) {
	t := p.peek()
	if t.kind == tNumber || t.kind == tSym && (t.text == "(" || t.text == "-") && p.arithmeticNext() {
		return p.constSum()
	}
	return p.literal1()
}

// arithmeticNext reports whether a constant arithmetic expression starts
// here: ( or - before a number.
func (p *parser) arithmeticNext() bool {
	for k := p.i; k < len(p.toks); k++ {
		t := p.toks[k]
		if t.kind == tSym && (t.text == "(" || t.text == "-") {
			continue
		}
		return t.kind == tNumber
	}
	return false
}

// constSum folds a constant arithmetic expression of numbers: + and -
// over *, / and % over unary minus and parentheses, as PostgreSQL
// evaluates it (whole numbers divide to whole numbers).
func (p *parser) constSum() (any, error) {
	l, err := p.constProduct()
	for err == nil {
		t := p.peek()
		if t.kind != tSym || t.text != "+" && t.text != "-" {
			break
		}
		p.i++
		var r any
		if r, err = p.constProduct(); err == nil {
			l, err = p.arith(t, l, r)
		}
	}
	return l, err
}

func (p *parser) constProduct() (any, error) {
	l, err := p.constFactor()
	for err == nil {
		t := p.peek()
		if t.kind != tSym || t.text != "*" && t.text != "/" && t.text != "%" {
			break
		}
		p.i++
		var r any
		if r, err = p.constFactor(); err == nil {
			l, err = p.arith(t, l, r)
		}
	}
	return l, err
}

func (p *parser) constFactor() (any, error) {
	switch t := p.peek(); {
	case t.kind == tSym && t.text == "(":
		p.i++
		v, err := p.constSum()
		if err != nil {
			return nil, err
		}
		return v, p.expectSym(")")
	case t.kind == tSym && t.text == "-":
		p.i++
		v, err := p.constFactor()
		if err != nil {
			return nil, err
		}
		return p.arith(token{kind: tSym, text: "-", pos: t.pos}, int64(0), v)
	case t.kind == tNumber:
		return p.literal1()
	}
	return nil, p.errorf("expected a number: arithmetic takes numbers only (columns in expressions are not supported yet)")
}

// arith applies one operator to two numbers.
func (p *parser) arith(op token, a, b any) (any, error) {
	x, xInt := a.(int64)
	y, yInt := b.(int64)
	if xInt && yInt {
		switch op.text {
		case "+":
			if (y > 0 && x > math.MaxInt64-y) || (y < 0 && x < math.MinInt64-y) {
				break
			}
			return x + y, nil
		case "-":
			if (y < 0 && x > math.MaxInt64+y) || (y > 0 && x < math.MinInt64+y) {
				break
			}
			return x - y, nil
		case "*":
			if x == 0 || y == 0 {
				return int64(0), nil
			}
			if m := x * y; m/y == x && !(x == -1 && y == math.MinInt64) && !(y == -1 && x == math.MinInt64) {
				return m, nil
			}
		case "/", "%":
			if y == 0 {
				return nil, syntaxError([]rune(p.src), op.pos, op.text, "division by zero")
			}
			if op.text == "/" {
				return x / y, nil
			}
			return x % y, nil
		}
	}
	f, g := toFloat(a), toFloat(b)
	switch op.text {
	case "+":
		return f + g, nil
	case "-":
		return f - g, nil
	case "*":
		return f * g, nil
	case "/":
		if g == 0 {
			return nil, syntaxError([]rune(p.src), op.pos, op.text, "division by zero")
		}
		return f / g, nil
	}
	if g == 0 {
		return nil, syntaxError([]rune(p.src), op.pos, op.text, "division by zero")
	}
	return math.Mod(f, g), nil
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// literal1 parses one literal, without arithmetic.
func (p *parser) literal1() (any, error) {
	t := p.peek()
	switch {
	case t.kind == tParam:
		p.i++
		n, err := strconv.Atoi(t.text)
		if err != nil || n < 1 {
			return nil, p.errorf("bad parameter $%s", t.text)
		}
		return Param{N: n}, nil
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
	case t.kind == tIdent && t.quoted:
		p.i++
		return t.text, nil
	case t.kind == tIdent:
		p.i++
		switch strings.ToUpper(t.text) {
		case "TRUE":
			return true, nil
		case "FALSE":
			return false, nil
		case "NULL":
			return nil, nil
		case "INTERVAL":
			if n := p.peek(); n.kind == tString {
				p.i++
				return Interval{Text: n.text}, nil
			}
		}
		return t.text, nil
	case p.sym("["):
		out := []any{}
		for !p.sym("]") {
			v, err := p.literal1()
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

func (p *parser) selectStmt() (Statement, error) {
	if v, ok, err := p.valuesSelect(); ok || err != nil {
		return v, err
	}
	s := Select{Limit: -1, Src: p.src}
	s.Distinct = p.kw("DISTINCT")
	s.Star = p.sym("*")
	for more := !s.Star || p.sym(","); more; more = p.sym(",") {
		var it Item
		at := p.peek()
		it.Pos = at.pos
		e, ok, err := p.vectorExpr()
		if err != nil {
			return nil, err
		}
		switch {
		case ok:
			it.Vector = e
		case p.aggregateNext():
			if it.Agg, it.Column, err = p.aggregate(); err != nil {
				return nil, err
			}
		default:
			if it.Column, err = p.ident("a column name, an aggregate or a vector comparison"); err != nil {
				return nil, err
			}
			if p.peek().kind == tSym && p.peek().text == "(" {
				return nil, p.unsupportedCall(at, it.Column)
			}
		}
		it.AliasPos = p.peek().pos
		if p.kw("AS") {
			if it.Alias, err = p.ident("a name after AS"); err != nil {
				return nil, err
			}
		}
		s.Items = append(s.Items, it)
	}
	// count(*) alone, without GROUP BY: the count the catalog answers.
	if len(s.Items) == 1 && !s.Star && !s.Distinct && s.Items[0].Agg == "count" && s.Items[0].Column == "" && s.Items[0].Alias == "" {
		s.Count, s.Items = true, nil
	}
	if err := p.expectKw("FROM"); err != nil {
		return nil, err
	}
	var err error
	if p.sym("(") { // FROM (SELECT ...) alias
		if !p.kw("SELECT") {
			return nil, p.errorf("expected SELECT: FROM ( takes a subquery")
		}
		sub, err := p.selectStmt()
		if err != nil {
			return nil, err
		}
		sel, ok := sub.(Select)
		if !ok {
			return nil, p.errorf("a subquery reads a table: SELECT ... FROM t")
		}
		if err := p.expectSym(")"); err != nil {
			return nil, err
		}
		s.Sub = &sel
		p.kw("AS")
		if s.Alias, err = p.ident("a name for the subquery: FROM (SELECT ...) AS d"); err != nil {
			return nil, err
		}
	} else {
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
		if s.Alias, err = p.alias(); err != nil {
			return nil, err
		}
	}
	if j, err := p.join(); err != nil {
		return nil, err
	} else if j != nil {
		if s.Alias == "" {
			s.Alias = s.Table
		}
		s.Join = j
	}
	if p.kw("WHERE") {
		if s.Where, err = p.where(); err != nil {
			return nil, err
		}
	}
	if p.kw("GROUP", "BY") {
		for {
			g := GroupTerm{Pos: p.peek().pos}
			if t := p.peek(); t.kind == tNumber {
				n, err := strconv.Atoi(t.text)
				if err != nil || n < 1 {
					return nil, p.errorf("GROUP BY takes a column or a select item's position (1, 2, ...)")
				}
				p.i++
				g.Ordinal = n
			} else if g.Name, err = p.ident("a column or a position after GROUP BY"); err != nil {
				return nil, err
			}
			s.GroupBy = append(s.GroupBy, g)
			if !p.sym(",") {
				break
			}
		}
	}
	if p.kw("HAVING") {
		if len(s.GroupBy) == 0 && !s.Aggregated() {
			return nil, p.errorf("HAVING filters groups: GROUP BY or an aggregate comes first")
		}
		if s.Having, err = p.where(); err != nil {
			return nil, err
		}
	}
	if s.Count && (len(s.GroupBy) > 0 || s.Having != nil) {
		s.Count, s.Items = false, []Item{{Agg: "count"}}
	}
	if p.kw("ORDER", "BY") {
		for {
			o, err := p.orderTerm()
			if err != nil {
				return nil, err
			}
			if s.OrderBy == nil {
				s.OrderBy = o
			} else {
				if o.Vector != nil {
					return nil, p.errorf("a vector comparison orders first: ORDER BY embedding <=> $1, other terms")
				}
				s.ThenBy = append(s.ThenBy, *o)
			}
			if !p.sym(",") {
				break
			}
		}
	}
	if p.kw("LIMIT") {
		t := p.advance()
		n, err := strconv.Atoi(t.text)
		if t.kind != tNumber || err != nil || n < 0 {
			return nil, syntaxError([]rune(p.src), t.pos, t.String(), "LIMIT takes a whole number, 0 or more")
		}
		s.Limit = n
	}
	if err := s.checkGroups(); err != nil {
		return nil, err
	}
	if p.kw("OFFSET") {
		t := p.advance()
		n, err := strconv.Atoi(t.text)
		if t.kind != tNumber || err != nil || n < 0 {
			return nil, syntaxError([]rune(p.src), t.pos, t.String(), "OFFSET takes a whole number, 0 or more")
		}
		s.Offset = n
		if p.kw("LIMIT") && s.Limit < 0 { // OFFSET n LIMIT m, as PostgreSQL takes it too
			t := p.advance()
			n, err := strconv.Atoi(t.text)
			if t.kind != tNumber || err != nil || n < 0 {
				return nil, syntaxError([]rune(p.src), t.pos, t.String(), "LIMIT takes a whole number, 0 or more")
			}
			s.Limit = n
		}
	}
	return s, nil
}

// aggregateNext reports whether an aggregate call is next: count(, sum(,
// avg(, min( or max(.
func (p *parser) aggregateNext() bool {
	t := p.peek()
	if t.kind != tIdent || t.quoted || p.toks[min(p.i+1, len(p.toks)-1)].text != "(" {
		return false
	}
	for _, a := range Aggregates {
		if strings.EqualFold(t.text, a) {
			return true
		}
	}
	return false
}

// aggregate parses an aggregate call: count(*), or f(column).
func (p *parser) aggregate() (agg, column string, err error) {
	agg = strings.ToLower(p.advance().text)
	p.i++ // (
	if agg == "count" && p.sym("*") {
		return agg, "", p.expectSym(")")
	}
	if column, err = p.ident("a column in " + agg + "(...)"); err != nil {
		return "", "", err
	}
	return agg, column, p.expectSym(")")
}

func (p *parser) createGraph() (Statement, error) {
	cg := CreateGraph{IfNotExists: p.kw("IF", "NOT", "EXISTS")}
	var err error
	if cg.Name, err = p.ident("a graph name"); err != nil {
		return nil, err
	}
	if err := p.expectSym("("); err != nil {
		return nil, err
	}
	for {
		node := p.kw("NODE")
		if !node && !p.kw("EDGE") {
			return nil, p.errorf("expected NODE or EDGE")
		}
		t := GraphTable{Edge: !node, Pos: p.peek().pos}
		if t.Name, err = p.ident("a table name"); err != nil {
			return nil, err
		}
		if t.Columns, t.PrimaryKey, err = p.tableBody(); err != nil {
			return nil, err
		}
		if node {
			for _, c := range t.Columns {
				if c.References != nil {
					return nil, fmt.Errorf("CREATE GRAPH %s: NODE %s: REFERENCES belongs in EDGE tables", cg.Name, t.Name)
				}
			}
		}
		cg.Tables = append(cg.Tables, t)
		if !p.sym(",") {
			break
		}
	}
	return cg, p.expectSym(")")
}

// atRef parses the clause after AT.
func (p *parser) atRef() (*AtRef, error) {
	if err := p.expectSym("("); err != nil {
		return nil, err
	}
	kind, err := p.ident("TAG, COMMIT or TIMESTAMP")
	if err != nil {
		return nil, err
	}
	a := &AtRef{Kind: strings.ToLower(kind)}
	if a.Kind != "tag" && a.Kind != "commit" && a.Kind != "timestamp" {
		return nil, p.errorf("AT takes TAG, COMMIT or TIMESTAMP, not %s", kind)
	}
	if err := p.expectSym("=>"); err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != tString && !(a.Kind == "commit" && t.kind == tNumber) {
		return nil, p.errorf("AT (%s => ...) takes a quoted value%s", strings.ToUpper(a.Kind), map[bool]string{true: " or a commit number"}[a.Kind == "commit"])
	}
	p.i++
	a.Value = t.text
	return a, p.expectSym(")")
}

// funcArgs parses a table function's arguments after its name and "(".
func (p *parser) funcArgs() ([]FuncArg, error) {
	var args []FuncArg
	if p.sym(")") {
		return nil, nil
	}
	for {
		t := p.peek()
		switch t.kind {
		case tString:
			args = append(args, FuncArg{Value: t.text})
		case tNumber:
			n, err := strconv.ParseInt(t.text, 10, 64)
			if err != nil {
				return nil, p.errorf("expected a whole number")
			}
			args = append(args, FuncArg{Value: n})
		case tParam:
			n, err := strconv.Atoi(t.text)
			if err != nil || n < 1 {
				return nil, p.errorf("parameters are numbered from $1")
			}
			args = append(args, FuncArg{Param: n})
		default:
			return nil, p.errorf("expected a quoted value, a number or $N")
		}
		p.i++
		if !p.sym(",") {
			break
		}
	}
	return args, p.expectSym(")")
}

// vectorExpr parses a comparison if one is next: func(col, q) or
// col OP q (or q OP col). ok is false, and nothing is consumed, when the
// next tokens are not one.
func (p *parser) vectorExpr() (e *VectorExpr, ok bool, err error) {
	t := p.peek()
	if t.kind == tIdent && p.toks[min(p.i+1, len(p.toks)-1)].text == "(" {
		name := strings.ToLower(t.text)
		known := false
		for _, f := range VectorFuncs {
			known = known || f == name
		}
		if !known {
			return nil, false, nil
		}
		p.i += 2
		e = &VectorExpr{Func: name}
		err := p.vectorOperands(e, func() error {
			if !p.sym(",") {
				return p.errorf("%s takes a vector column and a query vector", name)
			}
			return nil
		})
		if err == nil {
			err = p.expectSym(")")
		}
		return e, true, err
	}
	// col OP q, or q OP col
	next := p.toks[min(p.i+1, len(p.toks)-1)]
	isOp := func(tok token) bool { _, ok := operatorFuncs[tok.text]; return tok.kind == tSym && ok }
	if !(t.kind == tIdent && isOp(next) || t.kind == tParam || t.kind == tString || t.kind == tSym && t.text == "[") {
		return nil, false, nil
	}
	e = &VectorExpr{}
	err = p.vectorOperands(e, func() error {
		op := p.peek()
		if !isOp(op) {
			return p.errorf("expected <=>, <-> or <#>")
		}
		e.Func = operatorFuncs[op.text]
		p.i++
		return nil
	})
	return e, true, err
}

// vectorOperands parses "a SEP b" where one of a and b is a column and the
// other a query vector, in either order.
func (p *parser) vectorOperands(e *VectorExpr, sep func() error) error {
	for side := 0; side < 2; side++ {
		if side == 1 {
			if err := sep(); err != nil {
				return err
			}
		}
		if t := p.peek(); t.kind == tIdent && e.Column == "" {
			e.Column = t.text
			p.i++
			continue
		}
		q, err := p.vectorArg()
		if err != nil {
			return err
		}
		if e.Query.Param != 0 || e.Query.Literal != nil {
			return p.errorf("compare a vector column with a query vector, not two query vectors")
		}
		e.Query = q
	}
	if e.Column == "" {
		return p.errorf("compare a vector column with a query vector")
	}
	return nil
}

// vectorArg parses $N, '[...]' or [...].
func (p *parser) vectorArg() (VectorArg, error) {
	t := p.peek()
	switch {
	case t.kind == tParam:
		n, err := strconv.Atoi(t.text)
		if err != nil || n < 1 {
			return VectorArg{}, p.errorf("parameters are numbered from $1")
		}
		p.i++
		return VectorArg{Param: n}, nil
	case t.kind == tString:
		v, err := ParseVector(t.text)
		if err != nil {
			return VectorArg{}, p.errorf("%v", err)
		}
		p.i++
		return VectorArg{Literal: v}, nil
	case t.kind == tSym && t.text == "[":
		lit, err := p.literal()
		if err != nil {
			return VectorArg{}, err
		}
		v, err := VectorOf(lit)
		if err != nil {
			return VectorArg{}, p.errorf("%v", err)
		}
		return VectorArg{Literal: v}, nil
	}
	return VectorArg{}, p.errorf("expected a query vector: $1 or '[0.1, 0.2, ...]'")
}

// insert parses INSERT INTO t [(columns)] VALUES (...), (...).
func (p *parser) insert() (Statement, error) {
	x := Insert{}
	var err error
	if x.Table, err = p.ident("a table name"); err != nil {
		return nil, err
	}
	if p.sym("(") {
		for {
			c, err := p.ident("a column name")
			if err != nil {
				return nil, err
			}
			x.Columns = append(x.Columns, c)
			if !p.sym(",") {
				break
			}
		}
		if err := p.expectSym(")"); err != nil {
			return nil, err
		}
	}
	if err := p.expectKw("VALUES"); err != nil {
		return nil, err
	}
	for {
		if err := p.expectSym("("); err != nil {
			return nil, err
		}
		var row []Literal
		for {
			at := p.peek().pos
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			row = append(row, Literal{Value: v, Pos: at})
			if !p.sym(",") {
				break
			}
		}
		if err := p.expectSym(")"); err != nil {
			return nil, err
		}
		x.Rows = append(x.Rows, row)
		if !p.sym(",") {
			break
		}
	}
	return x, nil
}

// update parses UPDATE t SET c = value, ... [WHERE condition].
func (p *parser) update() (Statement, error) {
	x := Update{}
	var err error
	if x.Table, err = p.ident("a table name"); err != nil {
		return nil, err
	}
	if err := p.expectKw("SET"); err != nil {
		return nil, err
	}
	for {
		a := Assignment{Pos: p.peek().pos}
		if a.Column, err = p.ident("a column name"); err != nil {
			return nil, err
		}
		if err := p.expectSym("="); err != nil {
			return nil, err
		}
		at := p.peek().pos
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		if err := p.noColumnArithmetic(); err != nil {
			return nil, err
		}
		a.Value = Literal{Value: v, Pos: at}
		x.Set = append(x.Set, a)
		if !p.sym(",") {
			break
		}
	}
	if p.kw("WHERE") {
		x.Where, err = p.where()
	}
	return x, err
}

// checkGroups refuses what a grouped SELECT cannot answer: *, a vector
// comparison, or a column that is neither grouped by nor aggregated.
func (s Select) checkGroups() error {
	if !s.Aggregated() || s.Distinct && len(s.GroupBy) == 0 && !hasAgg(s.Items) {
		return nil
	}
	src := []rune(s.Src)
	if s.Star {
		return syntaxError(src, 0, "*", "SELECT * cannot be grouped or aggregated: name the columns")
	}
	for _, g := range s.GroupBy {
		if g.Ordinal > len(s.Items) {
			return syntaxError(src, g.Pos, strconv.Itoa(g.Ordinal), fmt.Sprintf("GROUP BY %d: the SELECT has %d item(s)", g.Ordinal, len(s.Items)))
		}
		if g.Ordinal > 0 && s.Items[g.Ordinal-1].Agg != "" {
			return syntaxError(src, g.Pos, strconv.Itoa(g.Ordinal), "GROUP BY cannot name an aggregate")
		}
	}
	grouped := func(i int, it Item) bool {
		for _, g := range s.GroupBy {
			if g.Ordinal == i+1 || g.Name != "" && (strings.EqualFold(g.Name, it.Column) || it.Alias != "" && strings.EqualFold(g.Name, it.Alias)) {
				return true
			}
		}
		return false
	}
	for i, it := range s.Items {
		switch {
		case it.Vector != nil:
			return syntaxError(src, it.Pos, it.Vector.Func, "a vector comparison cannot be grouped or aggregated")
		case it.Agg == "" && !grouped(i, it):
			return syntaxError(src, it.Pos, it.Column, fmt.Sprintf("%s must be in GROUP BY or inside an aggregate (count, sum, avg, min, max)", it.Column))
		}
	}
	return nil
}

func hasAgg(items []Item) bool {
	for _, it := range items {
		if it.Agg != "" {
			return true
		}
	}
	return false
}

// noColumnArithmetic refuses an arithmetic operator after a column or a
// value that is not a number: constant arithmetic (1 - 1, 2 * 0.5) is
// folded, arithmetic on columns is not supported yet.
func (p *parser) noColumnArithmetic() error {
	if t := p.peek(); t.kind == tSym && strings.Contains("+-*/%", t.text) && len(t.text) == 1 {
		return p.errorf("arithmetic on columns is not supported yet: give a value (constant arithmetic such as 10 - 3 is)")
	}
	return nil
}

// notAlias are the words after a table that are not its alias.
var notAlias = map[string]bool{"WHERE": true, "AT": true, "GROUP": true, "HAVING": true, "ORDER": true, "LIMIT": true,
	"OFFSET": true, "JOIN": true, "INNER": true, "LEFT": true, "ON": true}

// alias parses [AS] name after a table, if there is one.
func (p *parser) alias() (string, error) {
	if p.kw("AS") {
		return p.ident("a name after AS")
	}
	if t := p.peek(); t.kind == tIdent && (t.quoted || !notAlias[strings.ToUpper(t.text)]) && !strings.Contains(t.text, ".") {
		p.i++
		return t.text, nil
	}
	return "", nil
}

// join parses [INNER | LEFT [OUTER]] JOIN t [[AS] alias] ON a = b, if
// one is next.
func (p *parser) join() (*Join, error) {
	j := &Join{Pos: p.peek().pos}
	switch {
	case p.kw("JOIN"), p.kw("INNER", "JOIN"):
	case p.kw("LEFT", "JOIN"), p.kw("LEFT", "OUTER", "JOIN"):
		j.Left = true
	default:
		return nil, nil
	}
	var err error
	if j.Table, err = p.ident("a table name after JOIN"); err != nil {
		return nil, err
	}
	if j.Alias, err = p.alias(); err != nil {
		return nil, err
	}
	if j.Alias == "" {
		j.Alias = j.Table
	}
	if err := p.expectKw("ON"); err != nil {
		return nil, err
	}
	j.OnPos = p.peek().pos
	if j.On[0], err = p.ident("a column: ON a.x = b.y"); err != nil {
		return nil, err
	}
	if err := p.expectSym("="); err != nil {
		return nil, err
	}
	if j.On[1], err = p.ident("a column: ON a.x = b.y"); err != nil {
		return nil, err
	}
	if p.peek().kind == tIdent && strings.EqualFold(p.peek().text, "JOIN") {
		return nil, p.errorf("one JOIN per SELECT is supported")
	}
	return j, nil
}

// orderTerm parses one ORDER BY term: a vector comparison, a position,
// an aggregate, or a name, then ASC or DESC.
func (p *parser) orderTerm() (*OrderBy, error) {
	o := &OrderBy{}
	e, ok, err := p.vectorExpr()
	if err != nil {
		return nil, err
	}
	switch {
	case ok:
		o.Vector = e
	case p.peek().kind == tNumber:
		t := p.advance()
		n, err := strconv.Atoi(t.text)
		if err != nil || n < 1 {
			return nil, syntaxError([]rune(p.src), t.pos, t.String(), "ORDER BY takes a column, a name, a select item's position (1, 2, ...) or a vector comparison")
		}
		o.Ordinal = n
	case p.aggregateNext():
		agg, col, err := p.aggregate()
		if err != nil {
			return nil, err
		}
		o.Name = Item{Agg: agg, Column: col}.AggText()
	default:
		if o.Name, err = p.ident("a column, a name given with AS, a position or a vector comparison after ORDER BY"); err != nil {
			return nil, err
		}
	}
	if p.kw("DESC") {
		o.Desc = true
	} else {
		p.kw("ASC")
	}
	return o, nil
}
