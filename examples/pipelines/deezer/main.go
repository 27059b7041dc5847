// Deezer imports the Deezer Hungary friendship graph from
// ../shared/data/graphs/deezer_hu (47,538 users with the genres they like,
// 222,887 mutual friendships) as a graph, computes FastRP embeddings of the
// users into a VECTOR column, indexes it, and lists the users most similar
// to one of them, with the genres they share.
//
//	go run ./examples/pipelines/deezer [-data DIR] [-user ID] [-dim 256]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lakelink/lakelink/engine"
	"github.com/lakelink/lakelink/graphops"
	"github.com/lakelink/lakelink/store"
)

func main() {
	data := flag.String("data", "../shared/data/graphs/deezer_hu", "the deezer_hu folder (nodes.parquet, edges.parquet)")
	user := flag.Int64("user", 0, "the user to find similar users for")
	dim := flag.Int("dim", 256, "FastRP dimension")
	dir := flag.String("dir", "", "store folder (default: a new temporary folder)")
	flag.Parse()
	if err := run(*data, *dir, *user, *dim); err != nil {
		fmt.Fprintln(os.Stderr, "deezer:", err)
		os.Exit(1)
	}
}

func run(data, dir string, user int64, dim int) error {
	if _, err := os.Stat(filepath.Join(data, "edges.parquet")); err != nil {
		return fmt.Errorf("no deezer_hu data at %s (see docs/testing.md): %w", data, err)
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "lakelink-deezer-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	st, err := store.Open(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	s := &engine.Session{Store: st}
	ctx := context.Background()
	start := time.Now()
	res, err := s.Exec(ctx, fmt.Sprintf(`
		CREATE GRAPH deezer (
			NODE users (id BIGINT PRIMARY KEY, genres TEXT[]),
			EDGE friends (src BIGINT REFERENCES users(id), dst BIGINT REFERENCES users(id))
		);
		COPY FROM '%[1]s/nodes.parquet' INTO GRAPH deezer.users;
		COPY FROM '%[1]s/edges.parquet' INTO GRAPH deezer.friends`, data))
	if err != nil {
		return err
	}
	for _, r := range res[1:] {
		fmt.Println(r.Message)
	}
	fmt.Printf("imported in %s\n", time.Since(start).Round(time.Millisecond))

	// Friendships are mutual and stored once each: follow them both ways.
	f, err := s.FastRP(ctx, engine.FastRPJob{Graph: "deezer", Orientation: graphops.Undirected,
		Config: graphops.FastRPConfig{Dim: dim, IterationWeights: []float64{0, 1, 1}, NormalizationStrength: -0.5, Seed: 42}})
	if err != nil {
		return err
	}
	fmt.Printf("FastRP: %d users, %d friendships, %d-d, computed in %s\n", f.Nodes, f.Edges, dim, f.Compute.Round(time.Millisecond))
	if _, err := s.Exec(ctx, "CREATE INDEX ON deezer.users USING hnsw (fastrp)"); err != nil {
		return err
	}

	me, err := st.Get("deezer.users", st.Head(), user)
	if err != nil {
		return err
	}
	mine := me[1].([]any)
	s.Params = map[int]any{1: me[2]}
	out, err := s.Exec(ctx, "SELECT id, genres, cosine_similarity(fastrp, $1) AS score FROM deezer.users ORDER BY score DESC LIMIT 11")
	if err != nil {
		return err
	}
	fmt.Printf("users most like user %d (likes %s), by %s:\n", user, genres(mine), out[0].Plan)
	for _, r := range out[0].Rows {
		if r[0] == user {
			continue
		}
		var shared []string
		for _, g := range r[1].([]any) {
			if slices.Contains(mine, g) {
				shared = append(shared, fmt.Sprint(g))
			}
		}
		fmt.Printf("  user %-6v score %.3f  shares %d genre(s): %s\n", r[0], r[2], len(shared), strings.Join(shared, ", "))
	}
	friends, err := s.Neighbors(ctx, "deezer", user, "both", "")
	if err != nil {
		return err
	}
	fmt.Printf("user %d has %d friends\n", user, len(friends))
	return nil
}

func genres(g []any) string {
	var s []string
	for _, x := range g {
		s = append(s, fmt.Sprint(x))
	}
	return strings.Join(s, ", ")
}
