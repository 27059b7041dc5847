// Package runners runs lakelink pipelines: on the direct runner inside the
// process (the default, no network listener), on Prism (the portable path,
// which proves a pipeline is portable), or on any portable job service such
// as Flink's (runner "universal" or "flink" with an endpoint).
package runners
