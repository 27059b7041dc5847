// Package vectorindex is the shared suite that every kind of vector index
// must pass, as testing/conformance is for sources: a kind supplies how to
// build it and, if it has one, its encoding, and calls Run from its own
// tests. The suite is its own package so that the index packages' tests
// need neither Beam nor the store.
//
//	func TestIndexConformance(t *testing.T) {
//		vectorindex.Run(t, vectorindex.Kind{Build: buildMyIndex, MinRecall: 0.95})
//	}
package vectorindex
