// Package sql is lakelink's statement language: a lexer, a parser, and an
// AST whose nodes print themselves back as SQL.
//
// The package knows no storage. It checks syntax only: table and column
// names, types (kept as written, e.g. "VECTOR(384)"), WITH options (kept
// as raw Option values) and conditions (an Expr over column names) are
// bound later by the engine against the catalog and the option
// registries. Every node that binding may reject records where it was
// written (its Pos, a rune offset), and ErrorAt turns such an offset into
// a *StatementError showing the line with a caret; a script that does not
// parse is a *SyntaxError, placed the same way.
//
// Invariants:
//   - Parse(n.String()) yields n again for every node n that Parse made,
//     up to positions and the recorded statement text (roundtrip_test.go).
//   - The package imports nothing of Beam, Badger, gocloud or the store;
//     the repository's layers test (internal/layers) fails if it does.
//
// The grammar, by statement:
//
//	CREATE TABLE [IF NOT EXISTS] t (col TYPE [NOT NULL] [PRIMARY KEY] [DEFAULT v], ..., [PRIMARY KEY (a, b)])
//	ALTER TABLE t ADD [COLUMN] col TYPE ... | DROP [COLUMN] [IF EXISTS] col | RENAME [COLUMN] a TO b
//	DROP TABLE [IF EXISTS] t
//	CREATE GRAPH [IF NOT EXISTS] g (NODE n (...), EDGE e (src T REFERENCES n(id), dst T REFERENCES n(id), ...), ...)
//	DROP GRAPH [IF EXISTS] g
//	CREATE INDEX [name] ON t [USING kind] (col) [WITH (...)]
//	DROP INDEX [IF EXISTS] name
//	COPY FROM 'url'[, ...] INTO [GRAPH] t [(cols)] [MAP COLUMNS (src => dst[::TYPE], ...)] [WITH (...)]
//	COPY t [(cols)] FROM 'url'[, ...] ...
//	COPY (SELECT ...) TO 'url' [WITH (...)]  |  COPY t [(cols)] TO 'url' [WITH (...)]
//	SELECT count(*) | * | item [AS name], ... FROM t | f(args) [AT (TAG => 'x' | COMMIT => n | TIMESTAMP => '...')]
//	       [WHERE condition] [ORDER BY term [ASC | DESC]] [LIMIT n]
//	DELETE FROM t [WHERE condition]
//	SET name = value
//
// Comments run from -- to the end of the line; names may be "quoted".
package sql
