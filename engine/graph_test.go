package engine_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/graphops"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/testing/fixtures"
)

const guideGraph = `CREATE GRAPH knowledge (
    NODE entity (id UUID PRIMARY KEY, name TEXT, kind TEXT),
    EDGE relates (source UUID REFERENCES entity(id), target UUID REFERENCES entity(id), relation TEXT, weight DOUBLE)
)`

type entityRow struct {
	EntityID   string `parquet:"entity_id"`
	EntityName string `parquet:"entity_name"`
	EntityType string `parquet:"entity_type"`
}

type relationRow struct {
	FromID       string  `parquet:"from_id"`
	ToID         string  `parquet:"to_id"`
	RelationType string  `parquet:"relation_type"`
	Weight       float64 `parquet:"weight"`
}

func uid(i int) string { return lake.UUIDFromInt(int64(i)).String() }

func writeParquet[T any](t *testing.T, rows []T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.parquet")
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
	return path
}

// The guide's CREATE GRAPH and COPY ... INTO GRAPH statements on
// generated UUID data: node and edge tables read as ordinary tables; an
// edge to a missing node is a row error naming both ids (or is skipped, or
// creates the node); neighbours, degrees, k-hop and shortest paths agree
// with the edge list, from Go and from SQL.
func TestGraphImportAndTraversal(t *testing.T) {
	s := session(t, "direct")
	exec(t, s, guideGraph)
	var entities []entityRow
	for i := range 60 {
		entities = append(entities, entityRow{uid(i), fmt.Sprintf("entity %d", i), []string{"person", "place", "thing"}[i%3]})
	}
	r := rand.New(rand.NewPCG(1, 2))
	var relations []relationRow
	out := map[int][]int{}
	in := map[int][]int{}
	for range 200 {
		a, b := r.IntN(60), r.IntN(60)
		relations = append(relations, relationRow{uid(a), uid(b), "knows", r.Float64()})
		out[a], in[b] = append(out[a], b), append(in[b], a)
	}
	bad := append(slices.Clone(relations), relationRow{uid(3), uid(999), "knows", 1}, relationRow{uid(998), uid(4), "knows", 1})
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO GRAPH knowledge.entity MAP COLUMNS (entity_id => id, entity_name => name, entity_type => kind)", writeParquet(t, entities)))
	badPath := writeParquet(t, bad)
	copyEdges := fmt.Sprintf("COPY FROM '%s' INTO GRAPH knowledge.relates MAP COLUMNS (from_id => source, to_id => target, relation_type => relation, weight => weight)", badPath)
	head := s.Store.Head()
	_, err := s.Exec(context.Background(), copyEdges)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("edge %s -> %s: target %s is no node of knowledge.entity", uid(3), uid(999), uid(999))) {
		t.Fatalf("an edge to a missing node: %v", err)
	}
	if s.Store.Head() != head {
		t.Fatalf("the failed import committed")
	}
	msg := exec(t, s, copyEdges+" WITH (on_error = 'continue')")[0].Message
	if !strings.Contains(msg, "COPY 200 rows") || !strings.Contains(msg, "2 row(s) rejected") {
		t.Errorf("edges: %s", msg)
	}
	errs, _ := s.Store.RowErrors(lastJob(t, s))
	if len(errs) != 2 || !strings.Contains(errs[1].Reason, fmt.Sprintf("edge %s -> %s: source %s is no node", uid(998), uid(4), uid(998))) {
		t.Errorf("row errors: %+v", errs)
	}
	if n := count(t, s, "knowledge.entity"); n != 60 {
		t.Errorf("%d entities", n)
	}
	if n := count(t, s, "knowledge.relates"); n != 200 {
		t.Errorf("%d relations", n)
	}

	sorted := func(ids []int) string {
		var out []string
		for _, i := range ids {
			out = append(out, uid(i))
		}
		slices.Sort(out)
		return fmt.Sprint(out)
	}
	for node := range 60 {
		for dir, want := range map[string][]int{"out": out[node], "in": in[node], "both": append(slices.Clone(out[node]), in[node]...)} {
			got, err := s.Neighbors(context.Background(), "knowledge", uid(node), dir, "")
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, n := range got {
				ids = append(ids, fmt.Sprint(n.ID))
				if n.Node != "knowledge.entity" || n.Edge != "knowledge.relates" {
					t.Fatalf("neighbour %+v", n)
				}
			}
			slices.Sort(ids)
			if fmt.Sprint(ids) != sorted(want) {
				t.Fatalf("node %d %s: %v, want %s", node, dir, ids, sorted(want))
			}
		}
	}
	s.Params = map[int]any{1: uid(7)}
	res := exec(t, s, "SELECT id, direction FROM neighbors('knowledge', $1, 'out')")[0]
	if len(res.Rows) != len(out[7]) || len(res.Rows) > 0 && res.Rows[0][1] != "out" {
		t.Errorf("SQL neighbors: %v, want %d rows", res.Rows, len(out[7]))
	}
	res = exec(t, s, "SELECT * FROM degree('knowledge', $1)")[0]
	if fmt.Sprint(res.Rows) != fmt.Sprintf("[[%d]]", len(out[7])+len(in[7])) {
		t.Errorf("SQL degree: %v", res.Rows)
	}

	// k-hop and shortest paths against a breadth-first search of the list.
	bfs := func(from int) map[int]int {
		dist := map[int]int{from: 0}
		q := []int{from}
		for len(q) > 0 {
			n := q[0]
			q = q[1:]
			for _, m := range out[n] {
				if _, ok := dist[m]; !ok {
					dist[m] = dist[n] + 1
					q = append(q, m)
				}
			}
		}
		return dist
	}
	dist := bfs(7)
	reached, err := s.KHop(context.Background(), "knowledge", uid(7), 2, "out", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for n, d := range dist {
		if d >= 1 && d <= 2 {
			want++
			if !slices.ContainsFunc(reached, func(r engine.Reached) bool { return r.ID == lake.UUIDFromInt(int64(n)) && r.Depth == d }) {
				t.Errorf("2-hop: node %d at depth %d missing", n, d)
			}
		}
	}
	if len(reached) != want {
		t.Errorf("2-hop: %d nodes, want %d", len(reached), want)
	}
	if lim, _ := s.KHop(context.Background(), "knowledge", uid(7), 3, "out", "", 5); len(lim) != min(5, len(dist)-1) {
		t.Errorf("limit 5: %d nodes", len(lim))
	}
	for to, d := range dist {
		path, err := s.ShortestPath(context.Background(), "knowledge", uid(7), uid(to), "out", "")
		if err != nil || len(path) != d+1 || fmt.Sprint(path[len(path)-1]) != uid(to) {
			t.Fatalf("path 7 -> %d: %v %v, want %d edges", to, path, err, d)
		}
	}
	if r := exec(t, s, "SELECT * FROM shortest_path('knowledge', $1, $1)")[0]; fmt.Sprint(r.Rows) != fmt.Sprintf("[[0 %s]]", uid(7)) {
		t.Errorf("SQL shortest_path from a node to itself: %v", r.Rows)
	}

	// Traversal at a tag sees the edges as they were.
	if _, err := s.CreateTag("edges-v1", 0, ""); err != nil {
		t.Fatal(err)
	}
	exec(t, s, copyEdges+" WITH (on_error = 'continue')") // every edge once more
	now := exec(t, s, "SELECT * FROM degree('knowledge', $1)")[0]
	then := exec(t, s, "SELECT * FROM degree('knowledge', $1) AT (TAG => 'edges-v1')")[0]
	if fmt.Sprint(then.Rows) != fmt.Sprintf("[[%d]]", len(out[7])+len(in[7])) || fmt.Sprint(now.Rows) != fmt.Sprintf("[[%d]]", 2*(len(out[7])+len(in[7]))) {
		t.Errorf("degree of 7 at the tag %v, now %v", then.Rows, now.Rows)
	}
	// Reverting the second import brings the edges back to the tag's;
	// after gc, the tag and the head still read them, and the commit of
	// the second import is collected.
	again := s.Store.Head()
	if _, err := s.Revert(context.Background(), fmt.Sprint(again)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GC(context.Background(), 0, false); err != nil {
		t.Fatal(err)
	}
	for _, at := range []string{"", "AT (TAG => 'edges-v1')"} {
		if r := exec(t, s, "SELECT * FROM degree('knowledge', $1) "+at)[0]; fmt.Sprint(r.Rows) != fmt.Sprint(then.Rows) {
			t.Errorf("degree of 7 after revert and gc %s: %v, want %v", at, r.Rows, then.Rows)
		}
	}
	if _, err := s.Exec(context.Background(), fmt.Sprintf("SELECT * FROM degree('knowledge', $1) AT (COMMIT => %d)", again)); err == nil || !strings.Contains(err.Error(), "collected by retention") {
		t.Errorf("degree at a collected commit: %v", err)
	}

	// skip and create.
	exec(t, s, "CREATE GRAPH g2 (NODE n (id BIGINT PRIMARY KEY), EDGE e (a BIGINT REFERENCES n, b BIGINT REFERENCES n))")
	type idRow struct {
		ID int64 `parquet:"id"`
	}
	type abRow struct {
		A int64 `parquet:"a"`
		B int64 `parquet:"b"`
	}
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO GRAPH g2.n", writeParquet(t, []idRow{{1}, {2}})))
	edges := writeParquet(t, []abRow{{1, 2}, {2, 3}, {4, 1}})
	if msg := exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO GRAPH g2.e WITH (on_missing_node = 'skip')", edges))[0].Message; !strings.Contains(msg, "COPY 1 rows") {
		t.Errorf("skip: %s", msg)
	}
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO GRAPH g2.e WITH (on_missing_node = 'create')", edges))
	if n := count(t, s, "g2.n"); n != 4 {
		t.Errorf("create: %d nodes", n)
	}
	if d, _ := s.Degree(context.Background(), "g2", int64(1), "both", "e"); d != 3 { // 1->2 from each run, 4->1 from the second
		t.Errorf("degree of 1: %d", d)
	}
	for stmt, want := range map[string]string{
		"CREATE GRAPH knowledge (NODE x (id BIGINT PRIMARY KEY))":                                                 `graph "knowledge" already exists`,
		"CREATE GRAPH g3 (NODE x (id DOUBLE PRIMARY KEY))":                                                        "a node id is UUID, BIGINT or TEXT",
		"CREATE GRAPH g3 (NODE x (id BIGINT))":                                                                    "needs a one-column PRIMARY KEY",
		"CREATE GRAPH g3 (NODE x (id BIGINT PRIMARY KEY), EDGE e (a BIGINT REFERENCES x))":                        "needs two columns with REFERENCES",
		"CREATE GRAPH g3 (NODE x (id BIGINT PRIMARY KEY), EDGE e (a TEXT REFERENCES x, b BIGINT REFERENCES x))":   "a is TEXT, and the id of x is BIGINT",
		"CREATE GRAPH g3 (NODE x (id BIGINT PRIMARY KEY), EDGE e (a BIGINT REFERENCES y, b BIGINT REFERENCES x))": "references y, which is no NODE table",
		"CREATE TABLE a.b (id BIGINT)":                                                                            "a graph's table (CREATE GRAPH)",
		"DROP TABLE g2.n":                                                                                         "the table belongs to graph g2 (DROP GRAPH g2)",
		"COPY FROM 'x.parquet' INTO GRAPH knowledge.nothing":                                                      "graph knowledge has no table nothing",
		"COPY FROM 'x.parquet' INTO GRAPH nograph.entity":                                                         `graph "nograph": not found`,
		"SELECT * FROM neighbors('knowledge', 'x', 'sideways')":                                                   "direction \"sideways\": out, in or both",
		"SELECT * FROM neighbors('nograph', 1)":                                                                   `graph "nograph": not found`,
		"COPY FROM 'x.parquet' INTO g2.e WITH (on_missing_node = 'maybe')":                                        "on_missing_node must be 'error', 'skip' or 'create'",
	} {
		if _, err := s.Exec(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", stmt, err, want)
		}
	}
	exec(t, s, "DROP GRAPH g2")
	if _, err := s.Exec(context.Background(), "SELECT count(*) FROM g2.n"); err == nil {
		t.Errorf("g2.n is still there")
	}
}

// BlogCatalog, the FastRP paper's graph, imported as a graph: 10,312
// nodes and 333,983 undirected edges, and every node's degree (both
// directions) equals its count in the edge list.
func TestBlogCatalogAsAGraph(t *testing.T) {
	dir := fixtures.GraphDir(1, "blogcatalog")
	edges, _, err := fixtures.LoadBlogCatalog(dir)
	if errors.Is(err, fixtures.ErrNoData) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := session(t, "direct")
	exec(t, s, "CREATE GRAPH blog (NODE blogger (id BIGINT PRIMARY KEY, labels BIGINT[]), EDGE friend (src BIGINT REFERENCES blogger(id), dst BIGINT REFERENCES blogger(id)))")
	exec(t, s, fmt.Sprintf("COPY FROM '%s/nodes.parquet' INTO GRAPH blog.blogger", dir))
	msg := exec(t, s, fmt.Sprintf("COPY FROM '%s/edges.parquet' INTO GRAPH blog.friend", dir))[0].Message
	t.Log(msg)
	if n := count(t, s, "blog.blogger"); n != 10312 {
		t.Errorf("%d nodes", n)
	}
	if n := count(t, s, "blog.friend"); n != 333983 {
		t.Errorf("%d edges", n)
	}
	degree := map[int64]int{}
	for _, e := range edges {
		degree[e.Src]++
		degree[e.Dst]++
	}
	for id := int64(0); id < 10312; id++ {
		d, err := s.Degree(context.Background(), "blog", id, "both", "")
		if err != nil {
			t.Fatal(err)
		}
		if d != degree[id] {
			t.Fatalf("node %d: degree %d, the edge list has %d", id, d, degree[id])
		}
	}
}

// FastRP writes its embeddings as a VECTOR column of the node table in one
// commit, equal to graphops.FastRP over the same adjacency; the column can
// be indexed and searched, and a second run with the same seed changes
// nothing.
func TestFastRPColumn(t *testing.T) {
	s := session(t, "direct")
	exec(t, s, "CREATE GRAPH g (NODE n (id TEXT PRIMARY KEY, name TEXT), EDGE e (a TEXT REFERENCES n, b TEXT REFERENCES n))")
	type nodeRow struct {
		ID   string `parquet:"id"`
		Name string `parquet:"name"`
	}
	type edgeRow struct {
		A string `parquet:"a"`
		B string `parquet:"b"`
	}
	var nodes []nodeRow
	var edges []edgeRow
	r := rand.New(rand.NewPCG(4, 4))
	name := func(i int) string { return fmt.Sprintf("n%03d", i) }
	for i := range 300 {
		nodes = append(nodes, nodeRow{name(i), "node " + name(i)})
	}
	var src, dst []uint32
	for range 1500 {
		a, b := r.IntN(300), r.IntN(300)
		edges = append(edges, edgeRow{name(a), name(b)})
		src, dst = append(src, uint32(a)), append(dst, uint32(b))
	}
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO GRAPH g.n", writeParquet(t, nodes)))
	exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO GRAPH g.e", writeParquet(t, edges)))
	cfg := graphops.FastRPConfig{Dim: 32, IterationWeights: []float64{0, 1, 1}, NormalizationStrength: -0.5, Seed: 42}
	res, err := s.FastRP(context.Background(), engine.FastRPJob{Graph: "g", Orientation: graphops.Undirected, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if res.Nodes != 300 || res.Edges != 1500 || res.Commit != s.Store.Head() {
		t.Errorf("result %+v", res)
	}
	// Node keys sort as the names do, so positions are the numbers.
	g, _ := graphops.NewCSR(300, src, dst, graphops.Undirected)
	want, _ := graphops.FastRP(g, cfg)
	rows := exec(t, s, "SELECT id, name, fastrp FROM g.n")[0]
	if len(rows.Rows) != 300 {
		t.Fatalf("%d rows", len(rows.Rows))
	}
	for i, row := range rows.Rows {
		if row[0] != name(i) || row[1] != "node "+name(i) || fmt.Sprint(row[2]) != fmt.Sprint(want[i]) {
			t.Fatalf("row %d: %v, want embedding %v", i, row, want[i])
		}
	}
	digest, _ := s.Store.Digest("g.n", s.Store.Head())
	paged := cfg
	paged.MemoryLimit = 1 // file-backed arrays: the same result
	if _, err := s.FastRP(context.Background(), engine.FastRPJob{Graph: "g", Orientation: graphops.Undirected, Config: paged}); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Store.Digest("g.n", s.Store.Head()); d != digest {
		t.Errorf("a second run with the same seed changed the table")
	}
	exec(t, s, "CREATE INDEX ON g.n USING hnsw (fastrp)")
	s.Params = map[int]any{1: want[17]}
	top := exec(t, s, "SELECT id FROM g.n ORDER BY fastrp <=> $1 LIMIT 3")[0]
	if top.Plan != "index g_n_fastrp_idx" || top.Rows[0][0] != name(17) {
		t.Errorf("search by embedding: %v (%s)", top.Rows, top.Plan)
	}
	for job, want := range map[string]engine.FastRPJob{
		"graph \"none\": not found":          {Graph: "none"},
		"graph g has no node table x":        {Graph: "g", Node: "x"},
		"no edge table from n to n named zz": {Graph: "g", Edge: "zz"},
		"column name of g.n is TEXT":         {Graph: "g", Column: "name"},
	} {
		if _, err := s.FastRP(context.Background(), want); err == nil || !strings.Contains(err.Error(), job) {
			t.Errorf("%+v: %v, want %q", want, err, job)
		}
	}
}

type pageRow struct {
	PageID        string   `parquet:"page_id"`
	OutgoingLinks []string `parquet:"outgoing_links,list"`
}

// An adjacency-list column expands into one edge per element
// (outgoing_links => edges): repeated ids in one list give one edge
// unless duplicate_edges = 'keep', self-loops stay unless self_loops =
// 'skip', and a missing node's row error names the list's source row; on
// the direct runner and on Prism.
func TestAdjacencyListExpansion(t *testing.T) {
	var entities []entityRow
	for i := range 30 {
		entities = append(entities, entityRow{uid(i), fmt.Sprintf("page %d", i), "page"})
	}
	var pages []pageRow
	for i := range 30 {
		links := []string{uid((i + 1) % 30), uid((i + 2) % 30), uid((i + 2) % 30), uid(i)}
		if i == 17 {
			links = append(links, uid(999))
		}
		pages = append(pages, pageRow{uid(i), links})
	}
	pages = append(pages, pageRow{uid(3), nil}) // no links: no edge
	nodes, links := writeParquet(t, entities), writeParquet(t, pages)
	for _, runner := range []string{"direct", "prism"} {
		s := session(t, runner)
		exec(t, s, guideGraph)
		exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO GRAPH knowledge.entity MAP COLUMNS (entity_id => id, entity_name => name, entity_type => kind)", nodes))
		stmt := fmt.Sprintf("COPY FROM '%s' INTO GRAPH knowledge.relates MAP COLUMNS (page_id => source, outgoing_links => edges)", links)
		_, err := s.Exec(context.Background(), stmt)
		if err == nil || !strings.Contains(err.Error(), "row 17") || !strings.Contains(err.Error(), uid(999)+" is no node") {
			t.Fatalf("%s: a link to a missing page: %v", runner, err)
		}
		msg := exec(t, s, stmt+" WITH (on_error = 'continue')")[0].Message
		if !strings.Contains(msg, "COPY 90 rows") || !strings.Contains(msg, "1 row(s) rejected") {
			t.Errorf("%s: %s", runner, msg)
		}
		errs, _ := s.Store.RowErrors(lastJob(t, s))
		if len(errs) != 1 || errs[0].Row != 17 {
			t.Errorf("%s: row errors %+v", runner, errs)
		}
		got := neighbours(t, s, "knowledge", uid(5), "out")
		want := []string{uid(5), uid(6), uid(7)}
		slices.Sort(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: out of 5: %v, want %v", runner, got, want)
		}
		exec(t, s, "DROP GRAPH knowledge")
		exec(t, s, guideGraph)
		exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO GRAPH knowledge.entity MAP COLUMNS (entity_id => id)", nodes))
		msg = exec(t, s, stmt+" WITH (on_error = 'continue', duplicate_edges = 'keep', self_loops = 'skip')")[0].Message
		if !strings.Contains(msg, "COPY 90 rows") {
			t.Errorf("%s: keep duplicates, skip self-loops: %s", runner, msg)
		}
		if d, _ := s.Degree(context.Background(), "knowledge", uid(5), "out", ""); d != 3 {
			t.Errorf("%s: out-degree of 5 with duplicates kept: %d", runner, d)
		}
	}
}
