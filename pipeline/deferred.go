package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// An export with deferred_index = true publishes plain Parquet files
// first (listed in the dataset's manifest when dated, readable and
// searchable by an exact scan at once) and returns; the AILK sections are
// added afterwards, file by file, by RunDeferredSections: each object is
// replaced whole, so a reader sees the plain file or the file with its
// sections, and a search meanwhile scans the plain files exactly. The
// step is a job of its own in the store's status folder (`lakelink
// status JOB`): running in phase PhaseSections with FilesDone of
// FilesTotal, then committed, or failed with the error (the files not yet
// done stay plain and correct). A dated version's manifest entries get
// the new sizes and SHA-256 as each file is done.
//
// DeferredSections is the step as plain data: the engine runs it on a
// goroutine (Session.Wait waits for it), the lakelink command in a
// process of its own that outlives the command (`lakelink export
// sections JOB`). The step can run again after a failure or a kill: the
// files done already are left as they are.
type DeferredSections struct {
	Job       string                 `json:"job"`
	Table     string                 `json:"table"`
	StatusDir string                 `json:"status_dir"`
	Bucket    string                 `json:"bucket"`
	Keys      []string               `json:"keys"`    // the published files' keys in Bucket
	Columns   []string               `json:"columns"` // the vector columns to index
	Index     parquetio.IndexOptions `json:"index"`
	// Dataset and Version name a dated export's manifest (the dataset's
	// key prefix) and version, whose file entries are updated.
	Dataset string    `json:"dataset,omitempty"`
	Version string    `json:"version,omitempty"`
	Started time.Time `json:"started"`
}

// Status is the step's status file as it starts, owned by owner.
func (d DeferredSections) Status(owner progress.Owner) progress.Status {
	return progress.Status{Job: d.Job, Table: d.Table, State: "running", Phase: progress.PhaseSections, PhaseTotal: int64(len(d.Keys)),
		FilesTotal: int64(len(d.Keys)), TotalsKnown: true, Started: d.Started, LastModified: time.Now().UTC(), Owner: owner}
}

// RunDeferredSections adds the sections to every file, publishing its
// progress to the status folder as it goes, and records the outcome.
func RunDeferredSections(ctx context.Context, d DeferredSections) (err error) {
	st := d.Status(progress.Self())
	write := func() {
		st.LastModified = time.Now().UTC()
		_ = progress.Write(d.StatusDir, st) // progress is best effort
	}
	write()
	defer func() {
		st.Finished = time.Now().UTC()
		switch {
		case errors.Is(err, context.Canceled):
			st.State, st.Error = "canceled", err.Error()
		case err != nil:
			st.State, st.Error = "failed", err.Error()
		default:
			st.State = "committed"
		}
		write()
	}()
	b, done, err := objstore.OpenBucket(ctx, d.Bucket)
	if err != nil {
		return err
	}
	defer done()
	for _, key := range d.Keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		size, sum, _, err := parquetio.AddSectionsToFile(ctx, b, key, d.Columns, d.Index)
		if errors.Is(err, ailk.ErrHasSections) {
			err = nil // done by an earlier run of the step: a resumption
		}
		if err != nil {
			return fmt.Errorf("deferred AILK sections of %s: %w", key, err)
		}
		if d.Version != "" {
			rel := strings.TrimPrefix(key, d.Dataset)
			if err := datasets.UpdateFile(ctx, b, d.Dataset, d.Version, datasets.File{Path: rel, Bytes: size, SHA256: sum}); err != nil {
				return fmt.Errorf("deferred AILK sections of %s: the manifest: %w", key, err)
			}
		}
		st.FilesDone++
		st.BytesDone += size
		st.PhaseDone = st.FilesDone
		write()
	}
	return nil
}

// WriteSpec keeps d as JSON in its status folder, for a process of its own
// to run (ReadSpec), and returns the file's path.
func (d DeferredSections) WriteSpec() (string, error) {
	data, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(d.StatusDir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(d.StatusDir, d.Job+".sections")
	return p, os.WriteFile(p, data, 0o600)
}

// ReadSpec reads what WriteSpec wrote.
func ReadSpec(p string) (DeferredSections, error) {
	var d DeferredSections
	data, err := os.ReadFile(p)
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return d, fmt.Errorf("%s: %w", p, err)
	}
	if d.Job == "" || d.StatusDir == "" || d.Bucket == "" {
		return d, fmt.Errorf("%s: not a deferred-sections job", p)
	}
	return d, nil
}

// deferredOf is the background step of a finished deferred export.
func (p *exportPlan) deferredOf(statusDir string, files []string) *DeferredSections {
	cols, _ := p.out.IndexColumns() // checked when the plan was made
	d := &DeferredSections{Job: p.job, Table: p.table.Name, StatusDir: statusDir, Bucket: p.bucket, Columns: cols,
		Index: *p.out.Index, Started: time.Now().UTC()}
	for _, f := range files {
		d.Keys = append(d.Keys, path.Join(p.final, f))
	}
	if p.version != "" {
		d.Dataset, d.Version = p.key, p.version
	}
	return d
}
