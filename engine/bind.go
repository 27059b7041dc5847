package engine

import (
	"fmt"
	"slices"

	"github.com/lakelink/lakelink/format"
	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/sql"
	"github.com/lakelink/lakelink/transforms"
)

// Binding turns the parser's nodes (package sql, which knows no storage)
// into the statements the session runs: types as written become
// lake.Types, WITH options become typed settings (ImportOptions,
// ExportOptions, an index's options), and a column list becomes a schema.
// Every error names the place in the script it came from. Nodes that need
// nothing bound (SELECT, DELETE, DROP ..., SET) run as they are; their
// conditions are typed against the table when they run (whereFilter).

// Statement is a bound statement: CreateTable, AlterTable, CreateGraph,
// CreateIndex, Copy or Export, or one of sql's Select, Delete, DropTable,
// DropGraph, DropIndex and Set.
type Statement any

// The statements that run as the parser made them.
type (
	Select    = sql.Select
	Delete    = sql.Delete
	DropTable = sql.DropTable
	DropGraph = sql.DropGraph
	DropIndex = sql.DropIndex
	Set       = sql.Set
	TierRun   = sql.TierRun
	Where     = sql.Where
	Item      = sql.Item
	OrderBy   = sql.OrderBy
	AtRef     = sql.AtRef
	TableFunc = sql.TableFunc
	FuncArg   = sql.FuncArg
	// VectorExpr compares a VECTOR column with a query vector.
	VectorExpr = sql.VectorExpr
	// VectorArg is a query vector: a literal, or a parameter given with
	// the statement (Session.Params).
	VectorArg = sql.VectorArg
)

// Errors of statements, as package sql defines them.
type (
	Position       = sql.Position
	SyntaxError    = sql.SyntaxError
	StatementError = sql.StatementError
)

// Parse parses a script of statements separated by semicolons and binds
// each; it stops at the first error, a *SyntaxError or a *StatementError.
func Parse(src string) ([]Statement, error) {
	stmts, _, err := parse(src)
	return stmts, err
}

// parse is Parse that also gives each statement's text as the parser
// prints it back, for the commit log.
func parse(src string) ([]Statement, []string, error) {
	nodes, err := sql.Parse(src)
	if err != nil {
		return nil, nil, err
	}
	out := make([]Statement, len(nodes))
	texts := make([]string, len(nodes))
	for i, n := range nodes {
		if out[i], err = bind(src, n); err != nil {
			return nil, nil, err
		}
		texts[i] = n.String()
	}
	return out, texts, nil
}

func bind(src string, n sql.Statement) (Statement, error) {
	switch x := n.(type) {
	case sql.CreateTable:
		schema, refs, err := bindColumns(src, x.Columns, x.PrimaryKey)
		if err != nil {
			return nil, err
		}
		if len(refs) > 0 { // the parser refuses them; a node built by hand may not
			return nil, fmt.Errorf("CREATE TABLE %s: REFERENCES is for the EDGE tables of CREATE GRAPH", x.Name)
		}
		return CreateTable{Name: x.Name, Schema: schema, IfNotExists: x.IfNotExists}, nil
	case sql.AlterTable:
		switch x.Action {
		case "set", "reset":
			return bindTiering(src, x)
		case "tier":
			return TierPartition{Table: x.Name, Where: x.Where, To: x.TierTo}, nil
		}
		a := AlterTable{Name: x.Name, Action: x.Action, Target: x.Target, NewName: x.NewName, IfExists: x.IfExists}
		if x.Action == "add" {
			schema, _, err := bindColumns(src, []sql.ColumnDef{x.Column}, nil)
			if err != nil {
				return nil, err
			}
			a.Column = schema.Columns[0]
		}
		return a, nil
	case sql.CreateGraph:
		cg := CreateGraph{Name: x.Name, IfNotExists: x.IfNotExists}
		for _, t := range x.Tables {
			schema, refs, err := bindColumns(src, t.Columns, t.PrimaryKey)
			if err != nil {
				return nil, err
			}
			gt := GraphTable{Name: t.Name, Schema: schema, refs: refs}
			if t.Edge {
				cg.Edges = append(cg.Edges, gt)
			} else {
				cg.Nodes = append(cg.Nodes, gt)
			}
		}
		return cg, nil
	case sql.CreateIndex:
		ci := CreateIndex{IfNotExists: x.IfNotExists, Name: x.Name, Table: x.Table, Column: x.Column, Type: x.Using}
		for _, o := range x.Options {
			switch v := o.Value.(type) {
			case string:
				if o.Name != "metric" {
					return nil, sql.ErrorAt(src, o.Pos, fmt.Errorf("option %s takes a whole number", o.Name))
				}
				if _, _, err := indexes.Check(x.Using, v, nil); err != nil {
					return nil, sql.ErrorAt(src, o.Pos, err)
				}
				ci.Metric = v
			case int64:
				if ci.Options == nil {
					ci.Options = map[string]int{}
				}
				ci.Options[o.Name] = int(v)
				// Each option is checked here, where its place is known.
				if _, _, err := indexes.Check(x.Using, "", indexes.Prefixed(x.Using, map[string]int{o.Name: int(v)})); err != nil {
					if known := indexes.CreateIndexOptions(x.Using); !slices.Contains(known, o.Name) && !slices.Contains(indexes.OptionNames(), o.Name) {
						err = sql.Unknown(indexes.TypeName(x.Using)+" index option", o.Name, known)
					}
					return nil, sql.ErrorAt(src, o.Pos, err)
				}
			default:
				return nil, sql.ErrorAt(src, o.Pos, fmt.Errorf("option %s: expected a whole number, or a metric name", o.Name))
			}
		}
		return ci, nil
	case sql.Copy:
		im := pipeline.Import{Options: pipeline.DefaultImportOptions(), Sources: x.Sources, Table: x.Table, Graph: x.Graph, Columns: x.Columns, Statement: x.Text}
		for _, m := range x.Maps {
			cm := transforms.ColumnMap{Source: m.Source, Target: m.Target}
			if m.Cast != "" {
				t, err := lake.ParseType(m.Cast)
				if err != nil {
					return nil, sql.ErrorAt(src, m.CastPos, err)
				}
				cm.Cast = &t
			}
			im.Maps = append(im.Maps, cm)
		}
		for _, o := range x.Options {
			if err := pipeline.SetCopyOption(&im.Options, o.Name, o.Value); err != nil {
				return nil, sql.ErrorAt(src, o.Pos, err)
			}
		}
		if err := bindFormatOptions(src, x.Options, im.Options.Format, im.Options.FormatOptions, im.Sources, false); err != nil {
			return nil, err
		}
		return Copy{Import: im}, nil
	case sql.Export:
		e := pipeline.Export{Query: x.Query, URL: x.URL, Statement: x.Text}
		for _, o := range x.Options {
			if err := pipeline.SetExportOption(&e.Options, o.Name, o.Value); err != nil {
				return nil, sql.ErrorAt(src, o.Pos, err)
			}
		}
		if err := bindFormatOptions(src, x.Options, e.Options.Format, e.Options.FormatOptions, []string{x.URL}, true); err != nil {
			return nil, err
		}
		return e, nil
	}
	return n, nil
}

// bindColumns types column definitions: a schema, and the REFERENCES of
// an EDGE table's endpoints.
func bindColumns(src string, defs []sql.ColumnDef, key []string) (lake.Schema, []reference, error) {
	var s lake.Schema
	var refs []reference
	for _, d := range defs {
		t, err := lake.ParseType(d.Type)
		if err != nil {
			return s, nil, sql.ErrorAt(src, d.TypePos, err)
		}
		c := lake.Column{Name: d.Name, Type: t, NotNull: d.NotNull}
		if d.Default != nil && d.Default.Value != nil {
			text := fmt.Sprint(d.Default.Value)
			if _, err := lake.ParseDefault(t, text); err != nil {
				return s, nil, sql.ErrorAt(src, d.Default.Pos, err)
			}
			c.Default = &text
		}
		if d.PrimaryKey {
			s.PrimaryKey = append(s.PrimaryKey, d.Name)
		}
		if r := d.References; r != nil {
			refs = append(refs, reference{Column: d.Name, Table: r.Table, RefColumn: r.Column})
		}
		s.Columns = append(s.Columns, c)
	}
	s.PrimaryKey = append(s.PrimaryKey, key...)
	return s, refs, nil
}

// bindFormatOptions checks the options that belong to a format against the
// format the statement reads or writes (format, else the first URL's
// ending), each at its place in the statement.
func bindFormatOptions(src string, opts []sql.Option, name string, given map[string]any, urls []string, write bool) error {
	if len(given) == 0 {
		return nil
	}
	if name == "" && len(urls) > 0 {
		name = format.ForName(urls[0])
	}
	f, err := format.Lookup(name)
	if err != nil {
		return err
	}
	for _, o := range opts {
		if _, ok := given[o.Name]; ok {
			bind := f.Bind
			if write {
				bind = f.BindWrite
			}
			if _, err := bind(map[string]any{o.Name: o.Value}); err != nil {
				return sql.ErrorAt(src, o.Pos, err)
			}
		}
	}
	return nil
}
