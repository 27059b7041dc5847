package runners

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/apache/beam/sdks/v2/go/container/tools"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/harness"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/util/grpcx"

	"github.com/lakelink/lakelink/progress"
)

// IsWorker reports whether a program was started as a Beam worker by a
// portable runner's PROCESS environment (which passes --provision_endpoint).
// A program that may be its own worker binary calls this first thing in
// main:
//
//	if runners.IsWorker(os.Args[1:]) {
//		os.Exit(runners.RunWorker(os.Args[1:]))
//	}
func IsWorker(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "--provision_endpoint=") || strings.HasPrefix(a, "-provision_endpoint=") {
			return true
		}
	}
	return false
}

// RunWorker is the self-boot entry point of a worker process: it reads the
// provision info, imports the pipeline options and runs the SDK harness
// until the runner is done with it, then returns the exit status. Unlike
// Beam's stock boot loader it accepts the quotes Prism puts around --id,
// needs no staged artifact (the running binary is the worker) and exits
// when the harness returns instead of sleeping until killed.
func RunWorker(args []string) int {
	var id, provision string
	for _, a := range args {
		k, v, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		v = strings.Trim(v, `'"`)
		switch k {
		case "id":
			id = v
		case "provision_endpoint":
			provision = v
		}
	}
	if id == "" || provision == "" {
		fmt.Fprintln(os.Stderr, "lakelink worker: need --id and --provision_endpoint")
		return 2
	}
	progress.SetWorkerProcess() // the launcher cannot see this process's counters
	ctx := grpcx.WriteWorkerID(context.Background(), id)
	info, err := tools.ProvisionInfo(ctx, provision)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lakelink worker %s: provision info: %v\n", id, err)
		return 1
	}
	opts, err := tools.ProtoToJSON(info.GetPipelineOptions())
	if err != nil {
		fmt.Fprintf(os.Stderr, "lakelink worker %s: pipeline options: %v\n", id, err)
		return 1
	}
	var raw runtime.RawOptionsWrapper
	if err := json.Unmarshal([]byte(opts), &raw); err == nil {
		runtime.GlobalOptions.Import(raw.Options)
	}
	if !beam.Initialized() {
		beam.Init() // registrations and hooks; not in worker-flag mode, so it returns
	}
	err = harness.MainWithOptions(ctx, info.GetLoggingEndpoint().GetUrl(), info.GetControlEndpoint().GetUrl(), harness.Options{
		StatusEndpoint:     info.GetStatusEndpoint().GetUrl(),
		RunnerCapabilities: info.GetRunnerCapabilities(),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "lakelink worker %s: %v\n", id, err)
		return 1
	}
	return 0
}
