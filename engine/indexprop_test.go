package engine_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/store"
)

// The index property: whatever sequence of imports (append, upsert,
// update), DELETEs, CREATE and DROP INDEX, compactions, reverts, tags and
// gc a table goes through, a search through its index (with ef and
// nprobe wide enough to be exact) returns what an exact scan returns, at
// the head and at every live tag; and while a structured index exists and
// the table has more rows than the LIMIT, the index answers (no silent
// fallback hides entries it lost). Run for tables with and without a
// primary key, for every registered index kind, on the direct runner and
// on Prism.
func TestIndexAnswersEqualScansProperty(t *testing.T) {
	for _, kind := range indexes.Kinds() {
		if _, ok := exactOptions[kind]; !ok {
			t.Fatalf("index kind %s is registered without exactOptions: give it the options under which its searches are exact here, so the property runs for it", kind)
		}
	}
	type run struct {
		runner string
		seeds  int
		steps  int
	}
	runs := []run{{"direct", 3, 14}, {"prism", 1, 8}}
	if testing.Short() {
		runs = []run{{"direct", 1, 10}}
	}
	for _, r := range runs {
		for _, keyed := range []bool{true, false} {
			for _, kind := range indexes.Kinds() {
				for seed := range r.seeds {
					name := fmt.Sprintf("%s/%s/keyed=%v/seed=%d", r.runner, kind, keyed, seed)
					t.Run(name, func(t *testing.T) {
						p := &indexProp{t: t, s: session(t, r.runner), keyed: keyed, kind: kind,
							rnd: rand.New(rand.NewPCG(uint64(seed), map[bool]uint64{true: 1, false: 2}[keyed])), dir: t.TempDir()}
						p.run(r.steps)
					})
				}
			}
		}
	}
}

// indexProp drives one random sequence against one table, "docs".
type indexProp struct {
	t       *testing.T
	s       *engine.Session
	keyed   bool
	kind    string
	rnd     *rand.Rand
	dir     string
	files   int
	nextID  int64
	index   string // the index's name, while there is one
	tags    []string
	changes []uint64 // commits that changed rows: candidates for revert
	log     []string
	// segments is the most segments an index had when it answered a search.
	segments int
}

const propDim = 8

func (p *indexProp) vector() []float32 {
	v := make([]float32, propDim)
	for i := range v {
		v[i] = float32(p.rnd.NormFloat64())
	}
	return v
}

// write stores rows as a Parquet file and returns its path.
func (p *indexProp) write(rows []embRow) string {
	p.files++
	path := filepath.Join(p.dir, fmt.Sprintf("f%03d.parquet", p.files))
	if err := parquet.WriteFile(path, rows); err != nil {
		p.t.Fatal(err)
	}
	return path
}

// exec runs a statement, records it unless it is a SELECT, and returns
// its result.
func (p *indexProp) exec(stmt string) engine.Result {
	p.t.Helper()
	if !strings.HasPrefix(stmt, "SELECT") {
		p.log = append(p.log, stmt)
	}
	res, err := p.s.Exec(context.Background(), stmt)
	if err != nil {
		p.t.Fatalf("%v\nafter:\n  %s", err, strings.Join(p.log, "\n  "))
	}
	return res[len(res)-1]
}

func (p *indexProp) head() uint64 { return p.s.Store.Head() }

// ids returns the ids stored at the head (with repeats in a keyless table).
func (p *indexProp) ids() []int64 {
	rows := p.exec("SELECT id FROM docs").Rows
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r[0].(int64)
	}
	return out
}

// exactOptions are, per index kind, the options of CREATE INDEX and of
// COPY under which its searches are exact on the property's small tables
// (with the SETs in run). Every registered kind needs an entry.
var exactOptions = map[string][2]string{
	"flat":  {"", ""},
	"hnsw":  {", m = 16, ef_construction = 64", ", hnsw_m = 16, hnsw_ef_construction = 64"},
	"ivfpq": {", nlist = 4, m = 2, rerank = 10000", ", ivf_nlist = 4, ivf_m = 2, ivf_rerank = 10000"},
	// auto's parts are flat at this size; past 2,000 rows they are HNSW.
	"auto": {", m = 16, ef_construction = 64", ", hnsw_m = 16, hnsw_ef_construction = 64"},
}

func (p *indexProp) createIndex() {
	p.exec(fmt.Sprintf("CREATE INDEX docs_idx ON docs USING %s (embedding) WITH (metric = 'l2'%s)", p.kind, exactOptions[p.kind][0]))
	p.index = "docs_idx"
}

// importRows runs one COPY of n rows: new ids, or for upsert and update
// also ids the table has, with fresh vectors.
func (p *indexProp) importRows(mode string, n int) {
	var rows []embRow
	var have []int64
	if p.files > 0 {
		have = p.ids()
	}
	for range n {
		id := p.nextID
		if mode != "append" && len(have) > 0 && (mode == "update" || p.rnd.IntN(2) == 0) {
			id = have[p.rnd.IntN(len(have))]
		} else if mode == "update" {
			return
		} else {
			p.nextID++
		}
		rows = append(rows, embRow{ID: id, Embedding: p.vector()})
	}
	with := ""
	switch {
	case p.files == 0 && p.keyed:
		with = " WITH (primary_key = 'id')"
	case mode != "append":
		with = fmt.Sprintf(" WITH (mode = '%s', key_columns = ['id'])", mode)
	}
	if p.files == 0 && p.rnd.IntN(2) == 0 {
		// The first import declares the index itself.
		sep := " WITH ("
		if with != "" {
			with, sep = strings.TrimSuffix(with, ")"), ", "
		}
		with += sep + fmt.Sprintf("build_indexes = true, index_type = '%s', index_metric = 'l2'%s)", p.kind, exactOptions[p.kind][1])
		p.index = "docs_embedding_idx"
	}
	p.exec(fmt.Sprintf("COPY FROM '%s' INTO docs%s", p.write(rows), with))
	p.changes = append(p.changes, p.head())
}

// step makes one random change.
func (p *indexProp) step() {
	r := p.rnd.IntN(100)
	switch {
	case r < 30:
		p.importRows("append", 5+p.rnd.IntN(40))
	case r < 40 && p.keyed:
		p.importRows("upsert", 5+p.rnd.IntN(30))
	case r < 48 && p.keyed:
		p.importRows("update", 3+p.rnd.IntN(20))
	case r < 36 && !p.keyed:
		// An upsert with key_columns gives a keyless table its key, unless
		// ids repeat: then it fails and commits nothing.
		ids := p.ids()
		unique := len(ids) == len(slices.Compact(slices.Sorted(slices.Values(ids))))
		if unique {
			p.importRows("upsert", 5+p.rnd.IntN(30))
			p.keyed = true
			p.log = append(p.log, "(the key was adopted)")
			return
		}
		before := p.head()
		_, err := p.s.Exec(context.Background(), fmt.Sprintf("COPY FROM '%s' INTO docs WITH (mode = 'upsert', key_columns = ['id'])", filepath.Join(p.dir, "f001.parquet")))
		if err == nil || !strings.Contains(err.Error(), "rows") || p.head() != before {
			p.t.Fatalf("adopting a key with repeated ids: %v (head %d, was %d)", err, p.head(), before)
		}
		p.log = append(p.log, "(no key adopted: ids repeat)")
	case r < 48 && !p.keyed:
		// A keyless table takes the same rows again.
		p.exec(fmt.Sprintf("COPY FROM '%s' INTO docs", filepath.Join(p.dir, fmt.Sprintf("f%03d.parquet", 1+p.rnd.IntN(p.files)))))
		p.changes = append(p.changes, p.head())
	case r < 58:
		before := p.head()
		if p.rnd.IntN(2) == 0 {
			lo := p.rnd.Int64N(max(1, p.nextID))
			p.exec(fmt.Sprintf("DELETE FROM docs WHERE id BETWEEN %d AND %d", lo, lo+p.rnd.Int64N(10)))
		} else {
			var in []string
			for _, id := range p.ids() {
				if p.rnd.IntN(4) == 0 {
					in = append(in, fmt.Sprint(id))
				}
			}
			p.exec(fmt.Sprintf("DELETE FROM docs WHERE id IN (%s)", strings.Join(append(in, "-1"), ", ")))
		}
		if p.head() != before {
			p.changes = append(p.changes, p.head())
		}
	case r < 66:
		if p.index != "" {
			p.exec("DROP INDEX " + p.index)
			p.index = ""
		} else {
			p.createIndex()
		}
	case r < 72:
		if _, err := p.s.Compact(context.Background(), "docs"); err != nil {
			p.t.Fatal(err)
		}
		p.log = append(p.log, "compact")
	case r < 82 && len(p.changes) > 0:
		c := p.changes[p.rnd.IntN(len(p.changes))]
		before := p.head()
		_, err := p.s.Revert(context.Background(), fmt.Sprint(c))
		p.log = append(p.log, fmt.Sprintf("revert %d: %v", c, err))
		switch {
		case err == nil:
			p.changes = append(p.changes, p.head())
		case p.head() != before:
			p.t.Fatalf("a refused revert moved the head: %v", err)
		}
	case r < 90:
		name := fmt.Sprintf("t%d", len(p.log))
		if _, err := p.s.CreateTag(name, p.head(), ""); err != nil {
			p.t.Fatal(err)
		}
		p.tags = append(p.tags, name)
		p.log = append(p.log, "tag "+name)
	case r < 94 && len(p.tags) > 0:
		i := p.rnd.IntN(len(p.tags))
		if err := p.s.DeleteTag(p.tags[i]); err != nil {
			p.t.Fatal(err)
		}
		p.log = append(p.log, "untag "+p.tags[i])
		p.tags = slices.Delete(p.tags, i, i+1)
	default:
		if _, err := p.s.GC(context.Background(), 0, false); err != nil {
			p.t.Fatal(err)
		}
		p.log = append(p.log, "gc")
	}
}

func (p *indexProp) run(steps int) {
	p.exec("SET lakelink.hnsw_ef_search = 4000")
	p.exec("SET lakelink.ivf_nprobe = 64")
	p.importRows("append", 30+p.rnd.IntN(30))
	if p.index == "" {
		// An index from the start, so that imports add segments to it
		// (the steps drop and create it again).
		p.createIndex()
	}
	p.check()
	for range steps {
		p.step()
		p.check()
	}
	adopted := slices.Contains(p.log, "(the key was adopted)")
	p.t.Logf("%d statements; %d tags live; key adopted: %v; at most %d segments searched", len(p.log), len(p.tags), adopted, p.segments)
	// The property is about merging segments' answers: a sequence whose
	// index never had two segments when it answered tested too little.
	if p.segments < 2 {
		p.t.Errorf("no search went through an index of two or more segments\nafter:\n  %s", strings.Join(p.log, "\n  "))
	}
}

// searched notes how many segments the index that answered a search
// has (the most seen is in p.segments).
func (p *indexProp) searched(ti store.TableInfo) {
	p.t.Helper()
	for _, d := range ti.Indexes {
		v := p.s.Store.View(p.head())
		segs, err := v.IndexSegments(ti, d.Name)
		if err != nil {
			p.t.Fatal(err)
		}
		p.segments = max(p.segments, len(segs))
	}
}

// check compares index searches with exact scans at the head and at
// every live tag.
func (p *indexProp) check() {
	p.t.Helper()
	p.checkAt("")
	for _, tag := range p.tags {
		p.checkAt(fmt.Sprintf(" AT (TAG => '%s')", tag))
	}
}

func (p *indexProp) checkAt(at string) {
	p.t.Helper()
	// The whole table, farthest first: a comparison ordered farthest
	// first is always an exact scan.
	all := func(q []float32) [][]any {
		p.s.Params = map[int]any{1: q}
		rows := p.exec("SELECT id, embedding <-> $1 AS d FROM docs" + at + " ORDER BY d DESC LIMIT 1000000").Rows
		slices.Reverse(rows)
		return rows
	}
	everything := all(p.vector())
	if len(everything) == 0 {
		return
	}
	ti, err := p.tableAt(at)
	if err != nil {
		p.t.Fatal(err)
	}
	// Every kind searches its parts (flat ones compare every vector).
	structured := slices.ContainsFunc(ti.Indexes, func(d store.IndexDef) bool { return indexes.Structured(d.Type) })
	const k = 5
	queries := [][]float32{p.vector(), p.vector()}
	// The exact vector of a random stored row, and of the newest.
	vecs := p.exec("SELECT embedding FROM docs" + at).Rows
	queries = append(queries, vecs[p.rnd.IntN(len(vecs))][0].([]float32), vecs[len(vecs)-1][0].([]float32))
	for _, q := range queries {
		p.s.Params = map[int]any{1: q}
		got := p.exec("SELECT id, embedding <-> $1 AS d FROM docs" + at + " ORDER BY embedding <-> $1 LIMIT " + fmt.Sprint(k))
		want := all(q)
		if len(want) > k {
			want = want[:k]
		}
		if strings.HasPrefix(got.Plan, "index ") {
			p.searched(ti)
		}
		if structured && len(everything) > k && !strings.HasPrefix(got.Plan, "index ") {
			p.t.Fatalf("%s: %d rows and an index, yet plan %q\nafter:\n  %s", at, len(everything), got.Plan, strings.Join(p.log, "\n  "))
		}
		if !sameHits(got.Rows, want) {
			p.t.Fatalf("%s (plan %q): index %v, scan %v\nafter:\n  %s", at, got.Plan, got.Rows, want, strings.Join(p.log, "\n  "))
		}
	}
}

// tableAt is the table as a SELECT with at reads it.
func (p *indexProp) tableAt(at string) (store.TableInfo, error) {
	ts := p.head()
	if at != "" {
		name := at[strings.Index(at, "'")+1 : strings.LastIndex(at, "'")]
		var err error
		if ts, err = p.s.Resolve(name); err != nil {
			return store.TableInfo{}, err
		}
	}
	return p.s.Store.Table("docs", ts)
}

// sameHits compares two rankings of (id, distance): equal distances in
// order, and each hit's id has that distance in the other (ties may
// order ids either way).
func sameHits(got, want [][]any) bool {
	if len(got) != len(want) {
		return false
	}
	dist := map[int64][]float64{}
	for _, r := range want {
		dist[r[0].(int64)] = append(dist[r[0].(int64)], toFloat(r[1]))
	}
	for i := range got {
		d := toFloat(got[i][1])
		if math.Abs(d-toFloat(want[i][1])) > 1e-5 {
			return false
		}
		if !slices.ContainsFunc(dist[got[i][0].(int64)], func(x float64) bool { return math.Abs(x-d) <= 1e-5 }) {
			return false
		}
	}
	return true
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float32:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}
