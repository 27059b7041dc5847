package storeio

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lakelink/lakelink/indexes"
	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/sinks"
	"github.com/lakelink/lakelink/store"
)

// Open starts a write of batches of schema into table, for a program that
// makes its batches itself (any source, its own steps): Write stages them
// in its pipeline, and Commit, once the pipeline has run, commits them as
// COPY's commit does, with the graph checks, the error table, index
// segments and the job record. Close removes what the job staged; call it
// when done, whether the job committed or not.
//
// From Open to Commit the job's progress is published as COPY's is: its
// status file (lakelink_import_status, `lakelink status`) shows it
// running, with the rows the workers staged, in this process or in
// worker processes; then committed, or failed with the error that Fail
// gives, or failed as "closed without a commit" when Close comes first.
// o.Progress, when set, gets the same figures.
//
// A table that does not exist is created with schema; one that does must
// have schema exactly (its primary key included). Modes other than append
// need a primary key. The workers build the table's indexes (and, for a
// table the job creates, those that o.BuildIndexes declares).
func Open(ctx context.Context, st *store.Store, table string, schema lake.Schema, o Options) (Target, error) {
	if o.Mode == "" {
		o.Mode = sinks.Append
	}
	if o.MaxErrors == 0 && o.OnError == "" {
		o.MaxErrors = -1
	}
	if !lake.ValidName(table) {
		if _, _, dotted := store.SplitGraphTable(table); !dotted {
			return Target{}, fmt.Errorf("invalid table name %q", table)
		}
	}
	if err := schema.Validate(); err != nil {
		return Target{}, fmt.Errorf("table %s: %w", table, err)
	}
	if _, _, err := indexes.Check(o.IndexType, o.IndexMetric, o.IndexOptions); err != nil {
		return Target{}, fmt.Errorf("table %s: %w", table, err)
	}
	t := Target{Job: NewJobID(), Table: table, Schema: schema, Options: o}
	ti, err := st.Table(table, st.Head())
	switch {
	case err == nil:
		if !sameSchema(ti.Schema, schema) {
			return Target{}, fmt.Errorf("table %s is %s; the batches are %s", table, ti.Schema, schema)
		}
	case errors.Is(err, store.ErrNotFound):
		t.Create = true
		ti = store.TableInfo{Name: table, Schema: schema}
		if ti.Indexes, err = DeclaredIndexes(ti, o); err != nil {
			return Target{}, err
		}
	default:
		return Target{}, err
	}
	if o.Mode != sinks.Append && len(schema.PrimaryKey) == 0 {
		return Target{}, fmt.Errorf("table %s: mode '%s' matches rows by key, and the table has no primary key", table, o.Mode)
	}
	for i := range schema.Columns {
		t.UpdateColumns = append(t.UpdateColumns, i)
	}
	for _, d := range ti.Indexes {
		if indexes.Structured(d.Type) {
			t.Indexes = append(t.Indexes, d)
		}
	}
	if t.Staging, err = filepath.Abs(filepath.Join(st.Dir(), "staging")); err != nil {
		return Target{}, err
	}
	if err := os.MkdirAll(t.Staging, 0o755); err != nil {
		return Target{}, err
	}
	if st.Encrypted() {
		t.Seal = objstore.NewStagingKey()
	}
	t.Statement = fmt.Sprintf("storeio.Write into %s", table)
	if _, err := RecoverJobs(st); err != nil {
		return Target{}, err
	}
	Hold(t.Job)
	if t.tracker, err = Track(ctx, st, t, time.Now().UTC(), o.Progress, true); err != nil {
		Release(t.Job)
		return Target{}, err
	}
	return t, nil
}

// Fail records that the job failed with err (a pipeline that did not run,
// say) and commits nothing; its status shows err, or canceled for a
// context's cancellation. Close still removes what it staged.
func (t Target) Fail(err error) {
	if t.tracker != nil {
		t.tracker.Finish(Result{}, err)
	}
}

// Close removes what the job staged and forgets it. It is safe to call
// after a failed Commit, or without one: nothing staged reaches the store
// without Commit.
func (t Target) Close() error {
	t.Fail(ErrNotCommitted) // a no-op after Commit or Fail
	defer Release(t.Job)
	if t.Staging == "" || strings.TrimSpace(t.Job) == "" {
		return nil
	}
	return sinks.Cleanup(context.Background(), t.Staging, t.Job)
}
