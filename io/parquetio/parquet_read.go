package parquetio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"

	"github.com/lakelink/lakelink/lake"
)

// pageValues holds the non-null values of one page in typed form. Exactly
// one of the slices is set, matching the column's physical kind.
type pageValues struct {
	i32   []int32
	i64   []int64
	f32   []float32
	f64   []float64
	bools []bool
	i96   []deprecated.Int96
	bytes []byte   // BYTE_ARRAY data, or FIXED_LEN_BYTE_ARRAY data
	offs  []uint32 // BYTE_ARRAY offsets, len n+1
	size  int      // FIXED_LEN_BYTE_ARRAY width
	dict  []int32  // when set, values are looked up through these indexes
}

// cursor reads one column of one row group, row by row, into an Arrow
// builder. Invariant: li indexes the next unread level entry of the current
// page and vi the next unread non-null value.
type cursor struct {
	col    ColumnInfo
	pages  parquet.Pages
	defs   []byte
	reps   []byte
	n      int // level entries in the page
	li     int
	vi     int
	vals   pageValues
	dict   pageValues // decoded dictionary page, when the column has one
	eof    bool
	buf    []parquet.Value
	page   parquet.Page       // current page; its buffers back vals
	dictOf parquet.Dictionary // the dictionary c.dict was decoded from
}

func newCursor(rg parquet.RowGroup, col ColumnInfo) *cursor {
	return &cursor{col: col, pages: rg.ColumnChunks()[col.leaf].Pages()}
}

func (c *cursor) close() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	c.pages.Close()
}

// next loads the next page; it returns io.EOF after the last.
func (c *cursor) next() error {
	p, err := c.pages.ReadPage()
	if err != nil {
		if errors.Is(err, io.EOF) {
			c.eof = true
		}
		return err
	}
	if c.page != nil {
		parquet.Release(c.page)
	}
	c.page = p
	c.n = int(p.NumValues())
	c.li, c.vi = 0, 0
	c.defs = p.DefinitionLevels()
	c.reps = p.RepetitionLevels()
	if d := p.Dictionary(); d != nil {
		data := p.Data()
		c.vals = pageValues{dict: data.Int32()}
		if c.dictOf != d {
			c.dictOf = d
			c.dict, err = c.decode(d.Page())
		}
		return err
	}
	c.vals, err = c.decode(p)
	return err
}

// decode exposes the page's non-null values without copying them: they
// stay valid until the page is released, when the next page is read.
func (c *cursor) decode(p parquet.Page) (pageValues, error) {
	var v pageValues
	data := p.Data()
	switch c.col.phys {
	case parquet.Int32:
		v.i32 = data.Int32()
	case parquet.Int64:
		v.i64 = data.Int64()
	case parquet.Float:
		v.f32 = data.Float()
	case parquet.Double:
		v.f64 = data.Double()
	case parquet.ByteArray:
		v.bytes, v.offs = data.ByteArray()
		if len(v.offs) == 0 {
			v.offs = []uint32{0}
		}
	default:
		// BOOLEAN, INT96 and FIXED_LEN_BYTE_ARRAY go through parquet.Value.
		if cap(c.buf) < int(p.NumValues()) {
			c.buf = make([]parquet.Value, p.NumValues())
		}
		buf := c.buf[:p.NumValues()]
		n, err := p.Values().ReadValues(buf)
		if err != nil && !errors.Is(err, io.EOF) {
			return v, err
		}
		for _, x := range buf[:n] {
			if x.IsNull() {
				continue
			}
			switch c.col.phys {
			case parquet.Boolean:
				v.bools = append(v.bools, x.Boolean())
			case parquet.Int96:
				v.i96 = append(v.i96, x.Int96())
			case parquet.FixedLenByteArray:
				b := x.ByteArray()
				v.size = len(b)
				v.bytes = append(v.bytes, b...)
			}
		}
		if c.col.phys == parquet.FixedLenByteArray && v.size == 0 {
			v.size = 1
		}
	}
	return v, nil
}

var errCorrupt = errors.New("corrupt column data")

// level returns the definition and repetition levels of entry li.
func (c *cursor) level() (def, rep int) {
	def, rep = c.col.maxDef, 0
	if c.li < len(c.defs) {
		def = int(c.defs[c.li])
	}
	if c.li < len(c.reps) {
		rep = int(c.reps[c.li])
	}
	return
}

// ensure makes an unread level entry available; false at the end of the
// chunk.
func (c *cursor) ensure() (bool, error) {
	for c.li >= c.n {
		if c.eof {
			return false, nil
		}
		if err := c.next(); err != nil {
			if errors.Is(err, io.EOF) {
				return false, nil
			}
			return false, err
		}
	}
	return true, nil
}

// readRow appends one row's value to b.
func (c *cursor) readRow(b array.Builder) error {
	ok, err := c.ensure()
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("column %q: fewer values than rows: %w", c.col.Name, errCorrupt)
	}
	if c.col.maxRep == 0 {
		def, _ := c.level()
		c.li++
		if def < c.col.maxDef {
			b.AppendNull()
			return nil
		}
		return c.appendValue(b)
	}
	lb := b.(*array.ListBuilder)
	def, rep := c.level()
	if rep != 0 {
		return fmt.Errorf("column %q: a row starts at repetition level %d: %w", c.col.Name, rep, errCorrupt)
	}
	if def < c.col.listDef {
		c.li++
		lb.AppendNull()
		return c.skipRest()
	}
	lb.Append(true)
	if def == c.col.listDef {
		c.li++
		return c.skipRest()
	}
	eb := lb.ValueBuilder()
	f32b, _ := eb.(*array.Float32Builder)
	for first := true; ; first = false {
		ok, err := c.ensure()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		def, rep := c.level()
		if !first && rep == 0 {
			return nil
		}
		// Fast path for embeddings: the rest of the row within this page,
		// all values present, copied in one go.
		if f32b != nil && c.vals.f32 != nil && c.vals.dict == nil {
			j := c.li + 1
			for j < c.n && j < len(c.reps) && c.reps[j] != 0 {
				j++
			}
			if run := j - c.li; c.allPresent(c.li, j) && c.vi+run <= len(c.vals.f32) {
				f32b.AppendValues(c.vals.f32[c.vi:c.vi+run], nil)
				c.vi += run
				c.li = j
				continue
			}
		}
		c.li++
		if def < c.col.maxDef {
			eb.AppendNull()
			continue
		}
		if err := c.appendValue(eb); err != nil {
			return err
		}
	}
}

// allPresent reports whether entries [i, j) all hold a value.
func (c *cursor) allPresent(i, j int) bool {
	if len(c.defs) < j {
		return len(c.defs) == 0
	}
	m := byte(c.col.maxDef)
	for _, d := range c.defs[i:j] {
		if d != m {
			return false
		}
	}
	return true
}

// skipRest consumes entries that continue the current row (none for a NULL
// or empty list in well-formed data).
func (c *cursor) skipRest() error {
	for {
		ok, err := c.ensure()
		if err != nil || !ok {
			return err
		}
		if _, rep := c.level(); rep == 0 {
			return nil
		}
		c.li++
	}
}

// appendValue appends the next non-null value, converted, to b.
func (c *cursor) appendValue(b array.Builder) error {
	v, i := &c.vals, c.vi
	c.vi++
	if v.dict != nil {
		if i >= len(v.dict) {
			return fmt.Errorf("column %q: %w", c.col.Name, errCorrupt)
		}
		i = int(v.dict[i])
		v = &c.dict
	}
	corrupt := func() error { return fmt.Errorf("column %q: value %d out of range: %w", c.col.Name, i, errCorrupt) }
	if i < 0 {
		return corrupt()
	}
	switch c.col.phys {
	case parquet.Int32:
		if i >= len(v.i32) {
			return corrupt()
		}
		x := v.i32[i]
		switch bb := b.(type) {
		case *array.Int32Builder:
			if c.col.conv == convUnsigned {
				bb.Append(int32(uint32(x)))
			} else {
				bb.Append(x)
			}
		case *array.Int16Builder:
			bb.Append(int16(x))
		case *array.Int64Builder:
			bb.Append(int64(uint32(x)))
		case *array.Date32Builder:
			bb.Append(arrow.Date32(x))
		case *array.Float64Builder:
			bb.Append(float64(x) / math.Pow10(c.col.scale))
		}
	case parquet.Int64:
		if i >= len(v.i64) {
			return corrupt()
		}
		x := v.i64[i]
		switch bb := b.(type) {
		case *array.Int64Builder:
			if c.col.conv == convUnsigned && x < 0 {
				return fmt.Errorf("column %q: unsigned value %d does not fit BIGINT (at most %d)", c.col.Name, uint64(x), int64(math.MaxInt64))
			}
			bb.Append(x)
		case *array.TimestampBuilder:
			switch c.col.conv {
			case convTsMillis:
				x *= 1000
			case convTsNanos:
				x /= 1000
			}
			bb.Append(arrow.Timestamp(x))
		case *array.Float64Builder:
			bb.Append(float64(x) / math.Pow10(c.col.scale))
		}
	case parquet.Float:
		if i >= len(v.f32) {
			return corrupt()
		}
		b.(*array.Float32Builder).Append(v.f32[i])
	case parquet.Double:
		if i >= len(v.f64) {
			return corrupt()
		}
		b.(*array.Float64Builder).Append(v.f64[i])
	case parquet.Boolean:
		if i >= len(v.bools) {
			return corrupt()
		}
		b.(*array.BooleanBuilder).Append(v.bools[i])
	case parquet.Int96:
		if i >= len(v.i96) {
			return corrupt()
		}
		x := v.i96[i]
		nanos := int64(x[1])<<32 | int64(x[0])
		days := int64(x[2]) - 2440588
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(days*86400_000_000 + nanos/1000))
	case parquet.ByteArray:
		if i+1 >= len(v.offs) || v.offs[i] > v.offs[i+1] || int(v.offs[i+1]) > len(v.bytes) {
			return corrupt()
		}
		val := v.bytes[v.offs[i]:v.offs[i+1]]
		return appendBytes(b, val, c.col)
	case parquet.FixedLenByteArray:
		if (i+1)*v.size > len(v.bytes) {
			return corrupt()
		}
		return appendBytes(b, v.bytes[i*v.size:(i+1)*v.size], c.col)
	}
	return nil
}

func appendBytes(b array.Builder, val []byte, col ColumnInfo) error {
	switch bb := b.(type) {
	case *array.StringBuilder:
		bb.BinaryBuilder.Append(val)
	case *array.FixedSizeBinaryBuilder:
		bb.Append(val)
	case *array.Float64Builder: // decimal: big-endian two's complement
		n := new(big.Int).SetBytes(val)
		if len(val) > 0 && val[0]&0x80 != 0 {
			n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(val))))
		}
		f, _ := new(big.Float).SetInt(n).Float64()
		bb.Append(f / math.Pow10(col.scale))
	case *array.FixedSizeListBuilder: // a vector as n little-endian float32s (or float16s)
		n := int(bb.Type().(*arrow.FixedSizeListType).Len())
		width := 4
		switch col.conv {
		case convHalfLE:
			width = 2
		case convI8:
			width = 1
		}
		if len(val) != width*n {
			return fmt.Errorf("column %q: vector of %d bytes, not %d: %w", col.Name, len(val), width*n, errCorrupt)
		}
		bb.Append(true)
		vb := bb.ValueBuilder().(*array.Float32Builder)
		for k := 0; k < n; k++ {
			switch width {
			case 1:
				vb.Append(float32(int8(val[k])) / 127)
			case 2:
				vb.Append(float16.FromBits(binary.LittleEndian.Uint16(val[2*k:])).Float32())
			default:
				vb.Append(math.Float32frombits(binary.LittleEndian.Uint32(val[4*k:])))
			}
		}
	case *array.Float32Builder: // float16
		if len(val) != 2 {
			return fmt.Errorf("column %q: float16 of %d bytes: %w", col.Name, len(val), errCorrupt)
		}
		bb.Append(float16.FromBits(binary.LittleEndian.Uint16(val)).Float32())
	}
	return nil
}

// recordSchema is the Arrow schema of the records read from cols:
// SourceSchema's, with the columns that hold bytes rather than text (a
// BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY without a string annotation) marked
// with lake.BinaryMetaKey, so that a cast to VECTOR(n) may read their
// bytes as float32s and a cast of text never does.
func recordSchema(cols []ColumnInfo) *arrow.Schema {
	var fields []arrow.Field
	for _, c := range cols {
		if c.Unsupported != "" {
			continue
		}
		f := lake.Column{Name: c.Name, Type: c.Type}.Field()
		if c.binary {
			f.Metadata = arrow.NewMetadata([]string{lake.TypeMetaKey, lake.BinaryMetaKey}, []string{c.Type.String(), "true"})
		}
		fields = append(fields, f)
	}
	return arrow.NewSchema(fields, nil)
}

// readRowGroup reads rows [0, rg.NumRows()) of the selected columns and
// calls emit with records of at most batchRows rows. The schema of the
// records is SourceSchema(cols), binary columns marked (recordSchema).
func readRowGroup(rg parquet.RowGroup, cols []ColumnInfo, batchRows int, emit func(first int64, rec arrow.RecordBatch) error) error {
	schema := recordSchema(cols)
	curs := make([]*cursor, len(cols))
	for i, c := range cols {
		curs[i] = newCursor(rg, c)
	}
	defer func() {
		for _, c := range curs {
			c.close()
		}
	}()
	bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer bld.Release()
	total := rg.NumRows()
	for first := int64(0); first < total; first += int64(batchRows) {
		n := min(int64(batchRows), total-first)
		for ci, cur := range curs {
			fb := bld.Field(ci)
			fb.Reserve(int(n))
			for r := int64(0); r < n; r++ {
				if err := cur.readRow(fb); err != nil {
					return fmt.Errorf("row %d: %w", first+r, err)
				}
			}
		}
		rec := bld.NewRecordBatch()
		if err := emit(first, rec); err != nil {
			return err
		}
	}
	return nil
}
