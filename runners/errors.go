package runners

import (
	"strings"
)

// PipelineError is a failed pipeline. Its message is the error the failing
// DoFn returned (which names the object, row group and row), without the
// runner's execution-plan dump; Unwrap gives the runner's whole error.
type PipelineError struct {
	Runner string
	Msg    string
	Err    error
}

func (e *PipelineError) Error() string { return e.Msg }
func (e *PipelineError) Unwrap() error { return e.Err }

// dofnFailure is how Beam (direct runner and Prism alike) introduces the
// error a DoFn returned: "DoFn[UID:…, PID:…, Name: …] failed:\n<message>".
const dofnFailure = "] failed:\n"

func pipelineError(runner string, err error) error {
	full := err.Error()
	msg := full
	if i := strings.LastIndex(full, "DoFn["); i >= 0 {
		if j := strings.Index(full[i:], dofnFailure); j >= 0 {
			msg = strings.TrimSpace(full[i+j+len(dofnFailure):])
		}
	}
	if msg == full {
		msg = "pipeline failed on " + runner + " runner: " + full
	}
	return &PipelineError{Runner: runner, Msg: msg, Err: err}
}
