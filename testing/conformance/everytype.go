package conformance

import (
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/lakelink/lakelink/store"
)

// EveryTypeDDL is the column list of a table with a column of every type
// lakelink stores, as CREATE TABLE takes it after the table's name.
const EveryTypeDDL = `(id BIGINT PRIMARY KEY, name TEXT, small SMALLINT, num INT, ratio REAL, score DOUBLE,
	ok BOOLEAN, created_at TIMESTAMP, day DATE, uid UUID, meta JSONB, embedding VECTOR(8), tags TEXT[], counts BIGINT[])`

// EveryTypeRow is row i of such a table: every column NULL in some rows,
// and values at each type's edges (negative numbers, microsecond times,
// empty arrays, NULL array elements, non-ASCII text).
func EveryTypeRow(i int) store.Row {
	null := func(k int) bool { return i%7 == k }
	r := store.Row{int64(i), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil}
	if !null(1) {
		r[1] = fmt.Sprintf("name %d · ünïcode", i)
	}
	if !null(2) {
		r[2] = int64(i%300 - 150)
	}
	if !null(3) {
		r[3] = int64(i*1000 - 70000)
	}
	if !null(4) {
		r[4] = float32(i) / 3
	}
	if !null(5) {
		r[5] = math.Sqrt(float64(i)) - 10
	}
	if !null(6) {
		r[6] = i%2 == 0
	}
	if !null(0) {
		r[7] = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*7*time.Hour + time.Duration(i)*time.Microsecond)
		r[8] = time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%90)
	}
	if !null(1) {
		r[9] = uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprint(i)))
		r[10] = fmt.Sprintf(`{"i":%d,"tag":"t%d"}`, i, i%5)
	}
	if !null(2) {
		v := make([]float32, 8)
		for j := range v {
			v[j] = float32(math.Sin(float64(i*8+j))) + float32(j%3)
		}
		r[11] = v
	}
	if !null(3) {
		tags := []any{}
		for k := 0; k < i%4; k++ {
			tags = append(tags, fmt.Sprintf("t%d", (i+k)%5))
		}
		if i%5 == 0 {
			tags = append(tags, nil)
		}
		r[12] = tags
		r[13] = []any{int64(i), int64(-i)}
	}
	return r
}

// FillEveryType writes rows 0..n-1 of EveryTypeRow into the existing table
// name (created with EveryTypeDDL), in one commit.
func FillEveryType(st *store.Store, name string, n int) error {
	c, err := st.Begin("fill " + name)
	if err != nil {
		return err
	}
	ti, err := c.Table(name)
	if err != nil {
		c.Abort()
		return err
	}
	for i := 0; i < n; i++ {
		row := EveryTypeRow(i)
		pk, err := store.KeyOf(ti.Schema, row[0])
		if err == nil {
			var v []byte
			if v, err = store.EncodeRow(ti.Schema, row); err == nil {
				err = c.Put(ti, pk, v)
			}
		}
		if err != nil {
			c.Abort()
			return fmt.Errorf("row %d: %w", i, err)
		}
	}
	_, err = c.Finish()
	return err
}
