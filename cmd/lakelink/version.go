package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/spf13/cobra"

	"github.com/lakelink/lakelink/vectorops"
)

// simdFeatures are the CPU features lakelink's vector kernels choose from.
var simdFeatures = []cpuid.FeatureID{cpuid.SSE4, cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512DQ, cpuid.AVX512VL, cpuid.AVX512VNNI, cpuid.ASIMD, cpuid.SVE}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and the machine facts lakelink uses (cores, SIMD features)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var feats []string
			for _, f := range simdFeatures {
				if cpuid.CPU.Supports(f) {
					feats = append(feats, f.String())
				}
			}
			if len(feats) == 0 {
				feats = []string{"none (portable Go kernels)"}
			}
			fmt.Fprintln(stdout, versionLine())
			// cpuid reports the host's cores on some VMs; the scheduler's
			// count is the one that bounds parallel work.
			fmt.Fprintf(stdout, "cpu: %s, %d cores usable\n", strings.TrimSpace(cpuid.CPU.BrandName), runtime.NumCPU())
			fmt.Fprintf(stdout, "simd: %s\n", strings.Join(feats, " "))
			fmt.Fprintf(stdout, "vector kernels: %s\n", vectorops.Kernel())
			return nil
		},
	}
}

// versionLine is the first line of `lakelink version` and all of
// `lakelink --version`: the module version, Go and the platform.
func versionLine() string {
	version := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		version = bi.Main.Version
	}
	return fmt.Sprintf("lakelink %s (%s, %s/%s)", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
