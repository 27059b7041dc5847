package history

import (
	"fmt"
	"time"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

// TagsTable is the virtual table of tags.
const TagsTable = "lakelink_tags"

// TagsSchema is the schema of lakelink_tags.
var TagsSchema = lake.Schema{Columns: []lake.Column{
	{Name: "name", Type: lake.Text}, {Name: "commit", Type: lake.BigInt}, {Name: "created_at", Type: lake.Timestamp},
	{Name: "author", Type: lake.Text}, {Name: "message", Type: lake.Text},
}}

// Tags calls fn with the row of every tag, as lakelink_tags has them.
func Tags(st *store.Store, fn func(store.Row) error) error {
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

// CreateTag tags a commit (0: the head), in a commit of its own; author
// names who tags (Author).
func CreateTag(st *store.Store, author, name string, commit uint64, message string) (store.Tag, error) {
	if commit == 0 {
		commit = st.Head()
	}
	t := store.Tag{Name: name, Commit: commit, Author: Author(author), Message: message, Time: time.Now().UTC()}
	_, err := InCommit(st, author, fmt.Sprintf("TAG %s (commit %d)", name, commit), func(c *store.Commit) error { return c.CreateTag(t) })
	return t, err
}

// DeleteTag deletes a tag, in a commit of its own.
func DeleteTag(st *store.Store, author, name string) error {
	_, err := InCommit(st, author, "DELETE TAG "+name, func(c *store.Commit) error { return c.DeleteTag(name) })
	return err
}

// InCommit runs fn in a commit of its own, made by author (Author), and
// finishes it, or aborts it when fn fails. It returns the commit.
func InCommit(st *store.Store, author, message string, fn func(c *store.Commit) error) (uint64, error) {
	c, err := st.Begin(message)
	if err != nil {
		return 0, err
	}
	c.SetAuthor(Author(author))
	if err := fn(c); err != nil {
		c.Abort()
		return 0, err
	}
	return c.Finish()
}
