package sinks

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/lakelink/lakelink/objstore"
)

// FileListKey is the staging key of an export job's list of written files.
func FileListKey(job string) string { return job + "/files.json" }

// ListFiles gathers the files of an export into one list, written to
// staging under FileListKey once every file is written. The list exists
// only if the pipeline succeeds; a sentinel makes it appear for an export
// of no rows.
func ListFiles(s beam.Scope, staging, job string, files beam.PCollection) {
	s = s.Scope("sinks.ListFiles")
	sentinel := beam.CreateList(s, []WrittenFile{{}})
	all := beam.Flatten(s, files, sentinel)
	beam.ParDo0(s, &fileListFn{Staging: staging, Job: job}, beam.GroupByKey(s, beam.AddFixedKey(s, all)))
}

type fileListFn struct {
	Staging string `json:"staging"`
	Job     string `json:"job"`
}

func (fn *fileListFn) ProcessElement(ctx context.Context, _ int, files func(*WrittenFile) bool) error {
	var list []WrittenFile
	var f WrittenFile
	for files(&f) {
		if f.Key != "" {
			list = append(list, f)
		}
	}
	SortFiles(list)
	data, err := json.Marshal(list)
	if err != nil {
		return err
	}
	b, done, err := objstore.OpenBucket(ctx, fn.Staging)
	if err != nil {
		return err
	}
	defer done()
	return b.WriteAll(ctx, FileListKey(fn.Job), data, nil)
}

// SortFiles orders files as their rows follow the source: by range, then
// sequence, then partition.
func SortFiles(files []WrittenFile) {
	sort.Slice(files, func(i, j int) bool {
		a, b := files[i], files[j]
		if a.Range != b.Range {
			return a.Range < b.Range
		}
		if a.Partition != b.Partition {
			return a.Partition < b.Partition
		}
		return a.Seq < b.Seq
	})
}

// ReadFileList reads the list ListFiles wrote; a missing list means the
// pipeline did not finish.
func ReadFileList(ctx context.Context, staging, job string) ([]WrittenFile, error) {
	b, done, err := objstore.OpenBucket(ctx, staging)
	if err != nil {
		return nil, err
	}
	defer done()
	data, err := b.ReadAll(ctx, FileListKey(job))
	if err != nil {
		return nil, fmt.Errorf("export job %s left no file list: %w", job, err)
	}
	var list []WrittenFile
	return list, json.Unmarshal(data, &list)
}
