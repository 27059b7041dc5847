package engine

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/store"
)

// Resolve returns the commit that ref names: a tag, else "head" (the
// newest commit), else a commit number,
// else a time (the newest commit at or before it). For `--at` on the
// command line; set Session.At to read there.
func (s *Session) Resolve(ref string) (uint64, error) {
	if strings.EqualFold(ref, "head") {
		if _, err := s.Store.Tag(ref); err != nil {
			return s.Store.Head(), nil
		}
	}
	if _, err := s.Store.Tag(ref); err == nil {
		return s.resolve(AtRef{Kind: "tag", Value: ref})
	}
	if _, err := strconv.ParseUint(ref, 10, 64); err == nil {
		return s.resolve(AtRef{Kind: "commit", Value: ref})
	}
	if _, err := pipeline.ParseTime(ref); err == nil {
		return s.resolve(AtRef{Kind: "timestamp", Value: ref})
	}
	return 0, fmt.Errorf("%q is no tag, commit number or time", ref)
}

// author names who makes a change: Session.Author, else $LAKELINK_AUTHOR,
// else $USER.
func (s *Session) author() string {
	for _, a := range []string{s.Author, os.Getenv("LAKELINK_AUTHOR"), os.Getenv("USER")} {
		if a != "" {
			return a
		}
	}
	return "unknown"
}

// CreateTag tags a commit (0: the head), in a commit of its own.
func (s *Session) CreateTag(name string, commit uint64, message string) (store.Tag, error) {
	if commit == 0 {
		commit = s.Store.Head()
	}
	t := store.Tag{Name: name, Commit: commit, Author: s.author(), Message: message, Time: time.Now().UTC()}
	_, err := s.inCommit(fmt.Sprintf("TAG %s (commit %d)", name, commit), func(c *store.Commit) (Result, error) {
		return Result{}, c.CreateTag(t)
	})
	return t, err
}

// DeleteTag deletes a tag, in a commit of its own.
func (s *Session) DeleteTag(name string) error {
	_, err := s.inCommit("DELETE TAG "+name, func(c *store.Commit) (Result, error) { return Result{}, c.DeleteTag(name) })
	return err
}

// TagsTable is the virtual table of tags.
const TagsTable = "lakelink_tags"

// TagsSchema is the schema of lakelink_tags.
var TagsSchema = lake.Schema{Columns: []lake.Column{
	{Name: "name", Type: lake.Text}, {Name: "commit", Type: lake.BigInt}, {Name: "created_at", Type: lake.Timestamp},
	{Name: "author", Type: lake.Text}, {Name: "message", Type: lake.Text},
}}

func tagRows(st *store.Store, fn func(store.Row) error) error {
	tags, err := st.Tags()
	if err != nil {
		return err
	}
	for _, t := range tags {
		if err := fn(store.Row{t.Name, int64(t.Commit), t.Time, t.Author, t.Message}); err != nil {
			return err
		}
	}
	return nil
}

var errNoAt = errors.New("reads the present only")

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

// commitRows calls fn with the row of every commit (of those that touch
// table, when it is set), oldest first.
func commitRows(st *store.Store, table string, fn func(store.Row) error) error {
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
			srcs = append(srcs, fmt.Sprintf("%s (%d bytes, %s)", o.URL, o.Size, o.Version))
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

// Log returns the commit log, newest first, as lakelink_commits rows;
// with table set, only the commits that touch it.
func (s *Session) Log(table string) (Result, error) {
	res := Result{}
	for _, c := range CommitsSchema.Columns {
		res.Columns = append(res.Columns, c.Name)
	}
	err := commitRows(s.Store, table, func(r store.Row) error {
		res.Rows = append([][]any{r}, res.Rows...)
		return nil
	})
	return res, err
}

// resolve returns the commit that a names.
func (s *Session) resolve(a AtRef) (uint64, error) { return pipeline.ResolveAt(s.Store, a) }
