package main

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/lakelink/lakelink/store"
	"github.com/lakelink/lakelink/testing/fixtures"
	"github.com/lakelink/lakelink/tiering"
)

// kill -9 at seeded moments of tiering moves, to cold and back: after
// each kill the store opens with every row where the old or the new state
// has it (the digest over both tiers unchanged, the store's rows those of
// one state), and running the move again completes it and leaves no file
// in the cold folder that no commit lists.
func TestKillDuringTierMove(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills child processes")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "docs.parquet")
	const rows = 60000
	if err := fixtures.WriteDocuments(data, fixtures.Documents{Rows: rows, Dim: 64, ContentChars: 100, RowGroupRows: 10000}); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	cold := filepath.Join(dir, "cold")
	for _, q := range []string{
		"COPY FROM '" + data + "' INTO docs WITH (primary_key = 'id')",
		"ALTER TABLE docs SET (cold_storage = '" + cold + "')",
	} {
		if code, _, errs := cli(t, "--store", st, "sql", q); code != 0 {
			t.Fatal(errs)
		}
	}
	_, want, _ := cli(t, "--store", st, "digest", "docs")
	moves := []struct {
		sql      string
		hotAfter int64 // rows in the store after it, whatever the state before
	}{
		{"ALTER TABLE docs TIER PARTITION WHERE id < 40000 TO COLD", rows - 40000},
		{"ALTER TABLE docs TIER PARTITION WHERE id >= 10000 AND id < 30000 TO HOT", rows - 20000},
	}
	hotRows := func() int64 {
		s, err := store.Open(st)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		n, _ := s.Count("docs", s.Head())
		return n
	}
	// How long each move takes, to kill inside it: the first run of each
	// goes through, timed (the second leaves the state the first found).
	took := make([]time.Duration, len(moves))
	for i, m := range moves {
		start := time.Now()
		if code, _, errs := cli(t, "--store", st, "sql", m.sql); code != 0 {
			t.Fatal(errs)
		}
		took[i] = time.Since(start)
	}
	if code, _, errs := cli(t, "--store", st, "sql", "ALTER TABLE docs TIER PARTITION WHERE id < 40000 TO HOT"); code != 0 {
		t.Fatal(errs)
	}
	r := rand.New(rand.NewPCG(25, 28))
	orphaned := 0              // kills that left files no commit lists
	outcomes := map[bool]int{} // kills that left the old state, the new
	for attempt := 0; attempt < 8; attempt++ {
		m := moves[attempt%2]
		before := hotRows()
		delay := time.Duration(r.Int64N(int64(took[attempt%2]) * 3 / 2))
		cmd := exec.Command(os.Args[0], "--store", st, "sql", m.sql)
		cmd.Env = append(os.Environ(), asCLIEnv+"=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		s, err := store.Open(st)
		if err != nil {
			t.Fatalf("attempt %d: the store does not open after a kill: %v", attempt, err)
		}
		hot, _ := s.Count("docs", s.Head())
		d, err := tiering.Digest(context.Background(), s, "docs", s.Head())
		if n := unlisted(t, s, cold); n > 0 {
			orphaned++
		}
		s.Close()
		outcomes[hot == before]++
		t.Logf("attempt %d: killed %s (of %s) into %q: %d rows in the store", attempt, delay, took[attempt%2], m.sql, hot)
		if err != nil || d != strings.TrimSpace(want) {
			t.Fatalf("attempt %d: digest %s (%v), want %s", attempt, d, err, want)
		}
		if hot != before && hot != m.hotAfter {
			t.Fatalf("attempt %d: %d rows in the store, neither %d nor %d", attempt, hot, before, m.hotAfter)
		}
		// The run again completes the move (or finds nothing to move).
		if code, _, errs := cli(t, "--store", st, "sql", m.sql); code != 0 {
			t.Fatalf("attempt %d: re-run: %s", attempt, errs)
		}
		s, err = store.Open(st)
		if err != nil {
			t.Fatal(err)
		}
		hot, _ = s.Count("docs", s.Head())
		n := unlisted(t, s, cold)
		s.Close()
		if hot != m.hotAfter {
			t.Fatalf("attempt %d: after the re-run %d rows in the store, want %d", attempt, hot, m.hotAfter)
		}
		if n > 0 {
			t.Fatalf("attempt %d: after the re-run %d file(s) in the cold folder are listed by no commit", attempt, n)
		}
	}
	t.Logf("kills: %d left the old state, %d the new; %d left unlisted files", outcomes[true], outcomes[false], orphaned)
	if orphaned == 0 || outcomes[true] == 0 {
		t.Errorf("no kill left unlisted files or the old state: the test did not test the sweep")
	}
}

// unlisted counts the files in the cold folder that no commit lists.
func unlisted(t *testing.T, s *store.Store, cold string) int {
	listed := map[string]bool{}
	_ = s.ColdReferences(func(_ uint32, f store.ColdFile) error { listed[filepath.Join(cold, f.Path)] = true; return nil })
	n := 0
	_ = filepath.Walk(cold, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && !listed[p] {
			n++
		}
		return nil
	})
	return n
}

// lakelink tier run applies the policies; lakelink tables shows the cold
// rows; lakelink digest is the same before and after.
func TestCLITierRun(t *testing.T) {
	dir := t.TempDir()
	type doc struct {
		ID  int64     `parquet:"id"`
		Day time.Time `parquet:"day,timestamp(microsecond)"`
	}
	var rows []doc
	for i := 0; i < 100; i++ {
		rows = append(rows, doc{ID: int64(i), Day: time.Now().UTC().AddDate(0, 0, -i).Add(-time.Hour)})
	}
	data := filepath.Join(dir, "d.parquet")
	if err := parquet.WriteFile(data, rows); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	for _, q := range []string{
		"COPY FROM '" + data + "' INTO d WITH (primary_key = 'id')",
		"ALTER TABLE d SET (cold_storage = '" + filepath.Join(dir, "cold") + "', tier_after = INTERVAL '30 days')",
	} {
		if code, _, errs := cli(t, "--store", st, "sql", q); code != 0 {
			t.Fatal(errs)
		}
	}
	_, before, _ := cli(t, "--store", st, "digest", "d")
	code, out, errs := cli(t, "--store", st, "tier", "run")
	if code != 0 || !strings.Contains(out, "d: moved 70 row(s) to cold") {
		t.Fatalf("tier run: %d %q %q", code, out, errs)
	}
	if code, out, _ = cli(t, "--store", st, "tier", "run", "d"); code != 0 || !strings.Contains(out, "no row to move") {
		t.Errorf("second tier run: %d %q", code, out)
	}
	if _, out, _ = cli(t, "--store", st, "tables", "--format", "csv"); !strings.Contains(out, "70 row(s) cold in") {
		t.Errorf("tables: %q", out)
	}
	if _, after, _ := cli(t, "--store", st, "digest", "d"); after != before {
		t.Errorf("digest %q, before %q", after, before)
	}
}
