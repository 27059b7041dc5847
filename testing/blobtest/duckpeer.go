package blobtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
)

// DuckPeer finds the DuckDB peer (bench/duckdb, which scripts/test-peers
// builds into .cache/bin/duckpeer; or $LAKELINK_DUCKPEER): DuckDB as an
// independent reader of what lakelink writes. Without it the test skips,
// or under CI=true fails.
func DuckPeer(t testing.TB) string {
	t.Helper()
	return binary(t, "duckpeer", "LAKELINK_DUCKPEER")
}

// DuckResult is one query's answer from `duckpeer init`: every value as
// text.
type DuckResult struct {
	Query   string     `json:"query"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// DuckInit runs an init script as `duckdb -init FILE` would, then the
// queries, and returns their answers; err carries DuckDB's message.
func DuckInit(peer, script string, queries ...string) ([]DuckResult, error) {
	out, err := exec.Command(peer, append([]string{"init", script}, queries...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return nil, &duckError{msg: string(bytes.TrimSpace(ee.Stderr))}
		}
		return nil, err
	}
	var res []DuckResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var r DuckResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, err
		}
		res = append(res, r)
	}
	return res, sc.Err()
}

type duckError struct{ msg string }

func (e *duckError) Error() string { return e.msg }
