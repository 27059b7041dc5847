package objstore

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"gocloud.dev/blob"

	"github.com/lakelink/lakelink/progress"
)

// Progress of workers in other processes travels through the job's
// staging location: each worker process keeps one small object,
// JOB/progress/WORKER.json, with its progress.Report, and the launcher
// lists and adds them up while the job runs. The objects go with the rest
// of the job's staging when it is cleaned up.

func progressPrefix(job string) string { return job + "/progress/" }

// publishEvery is how often workers publish to the staging location at
// url, and so how often reading it is worth it: often to a local folder,
// less to a bucket, where every write is a request.
func publishEvery(url string) time.Duration {
	if strings.Contains(url, "://") {
		return progress.PublishEveryRemote
	}
	return progress.PublishEvery
}

// PublishProgress makes this process publish its counts for job to the
// staging location at url, when it is a worker process (see
// progress.SetWorkerProcess); the stages call it from Setup. It does
// nothing in the launcher's process or without a location.
func PublishProgress(ctx context.Context, job, url string) error {
	if url == "" || job == "" {
		return nil
	}
	return progress.Publish(job, publishEvery(url), func() (progress.Put, error) {
		b, done, err := OpenBucket(context.WithoutCancel(ctx), url)
		if err != nil {
			return nil, err
		}
		host, _ := os.Hostname()
		key := fmt.Sprintf("%s%s-%d.json", progressPrefix(job), strings.ReplaceAll(host, "/", "_"), os.Getpid())
		return &bucketPut{b: b, done: done, key: key}, nil
	})
}

type bucketPut struct {
	b    *blob.Bucket
	done func()
	key  string
}

func (p *bucketPut) Put(ctx context.Context, data []byte) error {
	return p.b.WriteAll(ctx, p.key, data, &blob.WriterOptions{ContentType: "application/json", DisableContentTypeDetection: true})
}

func (p *bucketPut) Close() { p.done() }

// ProgressReader reads what the worker processes of a job have published.
type ProgressReader struct {
	b    *blob.Bucket
	done func()
	job  string
	// Every is how often reading is worth it: as often as workers publish.
	Every time.Duration
	// last is each worker's latest report. A listing can miss an object
	// that is being replaced (a folder read while a file is renamed over
	// another may show neither name), so a worker missing from one round
	// keeps its last report: a worker's counts only grow.
	last map[string]progress.Report
}

// OpenProgress opens the staging location at url to read job's reports.
func OpenProgress(ctx context.Context, url, job string) (*ProgressReader, error) {
	b, done, err := OpenBucket(ctx, url)
	if err != nil {
		return nil, err
	}
	return &ProgressReader{b: b, done: done, job: job, Every: publishEvery(url), last: map[string]progress.Report{}}, nil
}

// Read returns the latest report of every worker that has published one.
// A report that cannot be read this round counts as its last one.
func (r *ProgressReader) Read(ctx context.Context) ([]progress.Report, error) {
	it := r.b.List(&blob.ListOptions{Prefix: progressPrefix(r.job)})
	var err error
	for {
		var obj *blob.ListObject
		if obj, err = it.Next(ctx); err != nil {
			break
		}
		data, rerr := r.b.ReadAll(ctx, obj.Key)
		if rerr != nil {
			continue
		}
		var rep progress.Report
		if json.Unmarshal(data, &rep) == nil && rep.Rows >= r.last[obj.Key].Rows {
			r.last[obj.Key] = rep
		}
	}
	if err == io.EOF {
		err = nil
	}
	keys := make([]string, 0, len(r.last))
	for k := range r.last {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]progress.Report, len(keys))
	for i, k := range keys {
		out[i] = r.last[k]
	}
	return out, err
}

// Close releases the bucket.
func (r *ProgressReader) Close() { r.done() }
