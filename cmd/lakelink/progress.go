package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/lakelink/lakelink/progress"
)

// progressBar returns a callback that shows a running import on w, phase
// by phase (listing, reading, building index parts, committing, indexing
// at commit, flushing), each with its own measure. On a terminal it draws
// a bar; elsewhere (a pipe, a log file) it prints one plain line every
// `every`, so a long job is never silent.
func progressBar(w io.Writer, every time.Duration) func(progress.Status) {
	if !isTerminal(w) {
		return progressLines(w, every)
	}
	var bar *progressbar.ProgressBar
	phase := ""
	return func(s progress.Status) {
		if bar == nil || s.Phase != phase {
			if bar != nil {
				_ = bar.Clear()
			}
			phase = s.Phase
			max := s.PhaseTotal
			if max <= 0 {
				max = -1
			}
			bar = progressbar.NewOptions64(max,
				progressbar.OptionSetWriter(w), progressbar.OptionShowBytes(s.Phase == progress.PhaseReading),
				progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		}
		if s.PhaseTotal > 0 && bar.GetMax64() != s.PhaseTotal {
			bar.ChangeMax64(s.PhaseTotal)
		}
		bar.Describe(describe(s))
		_ = bar.Set64(s.PhaseDone)
		if !s.Finished.IsZero() {
			_ = bar.Finish()
			bar = nil
		}
	}
}

// progressLines prints a line like
//
//	lakelink: job 2026...: building index parts 42% (8400/20000 vectors): files 1/1, rows 20000 (5479/s), 0 rejected, 31s
//
// at most every `every`, and none for a job that ends sooner.
func progressLines(w io.Writer, every time.Duration) func(progress.Status) {
	var mu sync.Mutex
	var last time.Time
	return func(s progress.Status) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if last.IsZero() {
			last = now // the first line comes one interval in
		}
		if !s.Finished.IsZero() || now.Sub(last) < every {
			return
		}
		last = now
		fmt.Fprintf(w, "lakelink: job %s: %s, %d rejected, %s\n", s.Job, describe(s), s.Errors, s.LastModified.Sub(s.Started).Round(time.Second))
	}
}

// describe says what a job is doing: its phase, how far, in what unit.
func describe(s progress.Status) string {
	var b strings.Builder
	b.WriteString(s.Phase)
	unit := map[string]string{progress.PhaseReading: "bytes", progress.PhaseIndexing: "vectors", progress.PhaseCommitIx: "vectors",
		progress.PhaseCommit: "rows", progress.PhaseListing: "files"}[s.Phase]
	if p, ok := s.Percent(); ok {
		fmt.Fprintf(&b, " %.0f%% (%d/%d %s)", p, s.PhaseDone, s.PhaseTotal, unit)
	} else if s.PhaseDone > 0 {
		fmt.Fprintf(&b, " (%d %s)", s.PhaseDone, unit)
	}
	files := fmt.Sprint(s.FilesDone)
	if s.TotalsKnown {
		files += fmt.Sprintf("/%d", s.FilesTotal)
	}
	fmt.Fprintf(&b, ": files %s, rows %d (%.0f/s)", files, s.Rows, s.RowsPerSecond())
	return b.String()
}

// isTerminal reports whether r (or a writer) is a terminal.
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
