package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// newSectionsCmd is `lakelink export sections JOB`: the background step
// spawnSections starts, and how a user finishes one that failed or was
// killed (the files done before are left as they are).
func newSectionsCmd(g *globalFlags, stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "sections JOB",
		Short: "Add the AILK sections of an export with deferred_index (it starts this itself; run it again to finish a failed or killed one)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec := args[0]
			if !strings.ContainsRune(spec, filepath.Separator) {
				spec = filepath.Join(g.store, "status", spec+".sections")
			}
			d, err := pipeline.ReadSpec(spec)
			if os.IsNotExist(err) {
				return fmt.Errorf("job %s has no deferred sections to add (done, or not an export with deferred_index)", args[0])
			}
			if err != nil {
				return err
			}
			err = pipeline.RunDeferredSections(cmd.Context(), d)
			if err == nil {
				os.Remove(spec)
				os.Remove(spec + ".log")
				fmt.Fprintf(stdout, "job %s: AILK sections added to %d file(s)\n", d.Job, len(d.Keys))
			}
			return err
		},
	}
}
