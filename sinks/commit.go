package sinks

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/lake"
	"github.com/lakelink/lakelink/objstore"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/store"
)

// Mode says what happens to a row whose primary key is already taken.
type Mode string

const (
	// Append: a key already in the table, or repeated within the job, is a
	// row error; the first occurrence wins.
	Append Mode = "append"
	// Upsert: the last occurrence, in input order, wins.
	Upsert Mode = "upsert"
	// Update: the last occurrence, in input order, changes the columns the
	// import feeds (CommitOptions.UpdateColumns) of the existing row with
	// its key; a key without a row is a row error.
	Update Mode = "update"
)

// CommitOptions control how a manifest is committed.
type CommitOptions struct {
	Staging string
	Job     string
	// Seal is the job's staging key, when Stage sealed the segments.
	Seal  []byte
	Table store.TableInfo
	Mode  Mode
	// MaxErrors aborts the commit when the job has more row errors; -1 for
	// no limit, 0 to fail on the first.
	MaxErrors int64
	// Abort says that MaxErrors is 0 because of on_error = 'abort', for the
	// error message.
	Abort bool
	// ErrorTable, when set, also receives each row error as a row
	// (pipeline.ErrorTableSchema).
	ErrorTable *store.TableInfo
	// UpdateColumns are the columns that mode Update changes.
	UpdateColumns []int
	// TableIsNew skips the existence checks against earlier commits.
	TableIsNew bool
	// MappedWindow bounds the bytes of staged segments mapped into memory
	// at once (default 64 MB); past it the commit is flushed and the
	// mappings released.
	MappedWindow int64
	// TrackWritten records which staged rows the commit writes
	// (CommitResult.Written), for ResolveParts.
	TrackWritten bool
	// Hook, when set, sees every row the commit would write (a graph's
	// edge table checks the endpoints and records the adjacency).
	Hook RowHook
	// Existing, when set, holds the table's rows in place of the commit's
	// base (a table whose primary key this commit adopts: a
	// *store.Adoption), and is told of every key the commit writes.
	Existing ExistingRows
}

// ExistingRows are the rows a commit's writes replace or collide with,
// by primary key.
type ExistingRows interface {
	Get(key []byte) ([]byte, error)
	Wrote(key []byte)
}

// RowHook checks rows before a commit writes them and follows up after.
type RowHook interface {
	// Check decides on an encoded row: write it (Write), leave it out
	// silently (Skip), or reject it as a row error naming column, value
	// and reason (Reject).
	Check(c *store.Commit, val []byte) (Verdict, error)
	// Written follows the write of a row that Check let through; key is
	// the row's key in the table.
	Written(c *store.Commit, key, val []byte) error
}

// Verdict is a RowHook's decision on one row.
type Verdict struct {
	Action                int // Write, Skip or Reject
	Column, Value, Reason string
}

// The actions of a Verdict.
const (
	Write = iota
	Skip
	Reject
)

// CommitResult counts what a commit loaded.
type CommitResult struct {
	Rows   int64
	Errors int64
	// Written is set when CommitOptions.TrackWritten is.
	Written Written
}

// ReadManifest loads a job's manifest from staging.
func ReadManifest(ctx context.Context, stagingURL, job string) (Manifest, error) {
	var m Manifest
	b, done, err := objstore.OpenBucket(ctx, stagingURL)
	if err != nil {
		return m, err
	}
	defer done()
	data, err := b.ReadAll(ctx, ManifestKey(job))
	if err != nil {
		return m, fmt.Errorf("job %s: no manifest in staging (did the pipeline finish?): %w", job, err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("job %s: corrupt manifest: %w", job, err)
	}
	m.Sort()
	return m, nil
}

// Commit loads a job's staged segments into c, in input order. It writes
// the rows and the job's error table; it does not finish c.
func Commit(ctx context.Context, c *store.Commit, m Manifest, opt CommitOptions) (CommitResult, error) {
	var res CommitResult
	b, done, err := objstore.OpenBucket(ctx, opt.Staging)
	if err != nil {
		return res, err
	}
	defer done()
	sr := &segmentReader{bucket: b, commit: c, window: opt.MappedWindow, seal: opt.Seal}
	if sr.window <= 0 {
		sr.window = 64 << 20
	}
	if !strings.Contains(opt.Staging, "://") {
		sr.local = opt.Staging
	}
	// Mapped segments back the keys and values handed to the commit until
	// it is finished or aborted.
	c.OnDone(sr.release)
	hasPK := len(opt.Table.Schema.PrimaryKey) > 0
	var totalRows int64
	for _, seg := range m.Segments {
		totalRows += seg.Rows
	}
	// Progress, and a look at ctx, every commitStep rows.
	counts := progress.For(opt.Job)
	counts.CommitTotal.Store(totalRows)
	var stepped int64
	step := func() error {
		if stepped++; stepped == commitStep {
			counts.CommitDone.Add(stepped)
			stepped = 0
			return ctx.Err()
		}
		return nil
	}
	defer func() { counts.CommitDone.Add(stepped) }()

	// For upsert, a first pass finds the last occurrence of each key, so
	// that each key is written once (two writes of one key at one
	// timestamp would leave the winner to chance).
	type pos struct {
		seg int
		row int64
	}
	var last map[[16]byte]pos
	lastWins := opt.Mode == Upsert || opt.Mode == Update
	if opt.Mode == Update && !hasPK {
		return res, fmt.Errorf("mode update needs a table with a primary key")
	}
	if hasPK && lastWins {
		last = make(map[[16]byte]pos, totalRows)
		for si, seg := range m.Segments {
			if seg.Rows == 0 {
				continue
			}
			var row int64
			if err := sr.eachRow(ctx, seg, func(key, _ []byte, _ int64) error {
				last[keyHash(key)] = pos{si, row}
				row++
				return nil
			}); err != nil {
				return res, err
			}
		}
	}
	var seen map[[16]byte]bool
	if hasPK && !lastWins {
		seen = make(map[[16]byte]bool, totalRows)
	}
	if opt.TrackWritten {
		res.Written = Written{}
	}
	// existing is the stored row with a key, or nil; exists says whether
	// there is one, without reading it.
	existing := func(key []byte) ([]byte, error) { return c.Get(opt.Table, key) }
	exists := func(key []byte) (bool, error) { return c.Exists(opt.Table, key) }
	if opt.Existing != nil {
		existing = opt.Existing.Get
		exists = func(key []byte) (bool, error) { v, err := existing(key); return v != nil, err }
	}
	var seq uint64
	at := time.Now().UTC()
	addError := func(e lake.RowError) error {
		res.Errors++
		// The row error is wrapped: errors.As finds it as a *lake.RowError.
		switch {
		case opt.Abort:
			return fmt.Errorf("job %s: a bad row, and on_error is 'abort': nothing was committed (on_error = 'continue' skips bad rows into the error table). %w", opt.Job, &e)
		case opt.MaxErrors >= 0 && res.Errors > opt.MaxErrors:
			return fmt.Errorf("job %s: more than %d row errors (max_errors); nothing was committed, rows or errors. First over the limit: %w", opt.Job, opt.MaxErrors, &e)
		}
		seq++
		if opt.ErrorTable != nil {
			row, err := store.EncodeRow(opt.ErrorTable.Schema, store.Row{opt.Job, e.Object, int64(e.RowGroup), e.Row, e.Column, e.Value, e.Reason, at})
			if err != nil {
				return err
			}
			if err := c.Put(*opt.ErrorTable, nil, row); err != nil {
				return err
			}
			c.Count(opt.ErrorTable.Name, 1, 0, 0)
		}
		return c.PutRowError(opt.Job, seq, e)
	}
	for si, seg := range m.Segments {
		if seg.Errors > 0 {
			data, err := b.ReadAll(ctx, seg.Name)
			if err != nil {
				return res, fmt.Errorf("read staged %s: %w", seg.Name, err)
			}
			if data, err = objstore.OpenBytes(opt.Seal, data, seg.Name); err != nil {
				return res, err
			}
			var errs []lake.RowError
			if err := json.Unmarshal(data, &errs); err != nil {
				return res, fmt.Errorf("corrupt staged %s: %w", seg.Name, err)
			}
			for _, e := range errs {
				if err := addError(e); err != nil {
					return res, err
				}
			}
		}
		if seg.Rows == 0 {
			continue
		}
		var row int64
		err := sr.eachRow(ctx, seg, func(key, val []byte, src int64) error {
			r := row
			row++
			if err := step(); err != nil {
				return err
			}
			if hasPK {
				h := keyHash(key)
				switch opt.Mode {
				case Upsert:
					if last[h] != (pos{si, r}) {
						return nil // a later row has this key
					}
				case Update:
					if last[h] != (pos{si, r}) {
						return nil
					}
					old, err := existing(key)
					if err != nil {
						return err
					}
					if old == nil {
						return addError(lake.RowError{Object: seg.Origin.Object, RowGroup: seg.Origin.RowGroup, Row: seg.Origin.FirstRow + src,
							Column: opt.Table.Schema.PrimaryKey[0], Value: keyText(opt.Table.Schema, val), Reason: "no row with this key to update (mode update)"})
					}
					if val, err = overlay(opt.Table.Schema, old, val, opt.UpdateColumns); err != nil {
						return fmt.Errorf("update of %s: %w", keyText(opt.Table.Schema, old), err)
					}
				default:
					dup := seen[h]
					if !dup && !opt.TableIsNew {
						var err error
						if dup, err = exists(key); err != nil {
							return err
						}
					}
					if dup {
						return addError(lake.RowError{Object: seg.Origin.Object, RowGroup: seg.Origin.RowGroup, Row: seg.Origin.FirstRow + src,
							Column: opt.Table.Schema.PrimaryKey[0], Value: keyText(opt.Table.Schema, val), Reason: "duplicate primary key (mode append)"})
					}
					seen[h] = true
				}
			}
			if opt.Hook != nil {
				v, err := opt.Hook.Check(c, val)
				switch {
				case err != nil:
					return err
				case v.Action == Skip:
					return nil
				case v.Action == Reject:
					return addError(lake.RowError{Object: seg.Origin.Object, RowGroup: seg.Origin.RowGroup, Row: seg.Origin.FirstRow + src,
						Column: v.Column, Value: v.Value, Reason: v.Reason})
				}
			}
			res.Rows++
			switch {
			case opt.Mode == Update:
				c.Count(opt.Table.Name, 0, 1, 0)
			case opt.Mode == Upsert && hasPK && !opt.TableIsNew:
				found, err := exists(key)
				if err != nil {
					return err
				}
				if found {
					c.Count(opt.Table.Name, 0, 1, 0)
				} else {
					c.Count(opt.Table.Name, 1, 0, 0)
				}
			default:
				c.Count(opt.Table.Name, 1, 0, 0)
			}
			rowKey, err := c.PutRow(opt.Table, key, val)
			if err != nil {
				return err
			}
			if opt.Existing != nil {
				opt.Existing.Wrote(key)
			}
			if res.Written != nil {
				if err := res.Written.set(seg.Name, seg.Rows, r, !hasPK, rowKey); err != nil {
					return err
				}
			}
			if opt.Hook == nil {
				return nil
			}
			return opt.Hook.Written(c, rowKey, val)
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// commitStep is how many rows the commit loads between reports of its
// progress and looks at its context.
const commitStep = 4096

// overlay returns the stored row old with the given columns taken from
// the staged row val.
func overlay(s lake.Schema, old, val []byte, columns []int) ([]byte, error) {
	o, err := store.DecodeRow(s, old)
	if err != nil {
		return nil, err
	}
	n, err := store.DecodeRow(s, val)
	if err != nil {
		return nil, err
	}
	for _, c := range columns {
		o[c] = n[c]
	}
	return store.EncodeRow(s, o)
}

// segmentReader reads staged segments. Local segments are mapped into
// memory rather than copied: Badger keeps references to keys and values
// until the commit flushes, so the mappings live until release.
type segmentReader struct {
	bucket *blob.Bucket
	local  string // staging folder, when staging is local
	commit *store.Commit
	seal   []byte   // the job's staging key, or nil
	maps   [][]byte // mapped files
	opened [][]byte // sealed segments, opened into memory
	mapped int64    // bytes in maps and opened
	// window bounds the staged bytes mapped at once: past it, the commit
	// is flushed (Badger lets go of the keys and values it was handed) and
	// the mappings are released. Mapped pages count as resident memory.
	window int64
}

func (sr *segmentReader) release() {
	for _, m := range sr.maps {
		_ = unmap(m)
	}
	sr.maps, sr.opened, sr.mapped = nil, nil, 0
}

// done is called after each segment is fully read.
func (sr *segmentReader) done() error {
	if sr.mapped < sr.window {
		return nil
	}
	if err := sr.commit.Flush(); err != nil {
		return err
	}
	sr.release()
	return nil
}

func (sr *segmentReader) eachRow(ctx context.Context, seg Segment, fn func(key, val []byte, row int64) error) error {
	if sr.local == "" || seg.InMemory {
		return eachRow(ctx, sr.bucket, seg, sr.seal, fn)
	}
	data, err := mapFile(filepath.Join(sr.local, filepath.FromSlash(seg.Name)))
	if err != nil {
		return eachRow(ctx, sr.bucket, seg, sr.seal, fn)
	}
	if sr.seal == nil {
		sr.maps = append(sr.maps, data)
	} else {
		// A sealed segment is opened into memory, which the commit holds
		// on to like a mapping; the sealed mapping goes at once.
		sealed := data
		data, err = objstore.OpenBytes(sr.seal, sealed, seg.Name)
		_ = unmap(sealed)
		if err != nil {
			return err
		}
		sr.opened = append(sr.opened, data)
	}
	sr.mapped += int64(len(data))
	if err := readSegment(seg, fn, func(fn rowFunc) error { return readRowsFrom(data, fn) }); err != nil {
		return err
	}
	return sr.done()
}

// eachRow calls fn for each row of a staged segment, held in this
// process's memory or read from the staging bucket.
func eachRow(ctx context.Context, b *blob.Bucket, seg Segment, seal []byte, fn func(key, val []byte, row int64) error) error {
	if seg.InMemory {
		data, ok := memStage.get(seg.Name)
		if !ok {
			return fmt.Errorf("staged %s: not in this process's memory (was it staged by a worker in another process?)", seg.Name)
		}
		return readSegment(seg, fn, func(fn rowFunc) error { return readRowsFrom(data, fn) })
	}
	r, err := b.NewReader(ctx, seg.Name, nil)
	if err != nil {
		return fmt.Errorf("read staged %s: %w", seg.Name, err)
	}
	defer r.Close()
	rows, err := objstore.OpenReader(r, seal)
	if err != nil {
		return fmt.Errorf("staged %s: %w", seg.Name, err)
	}
	return readSegment(seg, fn, func(fn rowFunc) error { return readRows(rows, fn) })
}

// rowFunc is called with each row of a staged segment.
type rowFunc = func(key, val []byte, row int64) error

// readSegment reads seg's rows with read, calling fn: an error fn returns
// comes back as fn said it (a bad row's error names its own object and
// row); an error of reading names the segment.
func readSegment(seg Segment, fn rowFunc, read func(rowFunc) error) error {
	var fnErr error
	err := read(func(key, val []byte, row int64) error {
		fnErr = fn(key, val, row)
		return fnErr
	})
	switch {
	case err == nil:
		return nil
	case fnErr != nil:
		return fnErr
	}
	return fmt.Errorf("staged %s: %w", seg.Name, err)
}

func keyHash(k []byte) [16]byte {
	h := sha256.Sum256(k)
	var out [16]byte
	copy(out[:], h[:16])
	return out
}

// keyText renders the primary key of an encoded row for an error report.
func keyText(s lake.Schema, val []byte) string {
	row, err := store.DecodeRow(s, val)
	if err != nil {
		return "?"
	}
	var parts []any
	for _, i := range s.PKIndexes() {
		parts = append(parts, row[i])
	}
	if len(parts) == 1 {
		return lake.Truncate(fmt.Sprint(parts[0]))
	}
	return lake.Truncate(fmt.Sprint(parts...))
}

// Cleanup deletes a job's staged objects and the segments it staged in
// memory.
func Cleanup(ctx context.Context, stagingURL, job string) error {
	memStage.drop(job)
	b, done, err := objstore.OpenBucket(ctx, stagingURL)
	if err != nil {
		return err
	}
	defer done()
	it := b.List(&blob.ListOptions{Prefix: job + "/"})
	for {
		obj, err := it.Next(ctx)
		if err != nil {
			break
		}
		_ = b.Delete(ctx, obj.Key)
	}
	// A local folder keeps the job's emptied folders: remove them too.
	if local := strings.TrimPrefix(stagingURL, "file://"); !strings.Contains(local, "://") && job != "" {
		_ = os.RemoveAll(filepath.Join(local, job))
	}
	return nil
}
