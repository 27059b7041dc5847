package runners

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/options/jobopts"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/direct"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal"
)

// Options choose and configure a runner.
type Options struct {
	// Runner is "direct" (default), "prism", or "universal"/"flink" with an
	// Endpoint.
	Runner string
	// Endpoint of a portable job service (HOST:PORT), for universal/flink.
	Endpoint string
	// Environment is the worker environment for portable runners:
	// "loopback" (default: workers in this process) or "process".
	Environment string
	// Verbose keeps Beam's own log output.
	Verbose bool
}

// Names lists the runners Execute knows.
var Names = []string{"direct", "prism", "universal", "flink"}

var initOnce sync.Once

// Execute runs p to completion.
func Execute(ctx context.Context, p *beam.Pipeline, o Options) error {
	initOnce.Do(func() {
		if !beam.Initialized() {
			beam.Init()
		}
	})
	if !o.Verbose {
		log.SetLogger(quiet{})
		// Prism logs through slog at INFO; keep warnings and errors only.
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	}
	var err error
	switch strings.ToLower(o.Runner) {
	case "", "direct":
		_, err = direct.Execute(ctx, p)
	case "prism":
		if o.Environment != "" {
			*jobopts.EnvironmentType = o.Environment
		}
		_, err = prism.Execute(ctx, p)
	case "universal", "flink":
		if o.Endpoint == "" {
			return fmt.Errorf("runner %s needs an endpoint (HOST:PORT of the job service)", o.Runner)
		}
		*jobopts.Endpoint = o.Endpoint
		if o.Environment != "" {
			*jobopts.EnvironmentType = o.Environment
		} else if *jobopts.EnvironmentType == "" {
			*jobopts.EnvironmentType = "loopback"
		}
		_, err = universal.Execute(ctx, p)
	default:
		return fmt.Errorf("unknown runner %q (known: %s)", o.Runner, strings.Join(Names, ", "))
	}
	if err != nil {
		return fmt.Errorf("pipeline failed on %s runner: %w", orDefault(o.Runner), err)
	}
	return nil
}

func orDefault(r string) string {
	if r == "" {
		return "direct"
	}
	return r
}

// quiet drops Beam's informational logging; errors still reach stderr via
// the returned error.
type quiet struct{}

func (quiet) Log(ctx context.Context, sev log.Severity, calldepth int, msg string) {}
