// Package transforms reshapes batches between reading and writing: MAP
// COLUMNS (select, rename), casts (::VECTOR(n), ::UUID, ::JSONB, numeric
// widening, text to TIMESTAMP or DATE), and the dead-letter output that
// receives every row a cast rejects, with its object, row group, row,
// column, value and reason.
//
// The mapping is planned once, before any data moves (PlanMapping): an
// unknown column or an impossible cast is an error then, not in the middle
// of a job. Applying it is Beam-free (Mapping.Apply); MapColumns wraps it as
// a Beam transform.
package transforms
