package engine_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// A search result joined with another table: the subquery's top 5 by
// cosine distance, each with its category's name, found by key lookups
// when ON names the categories' primary key (also for categories in cold
// files) and through a hash table otherwise; LEFT JOIN keeps a result
// without a category; the outer WHERE, ORDER BY and LIMIT apply to the
// joined rows; an ambiguous name is refused. Keyed and keyless documents.
func TestJoinSearchResult(t *testing.T) {
	for _, keyed := range []bool{true, false} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			s := session(t, "direct")
			docs := tierDocs(300)
			tierTable(t, s, keyed, docs, t.TempDir())
			exec(t, s, "ALTER TABLE documents ADD COLUMN cat BIGINT")
			exec(t, s, "CREATE TABLE categories (id BIGINT PRIMARY KEY, name TEXT, made TIMESTAMP); CREATE TABLE labels (cat BIGINT, label TEXT)")
			var values, labels []string
			for c := 0; c < 9; c++ { // category 9 has no row: LEFT JOIN keeps its documents
				values = append(values, fmt.Sprintf("(%d, 'category %d', '2020-01-0%d')", c, c, c+1))
				labels = append(labels, fmt.Sprintf("(%d, 'label %d')", c, c))
			}
			exec(t, s, "INSERT INTO categories VALUES "+strings.Join(values, ", "))
			exec(t, s, "INSERT INTO labels VALUES "+strings.Join(labels, ", "))
			for i := 0; i < 300; i++ {
				exec(t, s, fmt.Sprintf("UPDATE documents SET cat = %d WHERE id = %d", i%10, i))
			}
			q := vecText(docs[42].Embedding)
			inner := "SELECT id, cat FROM documents ORDER BY embedding <=> '" + q + "' LIMIT 5"
			top := exec(t, s, inner)[0].Rows
			want := func(left bool) string {
				var out []string
				for _, r := range top {
					c := r[1].(int64)
					if c == 9 {
						if left {
							out = append(out, fmt.Sprint(r[0], " <nil>"))
						}
						continue
					}
					out = append(out, fmt.Sprint(r[0], " category ", c))
				}
				return strings.Join(out, ",")
			}
			rows := func(res [][]any) string {
				var out []string
				for _, r := range res {
					out = append(out, fmt.Sprint(r[0], " ", r[1]))
				}
				return strings.Join(out, ",")
			}
			join := "SELECT d.id, c.name FROM (" + inner + ") d JOIN categories c ON d.cat = c.id"
			res := exec(t, s, join)[0]
			if rows(res.Rows) != want(false) || !strings.Contains(res.Plan, "key lookup") {
				t.Errorf("join: %s (plan %q), want %s", rows(res.Rows), res.Plan, want(false))
			}
			res = exec(t, s, strings.Replace(join, " JOIN ", " LEFT JOIN ", 1))[0]
			if rows(res.Rows) != want(true) {
				t.Errorf("left join: %s, want %s", rows(res.Rows), want(true))
			}
			// Without the primary key: a hash table over the labels.
			res = exec(t, s, "SELECT d.id, label FROM ("+inner+") AS d JOIN labels ON d.cat = labels.cat")[0]
			if rows(res.Rows) != strings.ReplaceAll(want(false), "category", "label") || !strings.Contains(res.Plan, "hash table") {
				t.Errorf("hash join: %s (plan %q)", rows(res.Rows), res.Plan)
			}
			// Categories in cold files are found by key too.
			exec(t, s, "ALTER TABLE categories SET (cold_storage = '"+t.TempDir()+"')")
			exec(t, s, "ALTER TABLE categories TIER PARTITION WHERE made < '2020-01-05' TO COLD")
			if n := coldRowsOf(t, s, "categories"); n != 4 {
				t.Fatalf("cold categories: %d", n)
			}
			if res := exec(t, s, join)[0]; rows(res.Rows) != want(false) {
				t.Errorf("join over cold categories: %s, want %s", rows(res.Rows), want(false))
			}
			// The outer WHERE, ORDER BY and LIMIT.
			res = exec(t, s, "SELECT d.id, c.name AS category FROM documents d JOIN categories c ON d.cat = c.id WHERE c.name = 'category 3' AND d.id < 100 ORDER BY id DESC LIMIT 3")[0]
			if fmt.Sprint(res.Columns) != "[id category]" || rows(res.Rows) != "93 category 3,83 category 3,73 category 3" {
				t.Errorf("WHERE/ORDER BY/LIMIT on a join: %v %s", res.Columns, rows(res.Rows))
			}
			for stmt, msg := range map[string]string{
				"SELECT id FROM documents d JOIN labels l ON d.cat = l.cat JOIN x ON a = b": "one JOIN",
				"SELECT name FROM documents d JOIN categories c ON d.nope = c.id":           "no column d.nope",
				"SELECT cat FROM documents d JOIN labels l ON d.cat = l.cat":                "ambiguous",
			} {
				if _, err := s.Exec(t.Context(), stmt); err == nil || !regexp.MustCompile(msg).MatchString(err.Error()) {
					t.Errorf("%s: %v, want %q", stmt, err, msg)
				}
			}
		})
	}
}
