package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// A tag names one commit, so that its state can be read again later by
// name (an audit, the data a model was trained on). Tags are immutable: a
// tag is created pointing at a commit and never moves; it can only be
// deleted, and its name then reused. Creating or deleting one is a commit
// of its own, so the history says who tagged what and when, and reads at
// a commit before it see the tags as they were.
//
//	g<tag name, lower case>   the tag (JSON Tag)
const spaceTag = 'g'

var tagName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

func tagKey(name string) []byte { return append([]byte{spaceTag}, strings.ToLower(name)...) }

// Tag is a name for a commit.
type Tag struct {
	Name    string    `json:"name"`
	Commit  uint64    `json:"commit"`
	Time    time.Time `json:"time"` // when the tag was created (UTC)
	Author  string    `json:"author,omitempty"`
	Message string    `json:"message,omitempty"`
}

// CreateTag creates tag t.Name for commit t.Commit, which must be a commit
// at or before this commit's base. A tag of that name must not exist.
func (c *Commit) CreateTag(t Tag) error {
	if !tagName.MatchString(t.Name) {
		return fmt.Errorf("invalid tag name %q (up to 128 letters, digits, '.', '_' or '-', starting with a letter or digit)", t.Name)
	}
	if old, err := getJSON[Tag](c.read, tagKey(t.Name)); err == nil {
		return fmt.Errorf("tag %s exists (commit %d); tags are immutable: delete it first to reuse the name", old.Name, old.Commit)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	if c.base == 0 {
		return fmt.Errorf("tag %s: the store has no commits yet to tag", t.Name)
	}
	if t.Commit == 0 || t.Commit > c.base {
		return fmt.Errorf("tag %s: no commit %d (the head is %d)", t.Name, t.Commit, c.base)
	}
	if err := c.s.readable(t.Commit); err != nil {
		return fmt.Errorf("tag %s: %w", t.Name, err)
	}
	if _, err := getJSON[CommitInfo](c.read, commitKey(t.Commit)); err != nil {
		return fmt.Errorf("tag %s: commit %d: %w", t.Name, t.Commit, err)
	}
	if t.Time.IsZero() {
		t.Time = time.Now().UTC()
	}
	b, _ := json.Marshal(t)
	return c.wb.Set(tagKey(t.Name), b)
}

// DeleteTag deletes a tag; reads at commits before this one still see it.
func (c *Commit) DeleteTag(name string) error {
	if _, err := getJSON[Tag](c.read, tagKey(name)); err != nil {
		return fmt.Errorf("tag %q: %w", name, err)
	}
	return c.wb.Delete(tagKey(name))
}

// Tag returns the tag of that name at the head.
func (s *Store) Tag(name string) (Tag, error) {
	txn := s.db.NewTransactionAt(s.Head(), false)
	defer txn.Discard()
	t, err := getJSON[Tag](txn, tagKey(name))
	if err != nil {
		return t, fmt.Errorf("tag %q: %w", name, err)
	}
	return t, nil
}

// Tags lists the tags at the head, by name.
func (s *Store) Tags() ([]Tag, error) { return list[Tag](s, s.Head(), []byte{spaceTag}) }

// Commit returns the record of commit ts.
func (s *Store) Commit(ts uint64) (CommitInfo, error) {
	switch head := s.Head(); {
	case head == 0:
		return CommitInfo{}, notFound(fmt.Sprintf("no commit %d: the store has no commits yet", ts))
	case ts == 0 || ts > head:
		return CommitInfo{}, notFound(fmt.Sprintf("no commit %d (the head is %d)", ts, head))
	}
	txn := s.db.NewTransactionAt(s.Head(), false)
	defer txn.Discard()
	ci, err := getJSON[CommitInfo](txn, commitKey(ts))
	if errors.Is(err, ErrNotFound) {
		// Commit numbers are the commits' timestamps, given out at Begin;
		// a statement that failed took one and committed nothing.
		return ci, notFound(fmt.Sprintf("no commit %d: a statement that failed took the number and committed nothing (the head is %d)", ts, s.Head()))
	}
	if err != nil {
		return ci, fmt.Errorf("commit %d: %w", ts, err)
	}
	return ci, nil
}

// CommitAt returns the newest commit made at or before t.
func (s *Store) CommitAt(t time.Time) (CommitInfo, error) {
	all, err := s.Commits()
	if err != nil {
		return CommitInfo{}, err
	}
	i := sort.Search(len(all), func(i int) bool { return all[i].Time.After(t) })
	if i == 0 {
		return CommitInfo{}, fmt.Errorf("no commit at or before %s: %w", t.UTC().Format(time.RFC3339Nano), ErrNotFound)
	}
	return all[i-1], nil
}

func getJSON[T any](txn *badger.Txn, key []byte) (T, error) {
	var v T
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, err
	}
	if err := item.Value(func(b []byte) error { return json.Unmarshal(b, &v) }); err != nil {
		return v, fmt.Errorf("corrupt record %q: %w", key, err)
	}
	return v, nil
}
