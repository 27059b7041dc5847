package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/sql"
)

// Statements that Postgres drivers and tools send before anything else.
//
// lakelink commits every statement on its own. BEGIN opens a block that
// only counts: the statements inside it commit as they run, COMMIT closes
// it, and ROLLBACK closes it and says which commits it cannot undo
// (lakelink revert undoes one). SHOW reads a session setting, or one of
// the PostgreSQL settings drivers ask for (compatSettings), which SET
// accepts and keeps for the session without effect.

type (
	// Transaction is BEGIN, COMMIT or ROLLBACK.
	Transaction = sql.Transaction
	// Show is SHOW name or SHOW ALL.
	Show = sql.Show
	// Values is SELECT without FROM: SELECT 1, SELECT version().
	Values = sql.Values
)

// Version is what SELECT version() answers: PostgreSQL's form, which
// clients parse, then lakelink's.
const Version = "PostgreSQL 16.0 (lakelink)"

// values answers SELECT without FROM.
func values(v Values) Result {
	res := Result{Rows: [][]any{make([]any, len(v.Items))}}
	res.Columns, res.Types = valuesColumns(v)
	for i, it := range v.Items {
		if it.Func == "version" {
			res.Rows[0][i] = Version
			continue
		}
		res.Rows[0][i] = it.Value
	}
	return res
}

// valuesColumns are a SELECT without FROM's columns and types.
func valuesColumns(v Values) ([]string, []lake.Type) {
	var names []string
	var types []lake.Type
	for _, it := range v.Items {
		names = append(names, it.Name())
		t := lake.Text
		switch it.Value.(type) {
		case int64:
			t = lake.BigInt
		case float64:
			t = lake.Double
		case bool:
			t = lake.Boolean
		}
		types = append(types, t)
	}
	return names, types
}

// compatSettings are the PostgreSQL settings clients set or show, with
// the values lakelink answers as.
var compatSettings = map[string]string{
	"server_version":                "16.0 (lakelink)",
	"server_encoding":               "UTF8",
	"client_encoding":               "UTF8",
	"standard_conforming_strings":   "on",
	"integer_datetimes":             "on",
	"datestyle":                     "ISO, MDY",
	"timezone":                      "UTC",
	"intervalstyle":                 "postgres",
	"transaction_isolation":         "read committed",
	"default_transaction_read_only": "off",
	"application_name":              "",
	"extra_float_digits":            "1",
	"search_path":                   "public",
	"max_identifier_length":         "63",
	"statement_timeout":             "0",
}

// InTransaction reports whether the session is inside BEGIN ... COMMIT.
func (s *Session) InTransaction() bool { return s.tx }

func (s *Session) transaction(x Transaction) (Result, error) {
	switch x.Kind {
	case "BEGIN":
		if s.tx {
			return Result{Message: "there is already a transaction in progress"}, nil
		}
		s.tx, s.txCommits = true, nil
		return Result{}, nil
	case "COMMIT":
		if !s.tx {
			return Result{Message: "there is no transaction in progress"}, nil
		}
		s.tx = false
		return Result{}, nil
	}
	if !s.tx {
		return Result{Message: "there is no transaction in progress"}, nil
	}
	s.tx = false
	if len(s.txCommits) == 0 {
		return Result{}, nil
	}
	list := make([]string, len(s.txCommits))
	for i, c := range s.txCommits {
		list[i] = fmt.Sprint(c)
	}
	return Result{Message: fmt.Sprintf("ROLLBACK cannot undo the %d statement(s) that committed since BEGIN (commit %s): lakelink commits each statement on its own; lakelink revert COMMIT undoes one",
		len(list), strings.Join(list, ", ")), Fields: []Field{{"commits", len(list)}}}, nil
}

func (s *Session) show(x Show) (Result, error) {
	res := Result{Columns: []string{x.Name}, Types: []lake.Type{lake.Text}}
	if x.Name == "all" {
		res.Columns, res.Types = []string{"name", "setting"}, []lake.Type{lake.Text, lake.Text}
		names := slices.Sorted(maps.Keys(compatSettings))
		for n := range knownSettings {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range slices.Compact(names) {
			v, _ := s.settingText(n)
			res.Rows = append(res.Rows, []any{n, v})
		}
		return res, nil
	}
	v, ok := s.settingText(x.Name)
	if !ok {
		return Result{}, sql.Unknown("setting", x.Name, slices.Sorted(maps.Keys(knownSettings)))
	}
	res.Rows = [][]any{{v}}
	return res, nil
}

// settingText is a setting's value as SHOW prints it: what SET gave, else
// its default ("" for a lakelink setting left at its default).
func (s *Session) settingText(name string) (string, bool) {
	if v, ok := s.Settings[name]; ok {
		return v, true
	}
	if v, ok := compatSettings[name]; ok {
		return v, true
	}
	return "", knownSettings[name]
}
