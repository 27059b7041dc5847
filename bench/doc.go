// Package bench holds lakelink's benchmarks, run by `make bench`. Each
// prints its figures beside a limit or peer measured in the same run, and
// the ratio between them; none asserts a time.
package bench
