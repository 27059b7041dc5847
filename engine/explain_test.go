package engine_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func planOf(t *testing.T, rows [][]any) string {
	t.Helper()
	var lines []string
	for _, r := range rows {
		lines = append(lines, r[0].(string))
	}
	return strings.Join(lines, "\n")
}

// EXPLAIN says how a SELECT is answered: an index search names its index,
// count(*) comes from the catalog, a scan says so, an aggregate its
// groups; for a table with cold files, how many the WHERE clause's
// statistics admit, which is fewer for a recent range than for all rows.
func TestExplain(t *testing.T) {
	for _, keyed := range []bool{true, false} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			s := session(t, "direct")
			docs := tierDocs(400)
			tierTable(t, s, keyed, docs, t.TempDir())
			exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2023-05-01' TO COLD")
			q := vecText(docs[7].Embedding)
			for stmt, want := range map[string]string{
				"EXPLAIN SELECT id FROM documents ORDER BY embedding <=> '" + q + "' LIMIT 5": `access: index documents_embedding_idx`,
				"EXPLAIN SELECT count(*) FROM documents":                                      `access: count\(\*\) from the catalog`,
				"EXPLAIN SELECT id FROM documents WHERE content = 'doc 3'":                    `access: scan, with the WHERE clause`,
				"EXPLAIN SELECT content, count(*) FROM documents GROUP BY content":            `access: aggregate: 400 group`,
				"EXPLAIN SELECT * FROM lakelink_commits":                                      `read: table function lakelink_commits`,
			} {
				res := exec(t, s, stmt)[0]
				if fmt.Sprint(res.Columns) != "[QUERY PLAN]" || !regexp.MustCompile(want).MatchString(planOf(t, res.Rows)) {
					t.Errorf("%s:\n%s\nwant %s", stmt, planOf(t, res.Rows), want)
				}
			}
			admitted := func(where string) (int, int) {
				plan := planOf(t, exec(t, s, "EXPLAIN SELECT id FROM documents"+where)[0].Rows)
				m := regexp.MustCompile(`cold tier: (\d+) of (\d+) file`).FindStringSubmatch(plan)
				if m == nil {
					t.Fatalf("no cold tier line:\n%s", plan)
				}
				a, _ := strconv.Atoi(m[1])
				b, _ := strconv.Atoi(m[2])
				return a, b
			}
			all, files := admitted("")
			recent, _ := admitted(" WHERE created_at >= '2023-04-01'")
			if all != files || files < 2 || recent == 0 || recent >= files {
				t.Errorf("cold files admitted: %d of %d for all rows, %d for April 2023 on", all, files, recent)
			}
		})
	}
}
