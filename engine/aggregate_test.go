package engine_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakelink/lakelink/engine"
)

type aggRow struct {
	ID   int64      `parquet:"id"`
	Cat  *string    `parquet:"cat,optional"`
	N    *int64     `parquet:"n,optional"`
	X    *float64   `parquet:"x,optional"`
	Day  *time.Time `parquet:"day,optional,timestamp(microsecond)"`
	Flag bool       `parquet:"flag"`
}

func aggRows(n int, seed uint64) []aggRow {
	r := rand.New(rand.NewPCG(seed, 7))
	cats := []string{"alpha", "beta", "gamma", "delta", "epsilon"}
	out := make([]aggRow, n)
	for i := range out {
		row := aggRow{ID: int64(i), Flag: r.IntN(3) == 0}
		if r.IntN(10) > 0 {
			c := cats[r.IntN(len(cats))]
			row.Cat = &c
		}
		if r.IntN(8) > 0 {
			v := int64(r.IntN(100)) - 10
			row.N = &v
		}
		if r.IntN(6) > 0 {
			v := r.Float64()
			row.X = &v
		}
		if r.IntN(5) > 0 {
			d := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(300))
			row.Day = &d
		}
		out[i] = row
	}
	return out
}

// refGroups is the reference answer, row at a time: per category (NULL
// as "<nil>"), count(*), count(x), sum(n), avg(x), min(day), max(x).
func refGroups(rows []aggRow, keep func(aggRow) bool) map[string]string {
	type acc struct {
		count, countX, countN int64
		sumN                  int64
		sumX, maxX            float64
		minDay                *time.Time
	}
	accs := map[string]*acc{}
	for _, r := range rows {
		if keep != nil && !keep(r) {
			continue
		}
		k := "<nil>"
		if r.Cat != nil {
			k = *r.Cat
		}
		a := accs[k]
		if a == nil {
			a = &acc{maxX: math.Inf(-1)}
			accs[k] = a
		}
		a.count++
		if r.X != nil {
			a.countX++
			a.sumX += *r.X
			a.maxX = max(a.maxX, *r.X)
		}
		if r.N != nil {
			a.countN++
			a.sumN += *r.N
		}
		if r.Day != nil && (a.minDay == nil || r.Day.Before(*a.minDay)) {
			a.minDay = r.Day
		}
	}
	out := map[string]string{}
	for k, a := range accs {
		var sumN, avgX, maxX, minDay any
		if a.countN > 0 {
			sumN = a.sumN
		}
		if a.countX > 0 {
			avgX, maxX = round6(a.sumX/float64(a.countX)), round6(a.maxX)
		}
		if a.minDay != nil {
			minDay = a.minDay.Format("2006-01-02")
		}
		out[k] = fmt.Sprint(a.count, a.countX, sumN, avgX, minDay, maxX)
	}
	return out
}

func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }

// groupsOf reads the engine's answer to the reference query into the
// reference's form.
func groupsOf(t *testing.T, res engine.Result) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range res.Rows {
		k := fmt.Sprint(r[0])
		var avgX, maxX, minDay any
		if r[4] != nil {
			avgX = round6(r[4].(float64))
		}
		if r[6] != nil {
			maxX = round6(r[6].(float64))
		}
		if r[5] != nil {
			minDay = r[5].(time.Time).Format("2006-01-02")
		}
		if _, dup := out[k]; dup {
			t.Errorf("group %s twice", k)
		}
		out[k] = fmt.Sprint(r[1], r[2], r[3], avgX, minDay, maxX)
	}
	return out
}

const refQuery = "SELECT cat, count(*), count(x), sum(n), avg(x), min(day), max(x) FROM %s%s GROUP BY cat"

// GROUP BY with count, sum, avg, min and max equals a row-at-a-time
// reference over 20,000 rows with NULLs (five batches), on keyed and
// keyless tables, with WHERE, at a past commit, with rows in both tiers,
// and on parquet_scan; HAVING (on an alias and on an aggregate the SELECT
// does not show), DISTINCT, ORDER BY an ordinal or an aggregate, OFFSET,
// and an aggregate without GROUP BY (one row, also over no rows).
func TestGroupBy(t *testing.T) {
	rows := aggRows(20000, 1)
	more := aggRows(3000, 2)
	for i := range more {
		more[i].ID += 100000
	}
	for _, keyed := range []bool{true, false} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			s := session(t, "direct")
			pk := ""
			if keyed {
				pk = " PRIMARY KEY"
			}
			file := writeParquet(t, rows)
			exec(t, s, "CREATE TABLE t (id BIGINT"+pk+", cat TEXT, n BIGINT, x DOUBLE, day TIMESTAMP, flag BOOLEAN); COPY FROM '"+file+"' INTO t")
			first := s.Store.Head()
			exec(t, s, "COPY FROM '"+writeParquet(t, more)+"' INTO t")
			all := append(slices.Clone(rows), more...)
			check := func(name, q string, want map[string]string) {
				t.Helper()
				got := groupsOf(t, exec(t, s, q)[0])
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s: %s\n got %v\nwant %v", name, q, got, want)
				}
			}
			check("all rows", fmt.Sprintf(refQuery, "t", ""), refGroups(all, nil))
			check("WHERE", fmt.Sprintf(refQuery, "t", " WHERE n > 40 AND flag = true"), refGroups(all, func(r aggRow) bool { return r.N != nil && *r.N > 40 && r.Flag }))
			check("AT", fmt.Sprintf(refQuery, fmt.Sprintf("t AT (COMMIT => %d)", first), ""), refGroups(rows, nil))
			check("parquet_scan", fmt.Sprintf(refQuery, "parquet_scan('"+file+"')", ""), refGroups(rows, nil))

			// Rows in cold files too.
			exec(t, s, "ALTER TABLE t SET (cold_storage = '"+t.TempDir()+"')")
			exec(t, s, "ALTER TABLE t TIER PARTITION WHERE id < 8000 TO COLD")
			if coldRowsOf(t, s, "t") != 8000 {
				t.Fatalf("cold rows %d", coldRowsOf(t, s, "t"))
			}
			check("both tiers", fmt.Sprintf(refQuery, "t", ""), refGroups(all, nil))

			ref := refGroups(all, nil)
			// HAVING on an alias, ORDER BY an ordinal.
			res := exec(t, s, "SELECT cat, sum(n) AS total FROM t GROUP BY cat HAVING total > 100000 ORDER BY 2 DESC")[0]
			var totals []int64
			for _, r := range res.Rows {
				totals = append(totals, r[1].(int64))
				var want int64
				fmt.Sscan(strings.Fields(ref[fmt.Sprint(r[0])])[2], &want)
				if r[1] != want || want <= 100000 {
					t.Errorf("HAVING total: %v", r)
				}
			}
			if !slices.IsSortedFunc(totals, func(a, b int64) int { return int(b - a) }) || len(totals) == 0 {
				t.Errorf("ORDER BY 2 DESC: %v", totals)
			}
			if fmt.Sprint(res.Columns) != "[cat total]" {
				t.Errorf("columns %v", res.Columns)
			}
			// HAVING on an aggregate not shown; ORDER BY an aggregate.
			res = exec(t, s, "SELECT cat FROM t GROUP BY cat HAVING count(*) > 4000 ORDER BY count(*)")[0]
			var wantCats []string
			for k, v := range ref {
				var c int64
				fmt.Sscan(v, &c)
				if c > 4000 {
					wantCats = append(wantCats, k)
				}
			}
			if len(res.Rows) != len(wantCats) || len(res.Columns) != 1 {
				t.Errorf("HAVING count(*) > 4000: %v, want %v", res.Rows, wantCats)
			}
			// DISTINCT, ORDER BY, OFFSET, LIMIT.
			res = exec(t, s, "SELECT DISTINCT cat FROM t ORDER BY cat OFFSET 1 LIMIT 2")[0]
			if fmt.Sprint(res.Rows) != "[[beta] [delta]]" {
				t.Errorf("DISTINCT ... OFFSET 1 LIMIT 2: %v", res.Rows)
			}
			// No GROUP BY: one row; over no rows, count 0 and NULL sums.
			res = exec(t, s, "SELECT count(*), sum(n), min(cat), max(cat) FROM t WHERE id < 0")[0]
			if fmt.Sprint(res.Rows) != "[[0 <nil> <nil> <nil>]]" {
				t.Errorf("aggregates over no rows: %v", res.Rows)
			}
			res = exec(t, s, "SELECT count(*) FROM t WHERE id < 0 GROUP BY cat")[0]
			if len(res.Rows) != 0 {
				t.Errorf("groups over no rows: %v", res.Rows)
			}
			res = exec(t, s, "SELECT min(cat), max(cat), count(flag) FROM t")[0]
			if fmt.Sprint(res.Rows) != "[[alpha gamma 23000]]" {
				t.Errorf("min/max of text: %v", res.Rows)
			}
			// Several keys, by ordinal.
			res = exec(t, s, "SELECT flag, cat, count(*) FROM t GROUP BY 1, 2")[0]
			var sum int64
			for _, r := range res.Rows {
				sum += r[2].(int64)
			}
			if sum != 23000 || len(res.Rows) != 12 {
				t.Errorf("GROUP BY flag, cat: %d groups, %d rows", len(res.Rows), sum)
			}
			// OFFSET without grouping.
			res = exec(t, s, "SELECT id FROM t WHERE id < 10 ORDER BY id DESC OFFSET 2 LIMIT 3")[0]
			if fmt.Sprint(res.Rows) != "[[7] [6] [5]]" {
				t.Errorf("ORDER BY ... OFFSET 2 LIMIT 3: %v", res.Rows)
			}
			if res := exec(t, s, "SELECT count(*) FROM t OFFSET 1")[0]; len(res.Rows) != 0 {
				t.Errorf("count(*) OFFSET 1: %v, want no row", res.Rows)
			}
			res = exec(t, s, "SELECT id, cat FROM t WHERE id < 3 ORDER BY 1")[0]
			if fmt.Sprint(res.Rows[0][0]) != "0" || len(res.Rows) != 3 {
				t.Errorf("ORDER BY 1: %v", res.Rows)
			}
			for q, want := range map[string]string{
				"SELECT cat, sum(cat) FROM t GROUP BY cat":       "needs a number",
				"SELECT cat FROM t GROUP BY cat HAVING nope > 1": "not a result column",
				"SELECT nope, count(*) FROM t GROUP BY nope":     "nope",
			} {
				if _, err := s.Exec(t.Context(), q); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%s: %v, want %q", q, err, want)
				}
			}
		})
	}
}

func coldRowsOf(t *testing.T, s *engine.Session, table string) int64 {
	t.Helper()
	r := exec(t, s, "SELECT cold_rows FROM lakelink_tables WHERE table_name = '"+table+"'")[0]
	return r.Rows[0][0].(int64)
}

// ORDER BY several terms, each in its direction, NULLs last in each: on
// rows, on groups, on a join, and after a vector comparison.
func TestOrderByTerms(t *testing.T) {
	s := session(t, "direct")
	rows := aggRows(500, 3)
	exec(t, s, "CREATE TABLE t (id BIGINT PRIMARY KEY, cat TEXT, n BIGINT, x DOUBLE, day TIMESTAMP, flag BOOLEAN); COPY FROM '"+writeParquet(t, rows)+"' INTO t")
	// The reference: cat descending (NULLs last), then n ascending (NULLs
	// last), then id.
	sorted := slices.Clone(rows)
	str := func(p *string) string {
		if p == nil {
			return "\xff"
		}
		return *p
	}
	num := func(p *int64) int64 {
		if p == nil {
			return math.MaxInt64
		}
		return *p
	}
	slices.SortStableFunc(sorted, func(a, b aggRow) int {
		ca, cb := str(a.Cat), str(b.Cat)
		if ca != cb {
			if ca == "\xff" || cb == "\xff" {
				return strings.Compare(cb, ca) * -1
			}
			return strings.Compare(cb, ca)
		}
		if na, nb := num(a.N), num(b.N); na != nb {
			if na < nb {
				return -1
			}
			return 1
		}
		return int(a.ID - b.ID)
	})
	var want []string
	for _, r := range sorted[:20] {
		want = append(want, fmt.Sprint(r.ID))
	}
	res := exec(t, s, "SELECT id, cat, n FROM t ORDER BY cat DESC, n, id LIMIT 20")[0]
	var got []string
	for _, r := range res.Rows {
		got = append(got, fmt.Sprint(r[0]))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ORDER BY cat DESC, n, id:\n got %v\nwant %v", got, want)
	}
	res = exec(t, s, "SELECT flag, cat, count(*) FROM t GROUP BY flag, cat ORDER BY 1 DESC, cat")[0]
	for i := 1; i < len(res.Rows); i++ {
		a, b := res.Rows[i-1], res.Rows[i]
		if a[0] == false && b[0] == true || a[0] == b[0] && a[1] != nil && b[1] != nil && a[1].(string) > b[1].(string) {
			t.Errorf("groups out of order at %d: %v then %v", i, a, b)
		}
	}
	if len(res.Rows) != 12 {
		t.Errorf("%d groups", len(res.Rows))
	}
}

// Times far from 1970 (the 9999-12-31 that marks an open end, the year
// 1) group and compare exactly: min, max and GROUP BY keep them.
func TestAggregateFarTimes(t *testing.T) {
	s := session(t, "direct")
	exec(t, s, "CREATE TABLE spans (id BIGINT, until TIMESTAMP); INSERT INTO spans VALUES (1, '9999-12-31'), (2, '0001-01-02'), (3, '2024-05-01'), (4, '9999-12-31')")
	res := exec(t, s, "SELECT min(until), max(until) FROM spans")[0]
	if got := fmt.Sprint(res.Rows); got != "[[0001-01-02 00:00:00 +0000 UTC 9999-12-31 00:00:00 +0000 UTC]]" {
		t.Errorf("min and max: %s", got)
	}
	res = exec(t, s, "SELECT until, count(*) FROM spans GROUP BY until ORDER BY 1")[0]
	if got := fmt.Sprint(res.Rows); got != "[[0001-01-02 00:00:00 +0000 UTC 1] [2024-05-01 00:00:00 +0000 UTC 1] [9999-12-31 00:00:00 +0000 UTC 2]]" {
		t.Errorf("groups: %s", got)
	}
}

// min and max agree with ORDER BY ... LIMIT 1 on DOUBLE columns holding
// NaN, wherever the NaN stands among the rows: the order of the rows
// does not change the answer.
func TestAggregateNaN(t *testing.T) {
	for _, values := range []string{"(1, 'NaN'), (2, 3.5), (3, -1)", "(1, 3.5), (2, -1), (3, 'NaN')"} {
		s := session(t, "direct")
		exec(t, s, "CREATE TABLE m (id BIGINT, x DOUBLE); INSERT INTO m VALUES "+values)
		agg := exec(t, s, "SELECT min(x), max(x) FROM m")[0].Rows[0]
		lo := exec(t, s, "SELECT x FROM m ORDER BY x LIMIT 1")[0].Rows[0][0]
		hi := exec(t, s, "SELECT x FROM m ORDER BY x DESC LIMIT 1")[0].Rows[0][0]
		if fmt.Sprint(agg) != fmt.Sprint([]any{lo, hi}) {
			t.Errorf("%s: min, max %v; ORDER BY gives %v and %v", values, agg, lo, hi)
		}
	}
}

// A sum past BIGINT's range is an error naming the aggregate, not a
// wrapped-around number.
func TestAggregateSumOverflow(t *testing.T) {
	s := session(t, "direct")
	exec(t, s, "CREATE TABLE big (id BIGINT, n BIGINT); INSERT INTO big VALUES (1, 9223372036854775807), (2, 1)")
	if _, err := s.Exec(t.Context(), "SELECT sum(n) FROM big"); err == nil || !strings.Contains(err.Error(), "sum(n) is out of BIGINT's range") {
		t.Errorf("sum past BIGINT: %v", err)
	}
	if _, err := s.Exec(t.Context(), "INSERT INTO big VALUES (3, 9223372036854775808)"); err == nil {
		t.Error("2^63 went into a BIGINT")
	}
}
