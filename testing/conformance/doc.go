// Package conformance is the shared suite that every kind of lakelink source
// must pass, in the manner of gocloud's drivertest: a source kind supplies a
// small Harness (a fresh location it can write objects to, and the URL that
// names them) and calls RunSourceTests from its own tests. The suite imports
// the same Parquet bytes from the location and from local disk through the
// real pipeline and requires equal rows and equal table digests, a
// deterministic order over several objects, globs, and errors that name
// the object.
//
//	func TestConformance(t *testing.T) {
//		conformance.RunSourceTests(t, func(t *testing.T) conformance.Harness {
//			return myHarness(t)
//		})
//	}
//
// Export destinations pass RunSinkTests over the same Harness: a round
// trip of every column type with and without AILK sections, dated
// versions and pruning, failed exports that leave no object, and search
// over the exported files in place.
//
// Vector indexes have their own suite in the sub-package vectorindex,
// which vectorops' Flat, HNSW (Add and AddBatch) and IVF-PQ pass.
package conformance
