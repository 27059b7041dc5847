package lake_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/lake"
)

func TestBatchCoderRoundTrip(t *testing.T) {
	s := lake.Schema{Columns: []lake.Column{
		{Name: "id", Type: lake.BigInt}, {Name: "u", Type: lake.UUID}, {Name: "ts", Type: lake.Timestamp},
		{Name: "d", Type: lake.Date}, {Name: "v", Type: lake.Vector(2)}, {Name: "tags", Type: lake.ArrayOf(lake.Text)},
		{Name: "j", Type: lake.JSONB}, {Name: "b", Type: lake.Boolean}, {Name: "s", Type: lake.SmallInt},
	}}
	ts := time.Date(2024, 3, 1, 12, 30, 0, 123000, time.UTC)
	rows := [][]any{
		{int64(1), uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), ts, ts.Truncate(24 * time.Hour), []float32{1, 2}, []any{"a", nil}, `{"k":1}`, true, int64(-3)},
		{nil, nil, nil, nil, nil, nil, nil, nil, nil},
	}
	rec, err := lake.NewRecord(s, rows)
	if err != nil {
		t.Fatal(err)
	}
	in := lake.Batch{Origin: lake.Origin{Object: "s3://b/k.parquet", ObjectIndex: 3, RowGroup: 2, FirstRow: 1 << 40}, Record: rec.NewSlice(0, 2)}
	data, err := lake.EncodeBatch(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := lake.DecodeBatch(data)
	if err != nil {
		t.Fatal(err)
	}
	if out.Origin != in.Origin || out.Rows() != 2 {
		t.Fatalf("origin %+v rows %d", out.Origin, out.Rows())
	}
	for c := range s.Columns {
		for r := range rows {
			got, want := lake.ValueAt(out.Record.Column(c), r), lake.ValueAt(in.Record.Column(c), r)
			if lake.Render(got) != lake.Render(want) {
				t.Errorf("column %s row %d: %v, want %v", s.Columns[c].Name, r, got, want)
			}
		}
		if typ, err := lake.FieldType(out.Record.Schema().Field(c)); err != nil || !typ.Equal(s.Columns[c].Type) {
			t.Errorf("column %s decoded as %v (%v)", s.Columns[c].Name, typ, err)
		}
	}
	if _, err := lake.DecodeBatch(data[:len(data)/2]); err == nil {
		t.Error("a truncated batch decoded")
	}
}
