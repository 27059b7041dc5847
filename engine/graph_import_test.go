package engine_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/store"
)

type wikiPage struct {
	PageID        int64     `parquet:"page_id"`
	Title         string    `parquet:"title"`
	Vector        []float32 `parquet:"vector,list"`
	OutgoingLinks []int64   `parquet:"outgoing_links,list"`
}

// wikiPages: page i links to i+1 and i+3 (mod n), page 0 also to itself,
// twice to 1 (one edge), and page 5 to nothing.
func wikiPages(n int) []wikiPage {
	var pages []wikiPage
	for i := range n {
		p := wikiPage{PageID: int64(100 + i), Title: fmt.Sprintf("Page %d", i), Vector: []float32{float32(i), 1, -float32(i) / 2}}
		if i != 5 {
			p.OutgoingLinks = []int64{int64(100 + (i+1)%n), int64(100 + (i+3)%n)}
		}
		if i == 0 {
			p.OutgoingLinks = append(p.OutgoingLinks, 100, 101)
		}
		pages = append(pages, p)
	}
	return pages
}

// The guide's one-statement graph import, as the guide prints it: it
// creates wiki.nodes and wiki.edges, fills the nodes with their columns
// and expands each list into edges; on direct and Prism.
func TestGraphImportInOneStatement(t *testing.T) {
	const n = 40
	file := writeParquet(t, wikiPages(n))
	for _, runner := range []string{"direct", "prism"} {
		t.Run(runner, func(t *testing.T) {
			s := session(t, runner)
			msg := exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO GRAPH wiki MAP COLUMNS (page_id => node_id, title => title, vector => embedding, outgoing_links => edges)", file))[0].Message
			if !strings.Contains(msg, "created graph wiki (wiki.nodes, wiki.edges)") || !strings.Contains(msg, "40 nodes into wiki.nodes") {
				t.Errorf("message %q", msg)
			}
			g, err := s.Store.Graph("wiki", s.Store.Head())
			if err != nil || !slices.Equal(g.Nodes, []string{"nodes"}) || len(g.Edges) != 1 || g.Edges[0].Table != "edges" {
				t.Fatalf("graph %+v %v", g, err)
			}
			nodes, _ := s.Store.Table("wiki.nodes", s.Store.Head())
			want := lake.Schema{Columns: []lake.Column{{Name: "node_id", Type: lake.BigInt, NotNull: true}, {Name: "title", Type: lake.Text}, {Name: "embedding", Type: lake.Vector(3)}}, PrimaryKey: []string{"node_id"}}
			if nodes.Schema.String() != want.String() {
				t.Errorf("wiki.nodes is %s, want %s", nodes.Schema, want)
			}
			// 39 pages with 2 links, page 0 with a self-loop and a repeated
			// link (one edge): 38*2 + 3.
			if c := count(t, s, "wiki.nodes"); c != n {
				t.Errorf("%d nodes", c)
			}
			if c := count(t, s, "wiki.edges"); c != 38*2+3 {
				t.Errorf("%d edges, want %d", c, 38*2+3)
			}
			out := neighbours(t, s, "wiki", int64(100), "out")
			if !slices.Equal(out, []string{"100", "101", "103"}) {
				t.Errorf("out of 100: %v", out)
			}
			in := neighbours(t, s, "wiki", int64(106), "in") // 103 only: 105 has no links
			if !slices.Equal(in, []string{"103"}) {
				t.Errorf("in of 106: %v", in)
			}
			rows := exec(t, s, "SELECT title, embedding FROM wiki.nodes WHERE node_id = 107")[0].Rows
			if len(rows) != 1 || rows[0][0] != "Page 7" || fmt.Sprint(rows[0][1]) != "[7 1 -3.5]" {
				t.Errorf("node 107: %v", rows)
			}
			// Again on the existing graph, in upsert mode: nothing doubles.
			exec(t, s, fmt.Sprintf("COPY FROM '%s' INTO GRAPH wiki MAP COLUMNS (page_id => node_id, title => title, vector => embedding) WITH (mode = 'upsert')", file))
			if c := count(t, s, "wiki.nodes"); c != n {
				t.Errorf("%d nodes after the upsert", c)
			}
		})
	}
}

// neighbours lists the ids next to id in graph, sorted as text.
func neighbours(t *testing.T, s *engine.Session, graph string, id any, dir string) []string {
	t.Helper()
	nbs, err := s.Neighbors(context.Background(), graph, id, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range nbs {
		got = append(got, fmt.Sprint(n.ID))
	}
	slices.Sort(got)
	return got
}

// A failed one-statement import leaves the store as it was: a link to a
// missing page fails the edges, the nodes' commit is reverted and the
// graph the statement created is dropped. A graph of another shape, or a
// statement without node_id, is refused before anything is written.
func TestGraphImportFailureLeavesNothing(t *testing.T) {
	pages := wikiPages(20)
	pages[7].OutgoingLinks = append(pages[7].OutgoingLinks, 999)
	file := writeParquet(t, pages)
	s := session(t, "direct")
	stmt := fmt.Sprintf("COPY FROM '%s' INTO GRAPH wiki MAP COLUMNS (page_id => node_id, title => title, outgoing_links => edges)", file)
	_, err := s.Exec(context.Background(), stmt)
	if err == nil || !strings.Contains(err.Error(), "999 is no node") || !strings.Contains(err.Error(), "row 7") || !strings.Contains(err.Error(), "graph it created is dropped") {
		t.Fatalf("missing page: %v", err)
	}
	if _, err := s.Store.Graph("wiki", s.Store.Head()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the graph is still there: %v", err)
	}
	if ts, _ := s.Store.Tables(s.Store.Head()); len(ts) != 0 {
		t.Errorf("tables left: %v", ts)
	}
	// With the graph in place, the nodes' commit is reverted.
	exec(t, s, "CREATE GRAPH wiki (NODE nodes (node_id BIGINT PRIMARY KEY, title TEXT), EDGE edges (source BIGINT REFERENCES nodes(node_id), target BIGINT REFERENCES nodes(node_id)))")
	if _, err := s.Exec(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), "is reverted by commit") {
		t.Fatalf("missing page, existing graph: %v", err)
	}
	if c := count(t, s, "wiki.nodes"); c != 0 {
		t.Errorf("%d nodes left", c)
	}
	msg := exec(t, s, stmt+" WITH (on_missing_node = 'skip')")[0].Message
	if !strings.Contains(msg, "20 nodes") || strings.Contains(msg, "created") {
		t.Errorf("skip: %s", msg)
	}
	exec(t, s, "CREATE GRAPH other (NODE n (id BIGINT PRIMARY KEY), EDGE e (a BIGINT REFERENCES n(id), b BIGINT REFERENCES n(id)))")
	head := s.Store.Head()
	for stmt, want := range map[string]string{
		fmt.Sprintf("COPY FROM '%s' INTO GRAPH other MAP COLUMNS (page_id => node_id, outgoing_links => edges)", file): "without the tables",
		fmt.Sprintf("COPY FROM '%s' INTO GRAPH third MAP COLUMNS (title => title, outgoing_links => edges)", file):     "map the node ids to node_id",
		fmt.Sprintf("COPY FROM '%s' INTO GRAPH third MAP COLUMNS (vector => node_id)", file):                           "cannot be a key",
	} {
		if _, err := s.Exec(context.Background(), stmt); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", stmt, err, want)
		}
	}
	if s.Store.Head() != head {
		t.Errorf("a refused statement committed (head %d -> %d)", head, s.Store.Head())
	}
}
