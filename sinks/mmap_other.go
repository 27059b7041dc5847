//go:build !unix

package sinks

import "os"

func mapFile(path string) ([]byte, error) { return os.ReadFile(path) }

func unmap([]byte) error { return nil }

func evict([]byte) {}
