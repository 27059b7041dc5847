package runners

import (
	"context"
	"log/slog"
	"strings"
)

// quietHandler passes warnings and errors to the next handler, except the
// one Prism logs when it kills the worker processes of a job that has
// finished ("process failed while running ... signal: killed"): that is
// how Prism stops PROCESS workers, not a failure.
type quietHandler struct{ next slog.Handler }

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.next.Enabled(ctx, l)
}

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "process failed while running" {
		killed := false
		r.Attrs(func(a slog.Attr) bool {
			killed = killed || a.Key == "error" && strings.Contains(a.Value.String(), "signal: killed")
			return true
		})
		if killed {
			return nil
		}
	}
	return h.next.Handle(ctx, r)
}

func (h quietHandler) WithAttrs(a []slog.Attr) slog.Handler { return quietHandler{h.next.WithAttrs(a)} }
func (h quietHandler) WithGroup(n string) slog.Handler      { return quietHandler{h.next.WithGroup(n)} }
