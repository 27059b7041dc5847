//go:build !linux

package store

func (s *Store) trimResident() {}
