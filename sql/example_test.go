package sql_test

import (
	"errors"
	"fmt"

	"github.com/lakelink/lakelink/sql"
)

// Parse checks syntax only; the nodes keep types and options as written
// and print themselves back.
func ExampleParse() {
	stmts, err := sql.Parse(`copy from 'lake/*.csv' into docs map columns (v => embedding::vector(3))
		with (mode = 'upsert', delimiter = ';')`)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := stmts[0].(sql.Copy)
	fmt.Println(c)
	for _, o := range c.Options {
		fmt.Printf("%s = %v at offset %d\n", o.Name, o.Value, o.Pos)
	}
	// Output:
	// COPY FROM 'lake/*.csv' INTO docs MAP COLUMNS (v => embedding::vector(3)) WITH (mode = 'upsert', delimiter = ';')
	// mode = upsert at offset 81
	// delimiter = ; at offset 98
}

// A script that does not parse is a *SyntaxError with its line, column and
// a caret under the place.
func ExampleSyntaxError() {
	_, err := sql.Parse("SELECT id\nFROM docs\nWHERE id = = 3")
	var se *sql.SyntaxError
	if errors.As(err, &se) {
		fmt.Println(se.Line, se.Column, se.Near)
	}
	fmt.Println(err)
	// Output:
	// 3 12 =
	// syntax error at line 3, column 12 near =: expected a value
	//   WHERE id = = 3
	//              ^
}
