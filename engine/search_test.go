package engine_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/testing/fixtures"
)

// exactRanking ranks the fixture's rows against q by a float64 measure,
// computed here without lakelink's kernels; larger first.
func exactRanking(docs fixtures.Documents, n int, q []float32, keep func(id int64) bool, measure func(a, b []float32) float64) []int64 {
	type scored struct {
		id int64
		s  float64
	}
	var all []scored
	for i := 0; i < n; i++ {
		d := docs.Row(i)
		if keep == nil || keep(d.ID) {
			all = append(all, scored{d.ID, measure(d.Embedding, q)})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].s > all[j].s })
	out := make([]int64, len(all))
	for i, s := range all {
		out[i] = s.id
	}
	return out
}

func cosine64(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

func negL2(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return -math.Sqrt(s)
}

func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func ids(t *testing.T, rows [][]any) []int64 {
	t.Helper()
	var out []int64
	for _, r := range rows {
		out = append(out, r[0].(int64))
	}
	return out
}

// The guide's search statement and pgvector's operators, with the query
// vector as a parameter and as a literal, rank rows as an exact float64
// computation does; a WHERE filter still returns k rows.
func TestSimilaritySearch(t *testing.T) {
	docs := fixtures.Documents{Rows: 600, Dim: 16, RowGroupRows: 200}
	path := writeDocs(t, docs)
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id')", path))
	q := docs.Row(42).Embedding
	lit := strings.ReplaceAll(fmt.Sprint(q), " ", ", ")
	s.Params = map[int]any{1: q}
	later := func(id int64) bool { return id >= 300 }
	for _, c := range []struct {
		stmt    string
		keep    func(int64) bool
		measure func(a, b []float32) float64
	}{
		{"SELECT id, content, cosine_similarity(embedding, $1) AS score FROM documents ORDER BY score DESC LIMIT 10", nil, cosine64},
		{"SELECT id FROM documents ORDER BY embedding <=> $1 LIMIT 10", nil, cosine64},
		{"SELECT id, cosine_distance(embedding, '" + lit + "') FROM documents ORDER BY cosine_distance(embedding, '" + lit + "') LIMIT 10", nil, cosine64},
		{"SELECT id FROM documents ORDER BY embedding <-> '" + lit + "' LIMIT 10", nil, negL2},
		{"SELECT id, l2_distance(embedding, $1) AS d FROM documents ORDER BY d ASC LIMIT 10", nil, negL2},
		{"SELECT id FROM documents ORDER BY embedding <#> $1 LIMIT 10", nil, dot64},
		{"SELECT id, inner_product(embedding, $1) AS ip FROM documents ORDER BY ip DESC LIMIT 10", nil, dot64},
		{"SELECT id FROM documents WHERE id >= 300 AND title != '' ORDER BY embedding <=> $1 LIMIT 10", later, cosine64},
		{"SELECT id FROM documents WHERE id IN (1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21) ORDER BY $1 <=> embedding LIMIT 10",
			func(id int64) bool { return id%2 == 1 && id < 22 }, cosine64},
	} {
		r := exec(t, s, c.stmt)[0]
		want := exactRanking(docs, docs.Rows, q, c.keep, c.measure)[:10]
		if got := ids(t, r.Rows); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s:\n got %v\nwant %v", c.stmt, got, want)
		}
	}
	r := exec(t, s, "SELECT id, cosine_similarity(embedding, $1) AS score FROM documents ORDER BY score DESC LIMIT 3")[0]
	if fmt.Sprint(r.Columns) != "[id score]" || r.Rows[0][0] != int64(42) || math.Abs(r.Rows[0][1].(float64)-1) > 1e-6 {
		t.Errorf("the row itself first, with similarity 1: %v %v", r.Columns, r.Rows)
	}
	// Every row's score, with no LIMIT, in order.
	r = exec(t, s, "SELECT id, embedding <-> $1 AS d FROM documents ORDER BY d")[0]
	if len(r.Rows) != docs.Rows {
		t.Fatalf("%d rows", len(r.Rows))
	}
	for i := 1; i < len(r.Rows); i++ {
		if r.Rows[i][1].(float64) < r.Rows[i-1][1].(float64) {
			t.Fatalf("not ascending at %d", i)
		}
	}
	// ORDER BY a scalar column.
	r = exec(t, s, "SELECT id, title FROM documents WHERE id < 50 ORDER BY title DESC LIMIT 3")[0]
	var titles []string
	for i := 0; i < 50; i++ {
		titles = append(titles, docs.Row(i).Title)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(titles)))
	if len(r.Rows) != 3 || r.Rows[0][1] != titles[0] || r.Rows[2][1] != titles[2] {
		t.Errorf("ORDER BY title DESC: %v, want %v", r.Rows, titles[:3])
	}
}

// Bad searches are clear errors that name the column and both dimensions.
func TestSimilaritySearchErrors(t *testing.T) {
	path := writeDocs(t, fixtures.Documents{Rows: 20, Dim: 8})
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id')", path))
	s.Params = map[int]any{1: make([]float32, 8), 2: make([]float32, 512), 3: "[1, 2, oops]"}
	for stmt, want := range map[string]string{
		"SELECT id FROM documents ORDER BY embedding <=> $2 LIMIT 3":                "the query vector has 512 dimensions, column embedding is VECTOR(8)",
		"SELECT id FROM documents ORDER BY embedding <=> '[1, 2, 3]' LIMIT 3":       "the query vector has 3 dimensions, column embedding is VECTOR(8)",
		"SELECT id, cosine_similarity(title, $1) FROM documents":                    "column title is TEXT, not a VECTOR",
		"SELECT id FROM documents ORDER BY embedding <-> $9 LIMIT 3":                "no value for parameter $9",
		"SELECT id FROM documents ORDER BY embedding <-> $3 LIMIT 3":                "parameter $3: a vector is written [0.1, 0.2, ...]",
		"SELECT id FROM documents ORDER BY embedding LIMIT 3":                       "a VECTOR(8) column has no order",
		"SELECT id FROM documents ORDER BY nothing":                                 "no such column",
		"SELECT id FROM documents ORDER BY embedding <=> '[1, NaN]' LIMIT 3":        "is not one",
		"SELECT id, cosine_similarity(embedding, embedding) FROM documents":         "expected a query vector",
		"SELECT id FROM documents ORDER BY '[1]' <=> '[2]' LIMIT 3":                 "not two query vectors",
		"SELECT id FROM documents ORDER BY cosine_similarity(embedding $1) LIMIT 3": "takes a vector column and a query vector",
	} {
		if _, err := s.Exec(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", stmt, err, want)
		}
	}
}

type embRow struct {
	ID        int64     `parquet:"id"`
	Embedding []float32 `parquet:"embedding,list"`
}

// Upsert half the rows with new vectors, search again: no result carries
// an old vector, on the direct runner and on Prism.
func TestSearchAfterUpsertSeesNoOldVectors(t *testing.T) {
	docs := fixtures.Documents{Rows: 400, Dim: 8}
	path := writeDocs(t, docs)
	fresh, upd := evenRowsNewVectors(t, docs, 1) // another row's vector, reversed
	for _, runner := range []string{"direct", "prism"} {
		s := session(t, runner)
		exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents WITH (primary_key = 'id')", path))
		exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents (id, embedding) WITH (mode = 'update', key_columns = ['id'])", upd))
		current := map[int64][]float32{}
		for i, r := range fresh {
			current[r.ID] = fresh[i].Embedding
		}
		for i := 1; i < docs.Rows; i += 2 {
			current[int64(i)] = docs.Row(i).Embedding
		}
		for _, probe := range []int{0, 10, 20} { // old vectors of upserted rows
			s.Params = map[int]any{1: docs.Row(probe).Embedding}
			r := exec(t, s, "SELECT id, embedding, embedding <-> $1 AS d FROM documents ORDER BY d LIMIT 20")[0]
			for _, row := range r.Rows {
				id, emb := row[0].(int64), row[1].([]float32)
				if fmt.Sprint(emb) != fmt.Sprint(current[id]) {
					t.Fatalf("%s: row %d came back with %v, its vector is %v", runner, id, emb, current[id])
				}
				if d := -negL2(current[id], docs.Row(probe).Embedding); math.Abs(d-row[2].(float64)) > 1e-4*math.Max(1, d) {
					t.Fatalf("%s: row %d distance %v, from its vector %v", runner, id, row[2], d)
				}
			}
			if r.Rows[0][0] == int64(probe) && r.Rows[0][2].(float64) < 1e-6 {
				t.Errorf("%s: the old vector of row %d still matches exactly", runner, probe)
			}
		}
	}
}

type siftRow struct {
	ID int64     `parquet:"id"`
	V  []float32 `parquet:"v,list"`
}

// siftParquet loads the real SIFT set (skipping when it is absent) and
// writes its base vectors as a Parquet file of (id, v).
func siftParquet(t *testing.T) (fixtures.SIFT5K, string) {
	t.Helper()
	set, err := fixtures.LoadSIFT5K(fixtures.SIFTDir(1))
	if errors.Is(err, fixtures.ErrNoData) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]siftRow, len(set.Base))
	for i, v := range set.Base {
		rows[i] = siftRow{ID: int64(i), V: v}
	}
	path := filepath.Join(t.TempDir(), "sift.parquet")
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
	return set, path
}

// The real SIFT set, written to Parquet and imported through COPY: an
// exact search in SQL returns the ground truth's 100 nearest of every
// query, in order (rows swap places only where their distances tie).
func TestSIFTThroughCopyIsExact(t *testing.T) {
	set, path := siftParquet(t)
	s := session(t, "direct")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO sift WITH (primary_key = 'id')", path))
	for qi, q := range set.Queries {
		s.Params = map[int]any{1: q}
		r := exec(t, s, "SELECT id, v <-> $1 AS d FROM sift ORDER BY d LIMIT 100")[0]
		for rank, row := range r.Rows {
			want := set.Truth[qi][rank]
			if row[0].(int64) == int64(want) {
				continue
			}
			wd := -negL2(set.Base[want], q)
			if math.Abs(wd-row[1].(float64)) > 1e-4*wd {
				t.Fatalf("query %d, rank %d: id %v at %v, the truth has %d at %v", qi, rank, row[0], row[1], want, wd)
			}
		}
	}
}
