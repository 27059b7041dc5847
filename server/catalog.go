package server

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

// psql's backslash commands (\dt, \d t, \l) ask pg_catalog with queries
// of their own, joins over system tables that lakelink's SQL does not
// have. The server recognises those queries, by the catalog tables and
// columns they name, and answers them from the store's catalog in the
// columns psql reads. Each recogniser is one psql query, in the form
// psql 15 (Debian bookworm's postgresql-client, which the tests run)
// sends it; a query that none recognises goes to the engine, which
// answers information_schema's views, and else fails with errCatalog.
//
// Tables are in schema "public"; a table's oid is tableOIDBase plus its
// id in the store, stable while the table lives.

const tableOIDBase = 16384

type catalogQuery struct {
	command string // the psql command that sends the query
	match   *regexp.Regexp
	answer  func(c *conn, m []string) (engine.Result, error)
}

var catalogQueries = []catalogQuery{
	// \dt [pattern]: the list of tables.
	{"\\dt", regexp.MustCompile(`(?s)^SELECT n\.nspname as "Schema",\s+c\.relname as "Name",.*FROM pg_catalog\.pg_class c.*WHERE c\.relkind IN \('r',`), listTables},
	// \d pattern, first step: the tables the pattern names.
	{"\\d", regexp.MustCompile(`(?s)^SELECT c\.oid,\s+n\.nspname,\s+c\.relname\s+FROM pg_catalog\.pg_class c.*ORDER BY 2, 3`), findTables},
	// \d, second step: the table's kind and properties.
	{"\\d table", regexp.MustCompile(`(?s)^SELECT c\.relchecks, c\.relkind, c\.relhasindex.*FROM pg_catalog\.pg_class c.*WHERE c\.oid = '(\d+)'`), tableProperties},
	// \d, the columns.
	{"\\d columns", regexp.MustCompile(`(?s)^SELECT a\.attname,\s+pg_catalog\.format_type\(a\.atttypid, a\.atttypmod\).*FROM pg_catalog\.pg_attribute a\s+WHERE a\.attrelid = '(\d+)'`), tableColumns},
	// \d, the indexes.
	{"\\d indexes", regexp.MustCompile(`(?s)^SELECT c2\.relname, i\.indisprimary.*FROM pg_catalog\.pg_class c, pg_catalog\.pg_class c2, pg_catalog\.pg_index i.*WHERE c\.oid = '(\d+)'`), tableIndexes},
	// \d: policies, statistics, publications, inheritance, partitions:
	// lakelink has none.
	{"\\d none", regexp.MustCompile(`(?s)^SELECT .*\bpg_catalog\.(pg_policy|pg_statistic_ext|pg_publication|pg_inherits|pg_trigger|pg_constraint)\b.*'(\d+)'`), nothingFor},
	// \l: the databases: one, lakelink.
	{"\\l", regexp.MustCompile(`(?s)^SELECT d\.datname as "Name",.*FROM pg_catalog\.pg_database d`), listDatabases},
}

// catalog answers a query psql's backslash commands send, if it is one.
func (c *conn) catalog(query string) (engine.Result, bool, error) {
	q := strings.TrimSpace(query)
	if !strings.Contains(q, "pg_catalog.") && !strings.Contains(q, "information_schema.") {
		return engine.Result{}, false, nil
	}
	for _, cq := range catalogQueries {
		if m := cq.match.FindStringSubmatch(q); m != nil {
			m[0] = q // the answers read the whole query: its select list, its pattern
			release := c.srv.Store.Use()
			defer release()
			r, err := cq.answer(c, m)
			return r, true, err
		}
	}
	return engine.Result{}, false, nil // to the engine: information_schema's views, or errCatalog
}

// errCatalog answers a catalog query that no recogniser knows
// (SQLSTATE 0A000, feature_not_supported).
var errCatalog = errors.New("lakelink answers psql's \\dt, \\d NAME and \\l and information_schema.tables and .columns, not this pg_catalog query; SHOW TABLES and DESCRIBE t list tables and columns")

func text(n int) []lake.Type {
	t := make([]lake.Type, n)
	for i := range t {
		t[i] = lake.Text
	}
	return t
}

// namePattern is the regular expression psql puts in a query for the
// pattern of \dt PATTERN or \d PATTERN ('^(doc.*)$'), or nil for none.
var namePattern = regexp.MustCompile(`c\.relname OPERATOR\(pg_catalog\.~\) '((?:[^']|'')*)'`)

func nameFilter(q string) (*regexp.Regexp, error) {
	m := namePattern.FindStringSubmatch(q)
	if m == nil {
		return nil, nil
	}
	return regexp.Compile(strings.ReplaceAll(m[1], "''", "'"))
}

func (c *conn) tables() ([]store.TableInfo, error) {
	return c.srv.Store.Tables(c.srv.Store.Head())
}

// matching are the tables a \dt or \d query's name pattern admits.
func (c *conn) matching(q string) ([]store.TableInfo, error) {
	re, err := nameFilter(q)
	if err != nil {
		return nil, err
	}
	ts, err := c.tables()
	if re == nil || err != nil {
		return ts, err
	}
	return slices.DeleteFunc(ts, func(t store.TableInfo) bool { return !re.MatchString(t.Name) }), nil
}

func listTables(c *conn, m []string) (engine.Result, error) {
	res := engine.Result{Columns: []string{"Schema", "Name", "Type", "Owner"}, Types: text(4)}
	ts, err := c.matching(m[0])
	for _, t := range ts {
		res.Rows = append(res.Rows, []any{"public", t.Name, "table", "lakelink"})
	}
	return res, err
}

func findTables(c *conn, m []string) (engine.Result, error) {
	res := engine.Result{Columns: []string{"oid", "nspname", "relname"}, Types: text(3)}
	ts, err := c.matching(m[0])
	for _, t := range ts {
		res.Rows = append(res.Rows, []any{strconv.Itoa(tableOIDBase + int(t.ID)), "public", t.Name})
	}
	return res, err
}

// rowOf answers a query's select list (cols) from values by column
// name; a column values lacks is empty, which psql reads as false, 0 or
// nothing to print.
func rowOf(cols []string, values map[string]any) []any {
	row := make([]any, len(cols))
	for i, c := range cols {
		if v, ok := values[strings.ToLower(c)]; ok {
			row[i] = v
		} else {
			row[i] = ""
		}
	}
	return row
}

// tableByOID is the table a catalog query's oid names.
func (c *conn) tableByOID(oid string) (store.TableInfo, error) {
	n, _ := strconv.Atoi(oid)
	ts, err := c.tables()
	if err != nil {
		return store.TableInfo{}, err
	}
	for _, t := range ts {
		if tableOIDBase+int(t.ID) == n {
			return t, nil
		}
	}
	return store.TableInfo{}, fmt.Errorf("no table has oid %s", oid)
}

// tableProperties answers psql's second \d query. Its columns vary by
// psql version; they are read from the query's select list, and each is
// answered by name.
func tableProperties(c *conn, m []string) (engine.Result, error) {
	t, err := c.tableByOID(m[1])
	if err != nil {
		return engine.Result{}, err
	}
	cols := selectList(m[0])
	row := rowOf(cols, map[string]any{
		"relchecks": "0", "relkind": "r", "relhasindex": boolText(len(t.Indexes) > 0 || len(t.Schema.PrimaryKey) > 0),
		"relpersistence": "p", "relreplident": "d", "amname": "lakelink", "reltablespace": "0", "reloftype": "0",
		"relispartition": "f", "relhasrules": "f", "relhastriggers": "f", "relrowsecurity": "f", "relforcerowsecurity": "f", "relhasoids": "f",
	})
	return engine.Result{Columns: cols, Types: text(len(cols)), Rows: [][]any{row}}, nil
}

func boolText(b bool) string {
	if b {
		return "t"
	}
	return "f"
}

// selectItem finds the name a select item gives its column: a quoted
// alias as written ("Locale Provider"), else the last identifier
// (c.relchecks is relchecks; x AS y is y).
var (
	quotedAlias = regexp.MustCompile(`(?i)\bAS\s+"([^"]+)"\s*$`)
	funcCall    = regexp.MustCompile(`^(?:[a-z_]+\.)?([a-z_]+)\(.*\)$`)
	selectItem  = regexp.MustCompile(`(?:\bas\s+|\.|^|\s|\()"?([a-z_][a-z0-9_]*)"?\)?\s*$`)
)

// selectList is the column names of a query's select list, as psql
// names them (c.relchecks is relchecks; ... AS x is x).
func selectList(q string) []string {
	body := q[len("SELECT"):]
	if i := strings.Index(body, "\nFROM "); i >= 0 {
		body = body[:i]
	}
	var items []string
	depth, start := 0, 0
	for i, r := range body {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				items = append(items, body[start:i])
				start = i + 1
			}
		}
	}
	items = append(items, body[start:])
	out := make([]string, len(items))
	for i, it := range items {
		it = strings.TrimSpace(it)
		if m := quotedAlias.FindStringSubmatch(it); m != nil {
			out[i] = m[1]
		} else if m := funcCall.FindStringSubmatch(strings.ToLower(it)); m != nil {
			out[i] = m[1] // an unnamed call: PostgreSQL names it after the function
		} else if m := selectItem.FindStringSubmatch(strings.ToLower(it)); m != nil {
			out[i] = m[1]
		} else {
			out[i] = it
		}
	}
	return out
}

// tableColumns answers \d's column query: name, type, default, NOT NULL,
// and what else the select list names.
func tableColumns(c *conn, m []string) (engine.Result, error) {
	t, err := c.tableByOID(m[1])
	if err != nil {
		return engine.Result{}, err
	}
	cols := selectList(m[0])
	res := engine.Result{Columns: cols, Types: text(len(cols))}
	for _, col := range t.Schema.Columns {
		def, storage := "", "p" // plain: lakelink stores each row whole
		if col.Default != nil {
			def = *col.Default
		}
		if col.Type.Kind == lake.KindText || col.Type.Kind == lake.KindJSONB {
			storage = "x"
		}
		values := map[string]any{"attname": col.Name, "format_type": engine.PGTypeName(col.Type),
			"attnotnull": boolText(col.NotNull || slices.Contains(t.Schema.PrimaryKey, col.Name)), "attstorage": storage}
		for _, name := range cols { // the default's item: a subquery over pg_attrdef
			if strings.Contains(name, "default") || strings.Contains(name, "pg_get_expr") {
				values[name] = def
			}
		}
		res.Rows = append(res.Rows, rowOf(cols, values))
	}
	return res, nil
}

// tableIndexes answers \d's index query: the primary key and the vector
// indexes, with the definitions psql prints.
func tableIndexes(c *conn, m []string) (engine.Result, error) {
	t, err := c.tableByOID(m[1])
	if err != nil {
		return engine.Result{}, err
	}
	cols := selectList(m[0])
	res := engine.Result{Columns: cols, Types: text(len(cols))}
	add := func(name string, primary bool, def string) {
		values := map[string]any{"relname": name, "indisprimary": boolText(primary), "indisunique": boolText(primary),
			"indisclustered": "f", "indisreplident": "f", "condeferrable": "f", "condeferred": "f", "indisvalid": "t", "pg_get_indexdef": def}
		if primary {
			values["pg_get_constraintdef"], values["contype"] = "PRIMARY KEY ("+strings.Join(t.Schema.PrimaryKey, ", ")+")", "p"
		}
		res.Rows = append(res.Rows, rowOf(cols, values))
	}
	if len(t.Schema.PrimaryKey) > 0 {
		add(t.Name+"_pkey", true, fmt.Sprintf("CREATE UNIQUE INDEX %s_pkey ON public.%s USING btree (%s)", t.Name, t.Name, strings.Join(t.Schema.PrimaryKey, ", ")))
	}
	for _, d := range t.Indexes {
		add(d.Name, false, fmt.Sprintf("CREATE INDEX %s ON public.%s USING %s (%s) WITH (metric = %s)", d.Name, t.Name, d.Type, d.Column, d.Metric))
	}
	return res, nil
}

// nothingFor answers \d's queries about what lakelink tables do not have
// (policies, statistics objects, publications, parents, partitions) with
// no rows, in the columns the query names.
func nothingFor(_ *conn, m []string) (engine.Result, error) {
	cols := selectList(m[0])
	return engine.Result{Columns: cols, Types: text(len(cols))}, nil
}

func listDatabases(_ *conn, m []string) (engine.Result, error) {
	cols := selectList(m[0])
	row := rowOf(cols, map[string]any{"name": "lakelink", "owner": "lakelink", "encoding": "UTF8", "collate": "C", "ctype": "C", "locale provider": "libc"})
	return engine.Result{Columns: cols, Types: text(len(cols)), Rows: [][]any{row}}, nil
}
