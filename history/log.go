package history

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

// CommitsTable is the virtual table of the commit log.
const CommitsTable = "lakelink_commits"

// CommitsSchema is the schema of lakelink_commits: one row per commit,
// oldest first; tables lists the rows each table gained (+), had
// rewritten (~) and lost (-); sources the objects an import read, with
// their size and version (ETag, MD5 or modification time); collected
// whether retention (lakelink gc) has collected the commit's state.
var CommitsSchema = lake.Schema{Columns: []lake.Column{
	{Name: "commit", Type: lake.BigInt}, {Name: "parent", Type: lake.BigInt}, {Name: "time", Type: lake.Timestamp},
	{Name: "author", Type: lake.Text}, {Name: "message", Type: lake.Text}, {Name: "job_id", Type: lake.Text},
	{Name: "statement", Type: lake.Text}, {Name: "inserted", Type: lake.BigInt}, {Name: "updated", Type: lake.BigInt},
	{Name: "deleted", Type: lake.BigInt}, {Name: "tables", Type: lake.Text}, {Name: "sources", Type: lake.Text},
	{Name: "collected", Type: lake.Boolean},
}}

// Commits calls fn with the row of every commit (of those that touch
// table, when it is set), oldest first.
func Commits(st *store.Store, table string, fn func(store.Row) error) error {
	all, err := st.Commits()
	if err != nil {
		return err
	}
	ret := st.Retention()
	for _, c := range all {
		if table != "" && !touches(c, table) {
			continue
		}
		var ins, upd, del int64
		names := make([]string, 0, len(c.Tables))
		for name := range c.Tables {
			names = append(names, name)
		}
		slices.Sort(names)
		var parts []string
		for _, name := range names {
			t := c.Tables[name]
			ins, upd, del = ins+t.Inserted, upd+t.Updated, del+t.Deleted
			parts = append(parts, fmt.Sprintf("%s +%d ~%d -%d", name, t.Inserted, t.Updated, t.Deleted))
		}
		var job, stmt, author any
		if c.Job != "" {
			job = c.Job
		}
		if c.Statement != "" {
			stmt = c.Statement
		}
		if c.Author != "" {
			author = c.Author
		}
		var srcs []string
		for _, o := range c.Sources {
			if o.Version == "" { // a local file, or a store that gives no version
				srcs = append(srcs, fmt.Sprintf("%s (%d bytes)", o.URL, o.Size))
			} else {
				srcs = append(srcs, fmt.Sprintf("%s (%d bytes, %s)", o.URL, o.Size, o.Version))
			}
		}
		if err := fn(store.Row{int64(c.TS), int64(c.Parent), c.Time, author, c.Message, job, stmt, ins, upd, del, strings.Join(parts, "; "), strings.Join(srcs, "; "), ret.Collected(c.TS)}); err != nil {
			return err
		}
	}
	return nil
}

// touches reports whether a commit wrote rows of table or names it in its
// message (CREATE, ALTER, DROP, index changes).
func touches(c store.CommitInfo, table string) bool {
	if _, ok := c.Tables[strings.ToLower(table)]; ok {
		return true
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(c.Message), func(r rune) bool { return r == ' ' || r == '(' || r == ')' || r == ',' }) {
		if w == strings.ToLower(table) {
			return true
		}
	}
	return false
}
