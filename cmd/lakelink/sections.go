package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/lakelink/lakelink/pipeline"
	"github.com/lakelink/lakelink/progress"
)

// spawnSections runs a deferred export's background step in a process of
// its own (`lakelink export sections SPEC`), in a session of its own, so
// that it outlives this command: the spec and the step's output are kept
// in the store's status folder, and the status file names the child as
// the job's owner until it writes its own.
func spawnSections(d pipeline.DeferredSections) error {
	spec, err := d.WriteSpec()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logf, err := os.Create(spec + ".log")
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(self, "export", "sections", spec)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	_ = progress.Write(d.StatusDir, d.Status(progress.OwnerOf(cmd.Process.Pid)))
	return cmd.Process.Release()
}

// newSectionsCmd is the hidden `lakelink export sections SPEC`: the
// background step spawnSections starts.
func newSectionsCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:    "sections SPEC",
		Short:  "Add the AILK sections of an export with deferred_index (started by the export itself)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := pipeline.ReadSpec(args[0])
			if err != nil {
				return err
			}
			err = pipeline.RunDeferredSections(cmd.Context(), d)
			if err == nil {
				os.Remove(args[0])
				os.Remove(args[0] + ".log")
				fmt.Fprintf(stdout, "job %s: AILK sections added to %d file(s)\n", d.Job, len(d.Keys))
			}
			return err
		},
	}
}
