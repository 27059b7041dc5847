package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/lakelink/lakelink/progress"
)

// progressBar returns a callback that draws a running import as a bar on
// w (files, rows, rows/s, and the bar's bytes and ETA), or nil when w is
// not a terminal: in a pipe the command prints only its results.
func progressBar(w io.Writer) func(progress.Status) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	var bar *progressbar.ProgressBar
	return func(s progress.Status) {
		if bar == nil {
			bar = progressbar.NewOptions64(-1,
				progressbar.OptionSetWriter(w), progressbar.OptionShowBytes(true),
				progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		}
		if s.TotalsKnown && bar.GetMax64() != s.BytesTotal && s.BytesTotal > 0 {
			bar.ChangeMax64(s.BytesTotal)
		}
		files := fmt.Sprint(s.FilesDone)
		if s.TotalsKnown {
			files += fmt.Sprintf("/%d", s.FilesTotal)
		}
		bar.Describe(fmt.Sprintf("%s: files %s, rows %d (%.0f/s)", s.State, files, s.Rows, s.RowsPerSecond()))
		_ = bar.Set64(s.BytesDone)
		if !s.Finished.IsZero() {
			_ = bar.Finish()
			bar = nil
		}
	}
}

// isTerminal reports whether r is a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
