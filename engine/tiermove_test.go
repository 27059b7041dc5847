package engine_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/blobtest"
	"github.com/lakelink/lakelink/tiering"
)

// tierDoc is a row of the tiering tests' documents: one a day from
// 2022-07-01, its embedding near the centre of its month, so that a
// month's file has a small radius.
type tierDoc struct {
	ID        int64     `parquet:"id"`
	Content   string    `parquet:"content"`
	CreatedAt time.Time `parquet:"created_at,timestamp(microsecond)"`
	Embedding []float32 `parquet:"embedding,list"`
}

const tierDim = 8

func tierDocs(n int) []tierDoc {
	r := rand.New(rand.NewPCG(5, 6))
	centres := map[string][]float32{}
	start := time.Date(2022, 7, 1, 12, 0, 0, 0, time.UTC)
	out := make([]tierDoc, n)
	for i := range out {
		day := start.AddDate(0, 0, i)
		month := day.Format("2006-01")
		c, ok := centres[month]
		if !ok {
			c = make([]float32, tierDim)
			for j := range c {
				c[j] = float32(r.NormFloat64())
			}
			centres[month] = c
		}
		v := make([]float32, tierDim)
		for j := range v {
			v[j] = c[j] + 0.1*float32(r.NormFloat64())
		}
		out[i] = tierDoc{ID: int64(i), Content: fmt.Sprintf("doc %d", i), CreatedAt: day, Embedding: v}
	}
	return out
}

// tierTable makes the documents table from the rows (keyed by id or
// keyless), with an HNSW index, and sets its policy to cold.
func tierTable(t *testing.T, s *engine.Session, keyed bool, docs []tierDoc, cold string) {
	t.Helper()
	pk := ""
	if keyed {
		pk = " PRIMARY KEY"
	}
	exec(t, s, "CREATE TABLE documents (id BIGINT"+pk+", content TEXT, created_at TIMESTAMP, embedding VECTOR(8))")
	exec(t, s, "CREATE INDEX ON documents USING hnsw (embedding) WITH (metric = 'cosine')")
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO documents", writeParquet(t, docs)))
	exec(t, s, "ALTER TABLE documents SET (hot_storage = 'local', cold_storage = '"+cold+"', tier_after = INTERVAL '90 days');")
}

// coldFiles lists the Parquet files under a local cold folder.
func coldFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".parquet") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// cosineTop is the exact top k ids by cosine similarity to q.
func cosineTop(docs []tierDoc, keep func(tierDoc) bool, q []float32, k int) []int64 {
	type hit struct {
		id int64
		s  float64
	}
	var all []hit
	for _, d := range docs {
		if keep != nil && !keep(d) {
			continue
		}
		var dot, nq, nv float64
		for i := range q {
			dot += float64(q[i]) * float64(d.Embedding[i])
			nq += float64(q[i]) * float64(q[i])
			nv += float64(d.Embedding[i]) * float64(d.Embedding[i])
		}
		all = append(all, hit{d.ID, dot / math.Sqrt(nq*nv)})
	}
	sort.Slice(all, func(a, b int) bool { return all[a].s > all[b].s || all[a].s == all[b].s && all[a].id < all[b].id })
	var out []int64
	for _, h := range all[:min(k, len(all))] {
		out = append(out, h.id)
	}
	return out
}

func sortedIDs(t *testing.T, rows [][]any) []int64 {
	out := ids(t, rows)
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

// The guide's four statements run as written against a local folder, on
// a keyed and a keyless table: TIER PARTITION ... TO COLD moves exactly
// the matching rows into month-partitioned AI-Lake files listed in the
// catalog, TO HOT puts exactly its rows back, and count(*), WHERE, key
// lookups, the search that spans both tiers and the digest give what the
// all-hot table gave.
func TestTierGuideStatements(t *testing.T) {
	for _, keyed := range []bool{true, false} {
		t.Run(map[bool]string{true: "keyed", false: "keyless"}[keyed], func(t *testing.T) {
			s := session(t, "direct")
			docs := tierDocs(600) // 2022-07-01 .. 2024-02-21
			cold := t.TempDir()
			tierTable(t, s, keyed, docs, cold)
			digest := func() string {
				d, err := tiering.Digest(context.Background(), s.Store, "documents", s.Store.Head())
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			allHot := digest()
			hotDigest, _ := s.Store.Digest("documents", s.Store.Head())
			if allHot != hotDigest {
				t.Fatalf("with no cold file the digests differ: %s, %s", allHot, hotDigest)
			}
			res := exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2024-01-01' TO COLD;")[0]
			cut := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			var old int64
			for _, d := range docs {
				if d.CreatedAt.Before(cut) {
					old++
				}
			}
			if field(res, "rows") != old {
				t.Fatalf("moved %v rows, want %d: %s", field(res, "rows"), old, res.Message)
			}
			if n, _ := s.Store.Count("documents", s.Store.Head()); n != int64(len(docs))-old {
				t.Errorf("the store holds %d rows, want %d", n, int64(len(docs))-old)
			}
			files := coldFiles(t, cold)
			cat, _ := s.Store.ColdFiles("documents", s.Store.Head())
			if len(files) < 18 || len(cat) != len(files) {
				t.Fatalf("%d cold files on disk, %d in the catalog: %v", len(files), len(cat), files)
			}
			for _, f := range cat {
				if !strings.Contains(f.Path, "created_at_month=") || len(f.Sections) != 1 || f.SHA256 == "" || f.Rows == 0 {
					t.Errorf("catalog entry %+v", f)
				}
				if r, ok := f.Range("created_at"); !ok || r.Max.I >= cut.UnixMicro() {
					t.Errorf("%s: created_at statistics %+v", f.Path, r)
				}
			}
			if got := digest(); got != allHot {
				t.Errorf("digest after the move %s, all hot %s", got, allHot)
			}
			if n := count(t, s, "documents"); n != int64(len(docs)) {
				t.Errorf("count(*) = %d, want %d", n, len(docs))
			}
			// A row from each tier by key, and a WHERE over both.
			for _, id := range []int64{3, 599} {
				rows := exec(t, s, fmt.Sprintf("SELECT id, content FROM documents WHERE id = %d", id))[0].Rows
				if len(rows) != 1 || rows[0][1] != fmt.Sprintf("doc %d", id) {
					t.Errorf("id %d: %v", id, rows)
				}
			}
			rows := exec(t, s, "SELECT id FROM documents WHERE created_at BETWEEN '2023-12-25' AND '2024-01-05'")[0].Rows
			var across []int64
			for _, d := range docs {
				if !d.CreatedAt.Before(time.Date(2023, 12, 25, 0, 0, 0, 0, time.UTC)) && !d.CreatedAt.After(time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC)) {
					across = append(across, d.ID)
				}
			}
			if got := sortedIDs(t, rows); len(across) < 10 || fmt.Sprint(got) != fmt.Sprint(across) {
				t.Errorf("rows across the cut: %v, want %v", got, across)
			}
			// The guide's search spans both tiers and is the exact answer.
			q := docs[300].Embedding
			s.Params = map[int]any{1: q}
			search := "SELECT id, content, cosine_similarity(embedding, $1) AS score FROM documents\nWHERE created_at > '2023-01-01' ORDER BY score DESC LIMIT 10;"
			want := cosineTop(docs, func(d tierDoc) bool { return d.CreatedAt.After(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)) }, q, 10)
			if got := ids(t, exec(t, s, search)[0].Rows); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("the guide's search: %v, want %v", got, want)
			}
			// Without WHERE: the index and the files' sections, with pruning.
			res = exec(t, s, "SELECT id FROM documents ORDER BY cosine_similarity(embedding, $1) DESC LIMIT 5")[0]
			if got, want := ids(t, res.Rows), cosineTop(docs, nil, q, 5); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("top 5 over both tiers: %v, want %v (%s)", got, want, res.Plan)
			}
			if !strings.Contains(res.Plan, "skipped by centroid and radius") || strings.Contains(res.Plan, " 0 skipped") {
				t.Errorf("plan: %s", res.Plan)
			}
			// Back to hot: exactly those rows.
			res = exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at BETWEEN '2023-01-01' AND '2023-06-30' TO HOT;")[0]
			var back int64
			for _, d := range docs {
				if !d.CreatedAt.Before(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)) && !d.CreatedAt.After(time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC)) {
					back++
				}
			}
			if field(res, "rows") != back {
				t.Errorf("put back %v rows, want %d: %s", field(res, "rows"), back, res.Message)
			}
			if n, _ := s.Store.Count("documents", s.Store.Head()); n != int64(len(docs))-old+back {
				t.Errorf("the store holds %d rows, want %d", n, int64(len(docs))-old+back)
			}
			if got := digest(); got != allHot {
				t.Errorf("digest after the move back %s, all hot %s", got, allHot)
			}
			if got := ids(t, exec(t, s, search)[0].Rows); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("the guide's search after TO HOT: %v, want %v", got, want)
			}
			// Twice: nothing more moves.
			if r := exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2023-01-01' TO COLD")[0]; field(r, "rows") != int64(0) {
				t.Errorf("a second move to cold: %s", r.Message)
			}
			_ = store.ColdFile{}
		})
	}
}

// field is a result's field by name.
func field(r engine.Result, name string) any {
	for _, f := range r.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return nil
}

// TIER RUN applies tier_after: rows older than the cut move, a second
// run moves nothing, and the statement form moves the rest (every row is
// older than 90 days today).
func TestTierRun(t *testing.T) {
	s := session(t, "direct")
	docs := tierDocs(300) // 2022-07-01 .. 2023-04-26
	tierTable(t, s, false, docs, t.TempDir())
	now := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	cut := now.AddDate(0, 0, -90)
	var old int64
	for _, d := range docs {
		if d.CreatedAt.Before(cut) {
			old++
		}
	}
	r, err := s.TierRun(context.Background(), "", now)
	if err != nil {
		t.Fatal(err)
	}
	if field(r, "rows") != old {
		t.Fatalf("tier run moved %v, want %d: %s", field(r, "rows"), old, r.Message)
	}
	head := s.Store.Head()
	if r, err = s.TierRun(context.Background(), "documents", now); err != nil || field(r, "rows") != int64(0) || s.Store.Head() != head {
		t.Errorf("a second run: %v %v (head %d, was %d)", r.Message, err, s.Store.Head(), head)
	}
	exec(t, s, "TIER RUN documents")
	if n, _ := s.Store.Count("documents", s.Store.Head()); n != 0 {
		t.Errorf("%d rows still in the store", n)
	}
	if n := count(t, s, "documents"); n != int64(len(docs)) {
		t.Errorf("count(*) = %d", n)
	}
	if _, err := s.TierRun(context.Background(), "nosuch", now); err == nil {
		t.Error("tier run of a missing table")
	}
}

// A tiered table and its all-hot twin (the same rows, no policy) through
// a plan of every kind of step, then a seeded random sequence of them:
// moves to cold and back, imports (append, upsert, update) whose keys
// reach both tiers, DELETEs, tags, reverts of moves and gc. After each
// step, at the head and at every tag, the digests, count(*), key
// lookups, a WHERE, the exact top-k and the diff to the head are equal.
// Keyed and keyless, on direct and Prism. gc deletes the cold files that
// only collected commits listed, and no other; an export re-imported
// holds the twin's rows.
func TestTierTwin(t *testing.T) {
	for _, runner := range []string{"direct", "prism"} {
		for _, keyed := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/keyed=%v", runner, keyed), func(t *testing.T) {
				if runner == "prism" && testing.Short() {
					t.Skip("prism: not in -short")
				}
				s := session(t, runner)
				if !keyed {
					// Every read fetches from the folder: a file deleted
					// while listed fails the test instead of reading from
					// the cache.
					tiering.CacheFor(s.Store).Max = 0
				}
				docs := tierDocs(400)
				cold := t.TempDir()
				tierTable(t, s, keyed, docs, cold)
				pk := ""
				if keyed {
					pk = " PRIMARY KEY"
				}
				exec(t, s, "CREATE TABLE twin (id BIGINT"+pk+", content TEXT, created_at TIMESTAMP, embedding VECTOR(8))")
				exec(t, s, "CREATE INDEX ON twin USING hnsw (embedding) WITH (metric = 'cosine')")
				exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO twin", writeParquet(t, docs)))
				r := rand.New(rand.NewPCG(11, 12))
				q := docs[123].Embedding
				var tags []string
				var moves []uint64
				compare := func(step string) {
					t.Helper()
					ats := map[string]uint64{"head": s.Store.Head()}
					for _, tag := range tags {
						tg, err := s.Store.Tag(tag)
						if err != nil {
							t.Fatal(err)
						}
						ats[tag] = tg.Commit
					}
					for name, at := range ats {
						a, err := tiering.Digest(context.Background(), s.Store, "documents", at)
						b, err2 := tiering.Digest(context.Background(), s.Store, "twin", at)
						if err != nil || err2 != nil || a != b {
							t.Fatalf("%s, at %s: digests %s %s (%v %v)", step, name, a, b, err, err2)
						}
						s.At = at
						s.Params = map[int]any{1: q}
						for _, stmt := range []string{
							"SELECT count(*) FROM %s",
							"SELECT id, content FROM %s WHERE id = 77",
							"SELECT id, created_at FROM %s WHERE created_at < '2023-02-01' AND id > 150 ORDER BY id",
							// wide enough to be exact: every vector is a candidate
							"SELECT id FROM %s ORDER BY cosine_similarity(embedding, $1) DESC LIMIT 400",
							"SELECT id FROM %s ORDER BY cosine_similarity(embedding, $1) DESC LIMIT 5",
						} {
							x := exec(t, s, fmt.Sprintf(stmt, "documents"))[0]
							y := exec(t, s, fmt.Sprintf(stmt, "twin"))[0]
							if fmt.Sprint(x.Rows) != fmt.Sprint(y.Rows) && !strings.Contains(stmt, "LIMIT 5") {
								t.Fatalf("%s, at %s: %s gives\n%v\nand on the twin\n%v", step, name, stmt, x.Rows, y.Rows)
							}
							if strings.Contains(stmt, "LIMIT 5") && len(x.Rows) != len(y.Rows) {
								t.Fatalf("%s, at %s: %s: %d rows, twin %d", step, name, stmt, len(x.Rows), len(y.Rows))
							}
						}
						s.At = 0
						// The diff from this commit to the head, across tiers.
						if name != "head" {
							x, err := s.Diff(context.Background(), fmt.Sprint(at), "head", "documents")
							y, err2 := s.Diff(context.Background(), fmt.Sprint(at), "head", "twin")
							if err != nil || err2 != nil {
								t.Fatalf("diff: %v %v", err, err2)
							}
							summary := func(rows [][]any) string {
								var out []string
								for _, r := range rows {
									if keyed {
										out = append(out, fmt.Sprint(r[1:]))
									} else {
										out = append(out, fmt.Sprint(r[1]))
									}
								}
								sort.Strings(out)
								return strings.Join(out, " ")
							}
							if a, b := summary(x.Rows), summary(y.Rows); a != b {
								t.Fatalf("%s: diff %s..head:\n%s\ntwin:\n%s", step, name, a, b)
							}
						}
					}
				}
				compare("start")
				// Every kind of step several times, each after cold rows
				// exist, then a seeded random sequence of them, gc and
				// revert included; the arguments are seeded.
				plan := []int{0, 3, 5, 0, 4, 3, 2, 1, 4, 0, 3, 4, 2, 1, 4, 0, 4, 5, 6}
				for i := 0; i < 10; i++ {
					plan = append(plan, r.IntN(7))
				}
				imports := 0
				for step, op := range plan {
					var desc string
					switch {
					case op == 4:
						// An import whose keys reach both tiers.
						batch := make([]tierDoc, 20)
						for i := range batch {
							id := int64(r.IntN(450))
							batch[i] = tierDocs(450)[id]
							batch[i].Content = fmt.Sprintf("v%d of %d", step, id)
						}
						f := writeParquet(t, batch)
						imports++
						mode := []string{" WITH (on_error = 'continue')", " WITH (mode = 'upsert')", " WITH (mode = 'update', on_error = 'continue')"}[imports%3]
						cols := ""
						if strings.Contains(mode, "update") {
							cols = " (id, content)"
						}
						if !keyed {
							mode, cols = "", ""
						}
						desc = "COPY" + cols + mode
						a := exec(t, s, "COPY FROM '"+f+"' INTO documents"+cols+mode)[0]
						b := exec(t, s, "COPY FROM '"+f+"' INTO twin"+cols+mode)[0]
						if field(a, "rows") != field(b, "rows") || field(a, "errors") != field(b, "errors") {
							t.Fatalf("%s: %v rows %v errors, twin %v rows %v errors", desc, field(a, "rows"), field(a, "errors"), field(b, "rows"), field(b, "errors"))
						}
					case op == 0:
						day := time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 150+r.IntN(250))
						desc = "ALTER TABLE documents TIER PARTITION WHERE created_at < '" + day.Format("2006-01-02") + "' TO COLD"
						res := exec(t, s, desc)[0]
						if c, _ := field(res, "commit").(uint64); c != 0 {
							moves = append(moves, c)
						}
					case op == 1:
						day := time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(200))
						desc = fmt.Sprintf("ALTER TABLE documents TIER PARTITION WHERE created_at BETWEEN '%s' AND '%s' TO HOT", day.Format("2006-01-02"), day.AddDate(0, 0, 30).Format("2006-01-02"))
						exec(t, s, desc)
					case op == 2:
						lo := r.IntN(390)
						w := fmt.Sprintf("id BETWEEN %d AND %d", lo, lo+r.IntN(10))
						desc = "DELETE FROM both WHERE " + w
						a := exec(t, s, "DELETE FROM documents WHERE "+w)[0]
						b := exec(t, s, "DELETE FROM twin WHERE "+w)[0]
						if field(a, "rows") != field(b, "rows") {
							t.Fatalf("DELETE WHERE %s: %v rows, twin %v", w, field(a, "rows"), field(b, "rows"))
						}
					case op == 5:
						desc = "revert of the last move"
						if len(moves) == 0 {
							break
						}
						last := moves[len(moves)-1]
						moves = moves[:len(moves)-1]
						desc = fmt.Sprintf("revert %d", last)
						if _, err := s.Revert(context.Background(), fmt.Sprint(last)); err != nil {
							if !strings.Contains(err.Error(), "changed again") && !strings.Contains(err.Error(), "collected") {
								t.Fatalf("revert of move %d: %v", last, err)
							}
							desc += " (refused: " + err.Error() + ")"
						}
					case op == 6:
						desc = "gc --keep-days 0"
						if _, err := s.GC(context.Background(), 0, false); err != nil {
							t.Fatal(err)
						}
					default:
						tag := fmt.Sprintf("t%d", step)
						desc = "tag " + tag
						if _, err := s.CreateTag(tag, s.Store.Head(), ""); err != nil {
							t.Fatal(err)
						}
						tags = append(tags, tag)
					}
					t.Logf("step %d: %s (cold rows %d)", step, desc, coldRows(t, s))
					compare(desc)
				}
				// Revert the last move: the rows go back where they were.
				if len(moves) > 0 {
					last := moves[len(moves)-1]
					if _, err := s.Revert(context.Background(), fmt.Sprint(last)); err != nil && !strings.Contains(err.Error(), "changed again") {
						t.Fatalf("revert of move %d: %v", last, err)
					}
					compare("revert")
				}
				// gc: the files only collected commits listed go, the others
				// stay and read.
				before := coldFiles(t, cold)
				dry, err := s.GC(context.Background(), 0, true)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.GC(context.Background(), 0, false); err != nil {
					t.Fatal(err)
				}
				after := coldFiles(t, cold)
				listed := map[string]bool{}
				_ = s.Store.ColdReferences(func(_ uint32, f store.ColdFile) error { listed[filepath.Join(cold, f.Path)] = true; return nil })
				if len(after) != len(listed) {
					t.Errorf("after gc %d files in the folder, %d listed by kept commits", len(after), len(listed))
				}
				for _, f := range after {
					if !listed[f] {
						t.Errorf("after gc %s is listed by no kept commit", f)
					}
				}
				gone := len(before) - len(after)
				if n := strings.Count(dry.Message, ".parquet"); n != gone {
					t.Errorf("gc --dry-run named %d cold files, gc deleted %d: %s", n, gone, dry.Message)
				}
				compare("gc")
				// Exports read both tiers: the files re-imported hold the
				// twin's rows.
				out := t.TempDir()
				exec(t, s, "COPY documents TO '"+out+"/docs/' WITH (vector_index = 'hnsw')")
				exec(t, s, "CREATE TABLE back (id BIGINT"+pk+", content TEXT, created_at TIMESTAMP, embedding VECTOR(8))")
				exec(t, s, "COPY FROM '"+out+"/docs/**/*.parquet' INTO back")
				a, _ := tiering.Digest(context.Background(), s.Store, "back", s.Store.Head())
				b, _ := tiering.Digest(context.Background(), s.Store, "twin", s.Store.Head())
				if a != b || coldRows(t, s) == 0 {
					t.Errorf("the export re-imported has digest %s, the twin %s (cold rows %d)", a, b, coldRows(t, s))
				}
			})
		}
	}
}

// coldRows is how many of documents' rows are in cold files at the head.
func coldRows(t *testing.T, s *engine.Session) int64 {
	tbl, err := tiering.Open(s.Store, "documents", s.Store.Head())
	if err != nil {
		t.Fatal(err)
	}
	return tbl.ColdRows()
}

// A move is a job: its status file says committed with the rows moved; a
// cancelled move commits nothing, leaves no file, and says canceled.
func TestTierMoveJob(t *testing.T) {
	s := session(t, "direct")
	cold := t.TempDir()
	tierTable(t, s, true, tierDocs(300), cold)
	res := exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2023-01-01' TO COLD")[0]
	job := field(res, "job").(string)
	sts, err := progress.Read(storeio.StatusDir(s.Store), job)
	if err != nil || len(sts) != 1 || sts[0].State != "committed" || sts[0].Rows != field(res, "rows") {
		t.Fatalf("status of %s: %+v %v (moved %v)", job, sts, err, field(res, "rows"))
	}
	var rec store.Job
	if rec, err = s.Store.JobRecord(job); err != nil || rec.Kind != "tier to cold" || rec.Rows != field(res, "rows") {
		t.Errorf("job record %+v %v", rec, err)
	}
	head, before := s.Store.Head(), coldFiles(t, cold)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Exec(ctx, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2023-03-01' TO COLD"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled move: %v", err)
	}
	if s.Store.Head() != head || len(coldFiles(t, cold)) != len(before) {
		t.Errorf("a cancelled move changed something: head %d (was %d), %d files (were %d)", s.Store.Head(), head, len(coldFiles(t, cold)), len(before))
	}
	all, _ := progress.Read(storeio.StatusDir(s.Store))
	canceled := 0
	for _, st := range all {
		if st.State == "canceled" {
			canceled++
		}
	}
	if canceled != 1 {
		t.Errorf("%d canceled jobs in the status files, want 1", canceled)
	}
}

// A backup records the cold file catalog; the restored store lists the
// same files and reads both tiers with the same digests, at the head and
// at a tag taken before a move.
func TestTierBackupRestore(t *testing.T) {
	ctx := context.Background()
	s := session(t, "direct")
	cold := t.TempDir()
	tierTable(t, s, true, tierDocs(300), cold)
	exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2022-12-01' TO COLD")
	if _, err := s.CreateTag("first", 0, ""); err != nil {
		t.Fatal(err)
	}
	exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2023-03-01' TO COLD")
	backups := filepath.Join(t.TempDir(), "backups")
	if _, err := datasets.CreateBackup(ctx, s.Store, backups, false, objstore.Options{}); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "restored")
	if _, err := datasets.RestoreBackup(ctx, backups, "", target, false, nil, objstore.Options{}); err != nil {
		t.Fatal(err)
	}
	r, err := store.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tag, _ := s.Store.Tag("first")
	for _, at := range []uint64{s.Store.Head(), tag.Commit} {
		a, _ := tiering.Digest(ctx, s.Store, "documents", at)
		b, err := tiering.Digest(ctx, r, "documents", at)
		fa, _ := s.Store.ColdFiles("documents", at)
		fb, _ := r.ColdFiles("documents", at)
		if err != nil || a != b || len(fa) == 0 || len(fa) != len(fb) {
			t.Errorf("at %d: digest %s, restored %s (%v); %d cold files, restored %d", at, a, b, err, len(fa), len(fb))
		}
	}
	// With the cold files copied, a store restored after their bucket
	// lost them reads them from the backup; without, it cannot.
	want, _ := tiering.Digest(ctx, s.Store, "documents", tag.Commit)
	n, _, err := datasets.CopyColdFiles(ctx, s.Store, backups, objstore.Options{})
	if err != nil || n == 0 {
		t.Fatalf("copied %d cold files: %v", n, err)
	}
	if again, _, err := datasets.CopyColdFiles(ctx, s.Store, backups, objstore.Options{}); err != nil || again != 0 {
		t.Errorf("a second copy copied %d files (%v)", again, err)
	}
	if err := os.RemoveAll(cold); err != nil {
		t.Fatal(err)
	}
	for _, copied := range []bool{true, false} {
		from := backups
		if !copied {
			from = filepath.Join(t.TempDir(), "plain")
			if _, err := datasets.CreateBackup(ctx, s.Store, from, false, objstore.Options{}); err != nil {
				t.Fatal(err)
			}
		}
		target := filepath.Join(t.TempDir(), "restored")
		if _, err := datasets.RestoreBackup(ctx, from, "", target, false, nil, objstore.Options{}); err != nil {
			t.Fatal(err)
		}
		r, err := store.Open(target)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tiering.Digest(ctx, r, "documents", tag.Commit)
		r.Close()
		if copied && (err != nil || got != want) {
			t.Errorf("restored from copies: digest %s (%v), want %s", got, err, want)
		}
		if !copied && (err == nil || !strings.Contains(err.Error(), "not found")) {
			t.Errorf("restored without copies, the bucket gone: %v", err)
		}
	}
}

// An encrypted store seals its cold files with a key derived from its own
// (DARE, AES-256-GCM): no file in the folder is readable Parquet, and no
// content is in the clear; reads, searches, key lookups, TO HOT, an
// export and the digest work as for a plain store; a store opened with
// another key cannot read them.
func TestTierEncrypted(t *testing.T) {
	for _, runner := range []string{"direct", "prism"} {
		t.Run(runner, func(t *testing.T) {
			dir := t.TempDir()
			key := []byte(strings.Repeat("k", 32))
			st, err := store.Open(filepath.Join(dir, "store"), store.Options{EncryptionKey: key})
			if err != nil {
				t.Fatal(err)
			}
			s := &engine.Session{Store: st, Runner: session(t, runner).Runner}
			cold := filepath.Join(dir, "cold")
			docs := tierDocs(300)
			tierTable(t, s, true, docs, cold)
			want, _ := tiering.Digest(context.Background(), st, "documents", st.Head())
			exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2023-03-01' TO COLD")
			files := coldFiles(t, cold)
			if len(files) == 0 {
				t.Fatal("no cold file")
			}
			for _, f := range files {
				b, _ := os.ReadFile(f)
				if strings.HasPrefix(string(b), "PAR1") || strings.Contains(string(b), "doc 1") {
					t.Errorf("%s is readable without the key", f)
				}
			}
			if got, _ := tiering.Digest(context.Background(), st, "documents", st.Head()); got != want {
				t.Errorf("digest %s, before the move %s", got, want)
			}
			if rows := exec(t, s, "SELECT id, content FROM documents WHERE id = 5")[0].Rows; len(rows) != 1 || rows[0][1] != "doc 5" {
				t.Errorf("key lookup: %v", rows)
			}
			q := docs[40].Embedding
			s.Params = map[int]any{1: q}
			if got, want := ids(t, exec(t, s, "SELECT id FROM documents ORDER BY cosine_similarity(embedding, $1) DESC LIMIT 5")[0].Rows), cosineTop(docs, nil, q, 5); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("search: %v, want %v", got, want)
			}
			out := filepath.Join(dir, "export")
			exec(t, s, "COPY documents TO '"+out+"/'")
			exec(t, s, "CREATE TABLE back (id BIGINT PRIMARY KEY, content TEXT, created_at TIMESTAMP, embedding VECTOR(8))")
			exec(t, s, "COPY FROM '"+out+"/*.parquet' INTO back")
			if got, _ := tiering.Digest(context.Background(), st, "back", st.Head()); got == "" || count(t, s, "back") != int64(len(docs)) {
				t.Errorf("export of both tiers: %d rows", count(t, s, "back"))
			}
			exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at BETWEEN '2022-09-01' AND '2022-10-01' TO HOT")
			if got, _ := tiering.Digest(context.Background(), st, "documents", st.Head()); got != want {
				t.Errorf("digest after TO HOT %s, want %s", got, want)
			}
			cat, _ := st.ColdFiles("documents", st.Head())
			for _, f := range cat {
				if !f.Sealed {
					t.Errorf("%s is not marked sealed", f.Path)
				}
			}
			// Another key opens nothing.
			other := &tiering.Table{Info: store.TableInfo{Name: "documents", Schema: func() lake.Schema { ti, _ := st.Table("documents", st.Head()); return ti.Schema }()},
				Files: cat, Key: []byte(strings.Repeat("x", 32))}
			if err := other.ScanCold(context.Background(), cat[:1], func(store.Row) error { return nil }); err == nil || !strings.Contains(err.Error(), "not sealed with this store's key") {
				t.Errorf("a cold file opened with another key: %v", err)
			}
		})
	}
}

// Schema changes apply to cold rows as to rows in the store: an added
// column reads as its default (or NULL), a renamed one under its new name,
// a dropped one is gone; and a move after the change writes files that
// read the same way.
func TestTierSchemaChanges(t *testing.T) {
	s := session(t, "direct")
	tierTable(t, s, true, tierDocs(200), t.TempDir())
	exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2022-10-01' TO COLD")
	exec(t, s, "ALTER TABLE documents ADD COLUMN lang TEXT DEFAULT 'en'")
	exec(t, s, "ALTER TABLE documents ADD COLUMN score DOUBLE")
	exec(t, s, "ALTER TABLE documents RENAME COLUMN content TO body")
	exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2022-12-01' TO COLD")
	check := func(step string) {
		t.Helper()
		for _, id := range []int64{3, 120, 190} { // cold before the change, cold after, hot
			rows := exec(t, s, fmt.Sprintf("SELECT id, body, lang, score FROM documents WHERE id = %d", id))[0].Rows
			if len(rows) != 1 || rows[0][1] != fmt.Sprintf("doc %d", id) || rows[0][2] != "en" || rows[0][3] != nil {
				t.Errorf("%s: id %d reads %v", step, id, rows)
			}
		}
		d, _ := tiering.Digest(context.Background(), s.Store, "documents", s.Store.Head())
		hot, _ := s.Store.Digest("documents", s.Store.Head())
		if n, _ := s.Store.Count("documents", s.Store.Head()); n == 200 && d != hot {
			t.Errorf("%s: digest %s, all hot %s", step, d, hot)
		}
	}
	check("after the changes")
	exec(t, s, "ALTER TABLE documents DROP COLUMN score")
	if rows := exec(t, s, "SELECT * FROM documents WHERE id = 3")[0]; len(rows.Columns) != 5 {
		t.Errorf("after DROP COLUMN: columns %v", rows.Columns)
	}
	// Everything back in the store: the same digest as rows that never left.
	exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2030-01-01' TO HOT")
	if n, _ := s.Store.Count("documents", s.Store.Head()); n != 200 {
		t.Fatalf("%d rows back in the store", n)
	}
	if rows := exec(t, s, "SELECT id, body, lang FROM documents WHERE id = 3")[0].Rows; len(rows) != 1 || rows[0][1] != "doc 3" || rows[0][2] != "en" {
		t.Errorf("back in the store: %v", rows)
	}
}

// DuckDB reads a table's cold folder as it is, Hive partitions and all:
// the same rows (count, id sum, months) as the catalog lists.
func TestTierFilesReadByDuckDB(t *testing.T) {
	peer := blobtest.DuckPeer(t)
	s := session(t, "direct")
	cold := t.TempDir()
	docs := tierDocs(300)
	tierTable(t, s, true, docs, cold)
	exec(t, s, "ALTER TABLE documents TIER PARTITION WHERE created_at < '2023-02-01' TO COLD")
	var n, sum int64
	months := map[string]bool{}
	for _, d := range docs {
		if d.CreatedAt.Before(time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC)) {
			n, sum = n+1, sum+d.ID
			months[d.CreatedAt.Format("2006-01")] = true
		}
	}
	script := filepath.Join(t.TempDir(), "init.sql")
	os.WriteFile(script, []byte("SET threads = 1;\n"), 0o644)
	res, err := blobtest.DuckInit(peer, script,
		"SELECT count(*), sum(id), count(DISTINCT created_at_month), count(DISTINCT len(embedding)) FROM read_parquet('"+cold+"/documents/**/*.parquet', hive_partitioning = true)")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprint(n), fmt.Sprint(sum), fmt.Sprint(len(months)), "1"}
	if len(res) != 1 || len(res[0].Rows) != 1 || fmt.Sprint(res[0].Rows[0]) != fmt.Sprint(want) {
		t.Errorf("DuckDB reads %v, want %v", res, want)
	}
}
