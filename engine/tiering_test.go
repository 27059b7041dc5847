package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/store"
)

// The guide's tiering policy statement runs as written and stores the
// policy, which lakelink_tables shows and which an older commit does not
// have; RESET removes settings; the dating column follows a rename and
// cannot be dropped; bad values are positioned errors. TIER PARTITION
// needs a policy.
func TestTieringPolicy(t *testing.T) {
	s := session(t, "direct")
	exec(t, s, "CREATE TABLE documents (id BIGINT PRIMARY KEY, content TEXT, created_at TIMESTAMP, embedding VECTOR(3))")
	exec(t, s, "CREATE TABLE keyless (content TEXT, day DATE)")
	before := s.Store.Head()
	msg := exec(t, s, "ALTER TABLE documents SET (hot_storage = 'local', cold_storage = 's3://my-bucket/archive/', tier_after = INTERVAL '90 days');")[0].Message
	if msg != "ALTER TABLE documents: tiering hot in the store, cold in s3://my-bucket/archive/, rows whose created_at is older than 90 days go cold" {
		t.Errorf("message %q", msg)
	}
	ti, _ := s.Store.Table("documents", s.Store.Head())
	want := store.Tiering{HotStorage: "local", ColdStorage: "s3://my-bucket/archive/", TierAfter: "90 days", AfterSeconds: 90 * 86400, Column: "created_at"}
	if ti.Tiering == nil || *ti.Tiering != want {
		t.Fatalf("policy %+v, want %+v", ti.Tiering, want)
	}
	if old, _ := s.Store.Table("documents", before); old.Tiering != nil {
		t.Errorf("the commit before has a policy: %+v", old.Tiering)
	}
	// keyless: the only DATE column dates the rows; a local folder.
	exec(t, s, "ALTER TABLE keyless SET (cold_storage = '"+t.TempDir()+"', tier_after = INTERVAL '1 year 6 months')")
	rows := exec(t, s, "SELECT table_name, cold_storage, tier_after, tier_column FROM lakelink_tables ORDER BY table_name")[0].Rows
	if len(rows) != 2 || rows[0][0] != "documents" || rows[0][1] != "s3://my-bucket/archive/" || rows[0][2] != "90 days" || rows[0][3] != "created_at" ||
		rows[1][0] != "keyless" || rows[1][2] != "1 year 6 months" || rows[1][3] != "day" {
		t.Errorf("lakelink_tables: %v", rows)
	}
	// The dating column follows a rename; dropping it is refused.
	exec(t, s, "ALTER TABLE documents RENAME COLUMN created_at TO born")
	if ti, _ := s.Store.Table("documents", s.Store.Head()); ti.Tiering.Column != "born" {
		t.Errorf("after the rename the policy dates by %q", ti.Tiering.Column)
	}
	if _, err := s.Exec(context.Background(), "ALTER TABLE documents DROP COLUMN born"); err == nil || !strings.Contains(err.Error(), "dates the rows for tiering") {
		t.Errorf("drop of the dating column: %v", err)
	}
	exec(t, s, "CREATE TABLE plain (id BIGINT)")
	if _, err := s.Exec(context.Background(), "ALTER TABLE plain TIER PARTITION WHERE id < 3 TO HOT"); err == nil || !strings.Contains(err.Error(), "no cold_storage") {
		t.Errorf("TIER without a policy: %v", err)
	}
	// RESET: tier_after alone goes; cold_storage while tier_after stays is
	// refused; all of it turns tiering off.
	exec(t, s, "ALTER TABLE keyless RESET (tier_after, tier_column)")
	if ti, _ := s.Store.Table("keyless", s.Store.Head()); ti.Tiering == nil || ti.Tiering.TierAfter != "" || ti.Tiering.Column != "" {
		t.Errorf("after RESET (tier_after, tier_column): %+v", ti.Tiering)
	}
	if _, err := s.Exec(context.Background(), "ALTER TABLE documents RESET (cold_storage)"); err == nil || !strings.Contains(err.Error(), "need cold_storage") {
		t.Errorf("RESET (cold_storage) with tier_after set: %v", err)
	}
	exec(t, s, "ALTER TABLE keyless RESET (cold_storage)")
	if ti, _ := s.Store.Table("keyless", s.Store.Head()); ti.Tiering != nil {
		t.Errorf("after RESET of everything: %+v", ti.Tiering)
	}
	head := s.Store.Head()
	for stmt, want := range map[string]string{
		"ALTER TABLE documents SET (tier_after = INTERVAL '3 fortnights')":                 "unknown unit \"fortnights\"",
		"ALTER TABLE documents SET (hot_storage = 's3://x/')":                              "'local' (the store itself) is the only hot tier",
		"ALTER TABLE documents SET (cold_store = 's3://x/')":                               "did you mean cold_storage",
		"ALTER TABLE documents SET (cold_storage = 'ftp://x/')":                            "unknown scheme \"ftp\"",
		"ALTER TABLE documents SET (tier_column = 'content')":                              "tier_column content is TEXT",
		"ALTER TABLE plain SET (cold_storage = 's3://x/', tier_after = INTERVAL '2 days')": "no TIMESTAMP or DATE column",
		"ALTER TABLE plain SET (tier_after = INTERVAL '2 days')":                           "need cold_storage",
		"ALTER TABLE documents SET (tier_after = INTERVAL '0 days')":                       "no time at all",
		"ALTER TABLE documents SET (cold_storage = 's3://a/', cold_storage = 's3://b/')":   "given twice",
		"ALTER TABLE nope SET (cold_storage = 's3://a/')":                                  "does not exist",
	} {
		_, err := s.Exec(context.Background(), stmt)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", stmt, err, want)
		}
	}
	if s.Store.Head() != head {
		t.Errorf("a refused statement committed")
	}
	// Positioned: the caret is under the setting.
	_, err := s.Exec(context.Background(), "ALTER TABLE documents SET (tier_after = INTERVAL 'soon')")
	if err == nil || !strings.Contains(err.Error(), "line 1, column 28") {
		t.Errorf("position: %v", err)
	}
	// Several date columns: name one.
	exec(t, s, "CREATE TABLE two (a TIMESTAMP, b DATE)")
	if _, err := s.Exec(context.Background(), "ALTER TABLE two SET (cold_storage = 's3://x/', tier_after = INTERVAL '1 day')"); err == nil || !strings.Contains(err.Error(), "several TIMESTAMP or DATE columns (a, b)") {
		t.Errorf("two date columns: %v", err)
	}
	exec(t, s, "ALTER TABLE two SET (cold_storage = 's3://x/', tier_after = INTERVAL '1 day', tier_column = b)")
	// ... unless one of them is created_at.
	exec(t, s, "CREATE TABLE three (updated_at TIMESTAMP, created_at TIMESTAMP)")
	exec(t, s, "ALTER TABLE three SET (cold_storage = 's3://x/', tier_after = INTERVAL '1 day')")
	if ti, _ := s.Store.Table("three", s.Store.Head()); ti.Tiering.Column != "created_at" {
		t.Errorf("three is dated by %q, want created_at", ti.Tiering.Column)
	}
	// A graph's tables do not tier.
	exec(t, s, "CREATE GRAPH g (NODE n (id BIGINT PRIMARY KEY, seen DATE), EDGE e (source BIGINT REFERENCES n(id), target BIGINT REFERENCES n(id)))")
	if _, err := s.Exec(context.Background(), "ALTER TABLE g.n SET (cold_storage = 's3://x/')"); err == nil || !strings.Contains(err.Error(), "graph's tables do not tier") {
		t.Errorf("graph table: %v", err)
	}
}
