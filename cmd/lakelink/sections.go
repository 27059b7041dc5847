package main

import (
	"context"
	"errors"
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

// spawnSections runs deferred exports' background steps in a process of
// its own (`lakelink export sections SPEC...`), in a session of its own,
// so that it outlives this command: the specs and the process's output
// are kept in the store's status folder, and each status file names the
// child as the job's owner until it writes its own. The steps run one
// after another: those of one whole-dataset export update one manifest.
func spawnSections(ds ...pipeline.DeferredSections) error {
	if len(ds) == 0 {
		return nil
	}
	args := []string{"export", "sections"}
	for _, d := range ds {
		spec, err := d.WriteSpec()
		if err != nil {
			return err
		}
		args = append(args, spec)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logf, err := os.Create(args[2] + ".log")
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(self, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	for _, d := range ds {
		_ = progress.Write(d.StatusDir, d.Status(progress.OwnerOf(cmd.Process.Pid)))
	}
	return cmd.Process.Release()
}

// newSectionsCmd is `lakelink export sections JOB...`: the background
// steps spawnSections starts, one after another, and how a user finishes
// one that failed or was killed (the files done before are left as they
// are).
func newSectionsCmd(g *globalFlags, stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "sections JOB...",
		Short: "Add the AILK sections of exports with deferred_index (they start this themselves; run it again to finish a failed or killed one)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var errs []error
			for _, arg := range args {
				if err := runSections(cmd.Context(), g, arg, stdout); err != nil {
					errs = append(errs, err)
				}
			}
			return errors.Join(errs...)
		},
	}
}

// runSections runs one job's step, named by job id or spec path; the
// spec and the log go when it succeeds.
func runSections(ctx context.Context, g *globalFlags, arg string, stdout io.Writer) error {
	spec := arg
	if !strings.ContainsRune(spec, filepath.Separator) {
		spec = filepath.Join(g.store, "status", spec+".sections")
	}
	d, err := pipeline.ReadSpec(spec)
	if os.IsNotExist(err) {
		return fmt.Errorf("job %s has no deferred sections to add (done, or not an export with deferred_index)", arg)
	}
	if err != nil {
		return err
	}
	if err := pipeline.RunDeferredSections(ctx, d); err != nil {
		return err
	}
	os.Remove(spec)
	os.Remove(spec + ".log")
	fmt.Fprintf(stdout, "job %s: AILK sections added to %d file(s)\n", d.Job, len(d.Keys))
	return nil
}
