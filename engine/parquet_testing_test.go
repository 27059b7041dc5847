package engine_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakelink/lakelink/io/parquetio"
	"github.com/lakelink/lakelink/objstore"
)

// parquetTesting is the Apache parquet-testing checkout in ../shared/data.
var parquetTesting = filepath.Join("..", "..", "shared", "data", "parquet-testing")

// Files of data/ that must fail, with what the error says: corrupt on
// purpose, or beyond the Parquet reader lakelink uses (parquet-go; the
// docs/formats.md lists these gaps).
var mustFail = map[string]string{
	"datapage_v1-corrupt-checksum.parquet":           "checksum mismatch",
	"rle-dict-uncompressed-corrupt-checksum.parquet": "checksum mismatch",
	"nation.dict-malformed.parquet":                  "nation.dict-malformed.parquet, row group 0",
	// parquet-go cannot decode column-chunk key/value metadata in a footer.
	"column_chunk_key_value_metadata.parquet": "footer",
	// parquet-go fails to decompress an empty data page v2.
	"datapage_v2_empty_datapage.snappy.parquet": "decompressing data page v2",
}

// Every file in parquet-testing's data/ either imports with the row count
// its footer states, or fails with an "unsupported: <feature>" error; every
// file in bad_data/ fails with an error or, where the file is readable
// after all, imports its stated rows; nothing panics and a failed import
// commits nothing.
func TestParquetTestingConformance(t *testing.T) {
	if _, err := os.Stat(parquetTesting); err != nil {
		t.Skip("../shared/data/parquet-testing is absent; skipping the conformance walk")
	}
	for _, sub := range []string{"data", "bad_data"} {
		var files []string
		_ = filepath.WalkDir(filepath.Join(parquetTesting, sub), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".parquet") || strings.HasSuffix(p, ".parquet.encrypted")) {
				files = append(files, p)
			}
			return nil
		})
		if len(files) == 0 {
			t.Fatalf("no files in %s", sub)
		}
		for _, f := range files {
			name := filepath.Base(f)
			rel, _ := filepath.Rel(parquetTesting, f)
			t.Run(rel, func(t *testing.T) {
				rows, err := importFile(t, f)
				want, wantErr := footerRows(f)
				switch {
				case sub == "data" && mustFail[name] != "":
					if err == nil || !strings.Contains(err.Error(), mustFail[name]) {
						t.Errorf("error %v, want one saying %q", err, mustFail[name])
					}
				case err != nil:
					if sub == "data" && !strings.Contains(err.Error(), "unsupported") {
						t.Errorf("failed without naming an unsupported feature: %v", err)
					}
					if !strings.Contains(err.Error(), name) {
						t.Errorf("error does not name the object: %v", err)
					}
				case wantErr != nil:
					t.Errorf("imported %d rows of a file whose footer does not read: %v", rows, wantErr)
				case rows != want:
					t.Errorf("imported %d rows, footer says %d", rows, want)
				}
				t.Logf("rows %d (footer %d), err %v", rows, want, err)
			})
		}
	}
}

// importFile imports one file into a fresh store and returns the row
// count. After a failure it checks that nothing was committed.
func importFile(t *testing.T, path string) (int64, error) {
	s := session(t, "direct")
	_, err := s.Exec(context.Background(), "COPY FROM '"+path+"' INTO t")
	if err != nil {
		if s.Store.Head() != 0 {
			t.Errorf("a failed import committed")
		}
		return 0, err
	}
	return count(t, s, "t"), nil
}

func footerRows(path string) (int64, error) {
	objs, err := objstore.Match(context.Background(), path)
	if err != nil {
		return 0, err
	}
	f, err := parquetio.Open(context.Background(), objs[0])
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	for rg := 0; rg < f.NumRowGroups(); rg++ {
		n += f.RowGroupRows(rg)
	}
	return n, nil
}
