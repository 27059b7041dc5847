package engine_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/testing/fixtures"
)

// Imports build their index parts in the workers (docs/design.md): in runs of
// at most index_segment_rows staged rows, on the direct runner and in
// Prism's worker processes; the commit stores them as one segment of
// several parts, and searches through them agree with exact scans. An
// upsert whose input repeats keys keeps, in the workers' part, only the
// entries of the rows it wrote; an update that does not feed the vector
// column leaves the indexing to the commit.
func TestIndexesBuiltByTheWorkers(t *testing.T) {
	dir := t.TempDir()
	const perFile = 1500
	var all []fixtures.Documents
	for i := range 3 {
		cfg := fixtures.Documents{Rows: perFile, Dim: 24, RowGroupRows: 250, FirstID: int64(i * perFile), Seed: uint64(10 + i), ContentChars: 20}
		all = append(all, cfg)
		if err := fixtures.WriteDocuments(filepath.Join(dir, fmt.Sprintf("p%d.parquet", i)), cfg); err != nil {
			t.Fatal(err)
		}
	}
	row := func(id int) fixtures.Document { return all[id/perFile].Row(id % perFile) }
	marks := t.TempDir()
	t.Setenv(workerMarksEnv, marks)
	runs := []string{"direct", "prism-process"}
	if testing.Short() {
		runs = runs[:1]
	}
	for _, runner := range runs {
		t.Run(runner, func(t *testing.T) {
			s := session(t, runner)
			msg := exec(t, s, fmt.Sprintf("COPY FROM '%s/*.parquet' INTO documents WITH (primary_key = 'id', batch_size = 250, "+
				"build_indexes = true, hnsw_m = 16, hnsw_ef_construction = 100, index_segment_rows = 1000)", dir))[0].Message
			// 18 staged segments of 250 rows, cut into runs of 1,000.
			if !strings.Contains(msg, "index documents_embedding_idx: 5 part(s) built by the workers") {
				t.Errorf("COPY: %s", msg)
			}
			if runner == "prism-process" && len(workerPIDs(t, marks)) == 0 {
				t.Errorf("no worker process ran")
			}
			parts := storedParts(t, s, "documents", "documents_embedding_idx")
			if len(parts) != 1 || len(parts[0]) != 5 {
				t.Fatalf("segments of parts: %d", len(parts))
			}
			entries := 0
			for _, p := range parts[0] {
				entries += len(p.Keys)
			}
			if entries != 3*perFile {
				t.Errorf("%d entries, want %d", entries, 3*perFile)
			}
			// A search as wide as a part: the walk reaches every node it can,
			// so the answer is the exact one unless the parallel build left
			// a node without a way in (AddBatch: about 1 in 200,000).
			exec(t, s, "SET lakelink.hnsw_ef_search = 1000")
			agreeWithScan(t, s, []int{0, 777, 1499, 2600, 4499}, func(id int) []float32 { return row(id).Embedding })

			// Upsert ids 0-99, each twice in the input: the second wins.
			var twice []embRow
			for round := range 2 {
				for id := range 100 {
					v := row((id*37 + 11 + round*1000) % (3 * perFile)).Embedding
					w := make([]float32, len(v))
					for k := range v {
						w[k] = -v[k] * float32(1+round)
					}
					twice = append(twice, embRow{ID: int64(id), Embedding: w})
				}
			}
			path := filepath.Join(t.TempDir(), "twice.parquet")
			if err := parquet.WriteFile(path, twice); err != nil {
				t.Fatal(err)
			}
			msg = exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents (id, embedding) WITH (mode = 'upsert', key_columns = ['id'])", path))[0].Message
			if !strings.Contains(msg, "COPY 100 rows") || !strings.Contains(msg, "1 part(s) built by the workers") {
				t.Errorf("upsert: %s", msg)
			}
			parts = storedParts(t, s, "documents", "documents_embedding_idx")
			head := s.Store.Head()
			if len(parts) != 2 || len(parts[1]) != 1 || len(parts[1][0].Keys) != 200 {
				t.Fatalf("after the upsert: %d segments", len(parts))
			}
			p := parts[1][0]
			for i, r := range twice {
				// The entry nearest to each input vector is that row's own.
				res, err := p.Index.Search(r.Embedding, 1, 400, nil)
				if err != nil || len(res) != 1 || res[0].Distance > 1e-4 {
					all, _ := p.Index.Search(r.Embedding, 200, 400, nil)
					t.Fatalf("row %d: %v %v; of %d: %v", i, res, err, len(all), all[:5])
				}
				label := res[0].Label
				live := p.Versions[label] == head
				if want := i >= 100; live != want {
					t.Errorf("input row %d (id %d): entry live %v, want %v (version %d, commit %d)", i, r.ID, live, want, p.Versions[label], head)
				}
				if p.Versions[label] != head && p.Versions[label] != 0 {
					t.Errorf("input row %d: version %d", i, p.Versions[label])
				}
				if !bytes.Equal(p.Keys[label], p.Keys[labelOf(t, p, twice[i%100+100].Embedding)]) {
					t.Errorf("input row %d: key differs from its winner's", i)
				}
			}
			current := func(id int) []float32 {
				if id < 100 {
					return twice[100+id].Embedding
				}
				return row(id).Embedding
			}
			agreeWithScan(t, s, []int{0, 5, 99, 100, 3000}, current)
			for _, r := range twice[:100] { // the losing vectors find nothing stale
				s.Params = map[int]any{1: r.Embedding}
				res := exec(t, s, "SELECT id, embedding FROM documents ORDER BY embedding <=> $1 LIMIT 10")[0]
				for _, got := range res.Rows {
					if fmt.Sprint(got[1]) != fmt.Sprint(current(int(got[0].(int64)))) {
						t.Fatalf("id %v came back with a vector it no longer has", got[0])
					}
				}
			}

			// An update of another column: the vectors stay, the commit
			// indexes the rows it rewrote.
			msg = exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents (id, title) WITH (mode = 'update', key_columns = ['id'])", renamedTitles(t, 50)))[0].Message
			if !strings.Contains(msg, "index documents_embedding_idx: 1 part(s) built by the commit") {
				t.Errorf("update: %s", msg)
			}
			agreeWithScan(t, s, []int{0, 20, 49, 50}, current)
		})
	}
}

// storedParts decodes every segment of an index at the head.
func storedParts(t *testing.T, s *engine.Session, table, index string) [][]*indexes.Part {
	t.Helper()
	v := s.Store.View(s.Store.Head())
	defer v.Close()
	ti, err := v.Table(table)
	if err != nil {
		t.Fatal(err)
	}
	segs, err := v.IndexSegments(ti, index)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]*indexes.Part
	for _, seg := range segs {
		parts, err := indexes.DecodeSegment(seg.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, parts)
	}
	return out
}

func labelOf(t *testing.T, p *indexes.Part, v []float32) uint64 {
	t.Helper()
	res, err := p.Index.Search(v, 1, 400, nil)
	if err != nil || len(res) == 0 {
		t.Fatal(res, err)
	}
	return res[0].Label
}

// agreeWithScan checks that the index's top 10 for the vectors of probes
// are the exact scan's, by ids or by scores (ties).
func agreeWithScan(t *testing.T, s *engine.Session, probes []int, vec func(id int) []float32) {
	t.Helper()
	for _, probe := range probes {
		s.Params = map[int]any{1: vec(probe)}
		idx := exec(t, s, "SELECT id, cosine_similarity(embedding, $1) AS score FROM documents ORDER BY score DESC LIMIT 10")[0]
		scan := exec(t, s, "SELECT id, cosine_similarity(embedding, $1) AS score FROM documents ORDER BY score ASC LIMIT 1000000")[0]
		if !strings.HasPrefix(idx.Plan, "index ") {
			t.Fatalf("probe %d: plan %q", probe, idx.Plan)
		}
		var want [][]any
		for i := len(scan.Rows) - 1; i >= 0 && len(want) < 10; i-- {
			want = append(want, scan.Rows[i])
		}
		if fmt.Sprint(ids(t, idx.Rows)) != fmt.Sprint(ids(t, want)) && fmt.Sprint(scores(idx.Rows)) != fmt.Sprint(scores(want)) {
			t.Errorf("probe %d: index %v, scan %v", probe, ids(t, idx.Rows), ids(t, want))
		}
	}
}

func renamedTitles(t *testing.T, n int) string {
	var rows []titleRow
	for i := range n {
		rows = append(rows, titleRow{int64(i), fmt.Sprintf("renamed %d", i)})
	}
	return writeTitles(t, rows)
}
