package engine_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/io/storeio"
	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/progress"
	"github.com/lakelink/lakelink/vectorops/ailk"
)

// sectionsIn counts the files of dir that carry AILK sections.
func sectionsIn(t *testing.T, files []string) int {
	t.Helper()
	n := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := fh.Stat()
		secs, err := ailk.Sections(fh, st.Size())
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(secs) > 0 {
			n++
		}
	}
	return n
}

// deferred_index publishes plain files first: the COPY returns with the
// files listed in the dated manifest and no sections yet, its job shows
// the background step running, and a search meanwhile scans every file
// and gives the exact answer. Once the step has run, every file has its
// sections, the manifest's sizes and SHA-256 are the files', the job is
// committed, and searches go through the sections with the same answer.
func TestDeferredSectionsInBackground(t *testing.T) {
	s := session(t, "direct")
	query := fillClusters(t, s, 8, 300, 16)
	s.Params = map[int]any{1: query}
	exact := exec(t, s, "SELECT id FROM docs ORDER BY embedding <-> $1 LIMIT 10")[0]
	// The test holds the background step, recording its status as the
	// lakelink command does when it starts one.
	var held []pipeline.DeferredSections
	s.Background = func(d pipeline.DeferredSections) error {
		held = append(held, d)
		return progress.Write(d.StatusDir, d.Status(progress.Self()))
	}
	hold := s.Background
	dir := filepath.Join(t.TempDir(), "ds")
	msg := exec(t, s, "COPY docs TO '"+dir+"/' WITH (dated = true, vector_index = 'hnsw', deferred_index = true, index_metric = 'l2', parallel_workers = 6)")[0].Message
	if !strings.Contains(msg, "in the background") || len(held) != 1 {
		t.Fatalf("message %q, %d background steps", msg, len(held))
	}
	d := held[0]
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.parquet"))
	if len(files) != 6 || len(d.Keys) != 6 {
		t.Fatalf("%d files, %d keys", len(files), len(d.Keys))
	}
	if n := sectionsIn(t, files); n != 0 {
		t.Errorf("%d files have sections before the background step", n)
	}
	statusDir := storeio.StatusDir(s.Store)
	search := "SELECT id FROM parquet_scan('" + dir + "@latest') ORDER BY embedding <-> $1 LIMIT 10"
	r := exec(t, s, search)[0]
	if !reflect.DeepEqual(ids(t, r.Rows), ids(t, exact.Rows)) || !strings.Contains(r.Plan, "6 scanned") {
		t.Errorf("before the sections: %v (plan %s), exact %v", ids(t, r.Rows), r.Plan, ids(t, exact.Rows))
	}
	st, err := progress.Read(statusDir, d.Job)
	if err != nil || st[0].State != "running" || st[0].Phase != progress.PhaseSections || st[0].FilesTotal != 6 {
		t.Errorf("status while pending: %+v %v", st, err)
	}

	if err := pipeline.RunDeferredSections(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if n := sectionsIn(t, files); n != 6 {
		t.Errorf("%d of 6 files have sections after the step", n)
	}
	st, _ = progress.Read(statusDir, d.Job)
	if st[0].State != "committed" || st[0].FilesDone != 6 {
		t.Errorf("status after: %+v", st[0])
	}
	data, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	var m datasets.Manifest
	json.Unmarshal(data, &m)
	total := int64(0)
	for _, f := range m.Versions[0].Files {
		b, err := os.ReadFile(filepath.Join(dir, f.Path))
		sum := sha256.Sum256(b)
		if err != nil || f.Bytes != int64(len(b)) || f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("manifest %s: %d bytes %s; the file %d bytes %x", f.Path, f.Bytes, f.SHA256, len(b), sum)
		}
		total += f.Bytes
	}
	if m.Versions[0].Bytes != total {
		t.Errorf("version bytes %d, files %d", m.Versions[0].Bytes, total)
	}
	r = exec(t, s, search)[0]
	if !reflect.DeepEqual(ids(t, r.Rows), ids(t, exact.Rows)) || !strings.Contains(r.Plan, ", 0 scanned") || !strings.Contains(r.Plan, "through their AILK index") {
		t.Errorf("after the sections: %v (plan %s), exact %v", ids(t, r.Rows), r.Plan, ids(t, exact.Rows))
	}

	// A step that stopped part way (killed, failed) runs again: the files
	// it did are left as they are, the rest get their sections, and the
	// manifest ends right.
	resumed := filepath.Join(t.TempDir(), "resumed")
	exec(t, s, "COPY docs TO '"+resumed+"/' WITH (dated = true, vector_index = 'hnsw', deferred_index = true, parallel_workers = 3)")
	d = held[len(held)-1]
	part := d
	part.Keys = d.Keys[:1]
	if err := pipeline.RunDeferredSections(context.Background(), part); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(d.Bucket, d.Keys[0]))
	if err := pipeline.RunDeferredSections(context.Background(), d); err != nil {
		t.Fatalf("the resumed step: %v", err)
	}
	if again, _ := os.ReadFile(filepath.Join(d.Bucket, d.Keys[0])); string(again) != string(first) {
		t.Errorf("the resumed step rewrote a file it had done")
	}
	resumedFiles, _ := filepath.Glob(filepath.Join(resumed, "*", "*", "*.parquet"))
	if n := sectionsIn(t, resumedFiles); n != 3 {
		t.Errorf("%d of 3 files have sections after the resumed step", n)
	}
	data, _ = os.ReadFile(filepath.Join(resumed, "manifest.json"))
	var rm datasets.Manifest
	json.Unmarshal(data, &rm)
	for _, f := range rm.Versions[0].Files {
		b, _ := os.ReadFile(filepath.Join(resumed, f.Path))
		if sum := sha256.Sum256(b); f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("resumed manifest %s: %s", f.Path, f.SHA256)
		}
	}

	// Without a Background hook the session runs the step on a goroutine,
	// which Wait waits for.
	s.Background = nil
	plain := filepath.Join(t.TempDir(), "plain")
	exec(t, s, "COPY docs TO '"+plain+"/' WITH (vector_index = 'flat', deferred_index = true, parallel_workers = 3)")
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	if n := sectionsIn(t, inDir(plain, parquetFiles(t, plain))); n != 3 {
		t.Errorf("%d of 3 files have sections after Wait", n)
	}

	// A file that went away fails the step, which says which, and leaves
	// the others as they were: readable.
	s.Background = hold
	gone := filepath.Join(t.TempDir(), "gone")
	exec(t, s, "COPY docs TO '"+gone+"/' WITH (vector_index = 'hnsw', deferred_index = true, parallel_workers = 2)")
	d = held[len(held)-1]
	victim := inDir(gone, parquetFiles(t, gone))[1]
	os.Remove(victim)
	err = pipeline.RunDeferredSections(context.Background(), d)
	if err == nil || !strings.Contains(err.Error(), filepath.Base(victim)) {
		t.Errorf("a missing file: %v", err)
	}
	st, _ = progress.Read(statusDir, d.Job)
	if st[0].State != "failed" || !strings.Contains(st[0].Error, filepath.Base(victim)) {
		t.Errorf("status of the failed step: %+v", st[0])
	}
	if c := exec(t, s, fmt.Sprintf("SELECT count(*) FROM parquet_scan('%s/')", gone))[0].Rows[0][0]; c == int64(0) {
		t.Errorf("the remaining file does not read")
	}
}

func inDir(dir string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(dir, n)
	}
	return out
}
