package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
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
}

// OpenProgress opens the staging location at url to read job's reports.
func OpenProgress(ctx context.Context, url, job string) (*ProgressReader, error) {
	b, done, err := OpenBucket(ctx, url)
	if err != nil {
		return nil, err
	}
	return &ProgressReader{b: b, done: done, job: job, Every: publishEvery(url)}, nil
}

// Read returns the reports published so far. A report that is being
// replaced, or is unreadable, is left out of this round.
func (r *ProgressReader) Read(ctx context.Context) ([]progress.Report, error) {
	var out []progress.Report
	it := r.b.List(&blob.ListOptions{Prefix: progressPrefix(r.job)})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		data, err := r.b.ReadAll(ctx, obj.Key)
		if err != nil {
			continue
		}
		var rep progress.Report
		if json.Unmarshal(data, &rep) == nil {
			out = append(out, rep)
		}
	}
}

// Close releases the bucket.
func (r *ProgressReader) Close() { r.done() }
