package runners

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
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
	// "loopback" (default: workers in this process) or "process" (workers
	// are separate processes running WorkerBinary).
	Environment string
	// WorkerBinary is the program a PROCESS environment starts as worker;
	// it must call IsWorker/RunWorker first thing in main. Default: the
	// running program itself.
	WorkerBinary string
	// Verbose keeps Beam's and Prism's own log output (warnings and errors,
	// less the benign report of Prism killing finished workers).
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
	if o.Verbose {
		slog.SetDefault(slog.New(quietHandler{slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})}))
	} else {
		log.SetLogger(quiet{})
		// Prism logs through slog; its errors repeat what Execute returns.
		slog.SetDefault(slog.New(slog.DiscardHandler))
	}
	var err error
	switch o.Name() {
	case "direct":
		_, err = direct.Execute(ctx, p)
	case "prism":
		if err := setEnvironment(o); err != nil {
			return err
		}
		_, err = prism.Execute(ctx, p)
	case "universal", "flink":
		if o.Endpoint == "" {
			return fmt.Errorf("runner %s needs an endpoint (HOST:PORT of the job service)", o.Runner)
		}
		*jobopts.Endpoint = o.Endpoint
		if err := setEnvironment(o); err != nil {
			return err
		}
		_, err = universal.Execute(ctx, p)
	default:
		return fmt.Errorf("unknown runner %q (known: %s)", o.Runner, strings.Join(Names, ", "))
	}
	if err != nil {
		return pipelineError(o.Name(), err)
	}
	return nil
}

// setEnvironment sets Beam's (global) environment flags for a portable run.
func setEnvironment(o Options) error {
	switch strings.ToLower(o.Environment) {
	case "", "loopback":
		*jobopts.EnvironmentType = "LOOPBACK"
		*jobopts.EnvironmentConfig = ""
	case "process":
		bin := o.WorkerBinary
		if bin == "" {
			self, err := os.Executable()
			if err != nil {
				return fmt.Errorf("process environment: finding this program: %w", err)
			}
			bin = self
		}
		cfg, _ := json.Marshal(map[string]string{"command": bin})
		*jobopts.EnvironmentType = "PROCESS"
		*jobopts.EnvironmentConfig = string(cfg)
		// Without a worker binary the launcher would try to `go build` one.
		*jobopts.WorkerBinary = bin
	default:
		return fmt.Errorf("unknown environment %q (loopback, process)", o.Environment)
	}
	return nil
}

// Name is the runner the options select ("direct" when none is named).
func (o Options) Name() string {
	if strings.TrimSpace(o.Runner) == "" {
		return "direct"
	}
	return strings.ToLower(o.Runner)
}

// Check reports options that no run can use, before anything runs: an
// unknown runner, a portable runner without its endpoint, an unknown
// worker environment.
func (o Options) Check() error {
	if !slices.Contains(Names, o.Name()) {
		return fmt.Errorf("unknown runner %q (known: %s)", o.Runner, strings.Join(Names, ", "))
	}
	if (o.Name() == "universal" || o.Name() == "flink") && o.Endpoint == "" {
		return fmt.Errorf("runner %s needs an endpoint (HOST:PORT of the job service)", o.Runner)
	}
	switch strings.ToLower(o.Environment) {
	case "", "loopback", "process":
	default:
		return fmt.Errorf("unknown environment type %q (loopback or process)", o.Environment)
	}
	return nil
}

// quiet drops Beam's informational logging; errors still reach stderr via
// the returned error.
type quiet struct{}

func (quiet) Log(ctx context.Context, sev log.Severity, calldepth int, msg string) {}
