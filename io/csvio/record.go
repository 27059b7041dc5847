package csvio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// recordReader splits CSV text into records, counting lines. It takes
// one-byte delimiter, quote and escape characters; an escape equal to the
// quote means a quote is written doubled ("").
type recordReader struct {
	r                    *bufio.Reader
	delim, quote, escape byte
	maxBytes             int
	line                 int64 // the line the next byte is on, from 1
	fields               []string
	quoted               []bool
	buf                  []byte
	name                 string // the object, for errors
}

// errBadQuote marks a record whose quoting is wrong but whose end was
// found: text after a closing quote.
var errBadQuote = errors.New("text after the closing quote of a quoted field")

// next reads a record: its fields, which were quoted, and the line it
// starts on. At the end of the input it returns io.EOF. bad, when set,
// says what is wrong with a record that was read to its end (the caller
// rejects it); err is an error that ends the object.
func (rr *recordReader) next() (line int64, bad error, err error) {
	rr.fields, rr.quoted = rr.fields[:0], rr.quoted[:0]
	rr.buf = rr.buf[:0]
	line = rr.line
	size := 0
	inQuotes, wasQuoted, afterQuote := false, false, false
	started := false
	endField := func() {
		rr.fields = append(rr.fields, string(rr.buf))
		rr.quoted = append(rr.quoted, wasQuoted)
		rr.buf = rr.buf[:0]
		wasQuoted, afterQuote = false, false
	}
	for {
		c, rerr := rr.r.ReadByte()
		if rerr == io.EOF {
			if inQuotes {
				return line, nil, fmt.Errorf("object %s: line %d: a quoted field opened on this record never closes", rr.name, line)
			}
			if !started {
				return line, nil, io.EOF
			}
			endField()
			return line, bad, nil
		}
		if rerr != nil {
			return line, nil, fmt.Errorf("object %s: line %d: %w", rr.name, rr.line, rerr)
		}
		started = true
		if size++; size > rr.maxBytes {
			return line, nil, fmt.Errorf("object %s: line %d: a record longer than %d bytes (max_record_bytes); is the delimiter or the quoting wrong?", rr.name, line, rr.maxBytes)
		}
		if c == '\n' {
			rr.line++
		}
		switch {
		case inQuotes && c == rr.escape && rr.escape != rr.quote:
			n, nerr := rr.r.ReadByte()
			if nerr != nil {
				return line, nil, fmt.Errorf("object %s: line %d: a quoted field opened on this record never closes", rr.name, line)
			}
			size++
			if n == '\n' {
				rr.line++
			}
			if n != rr.quote && n != rr.escape {
				rr.buf = append(rr.buf, c)
			}
			rr.buf = append(rr.buf, n)
		case inQuotes && c == rr.quote:
			if next, _ := rr.r.Peek(1); rr.escape == rr.quote && len(next) == 1 && next[0] == rr.quote {
				rr.r.ReadByte()
				size++
				rr.buf = append(rr.buf, rr.quote)
				continue
			}
			inQuotes, afterQuote = false, true
		case inQuotes:
			rr.buf = append(rr.buf, c)
		case c == rr.delim:
			endField()
		case c == '\n':
			if n := len(rr.buf); n > 0 && rr.buf[n-1] == '\r' && !afterQuote {
				rr.buf = rr.buf[:n-1]
			}
			endField()
			return line, bad, nil
		case c == '\r' && afterQuote:
			// the \r of a \r\n after a closing quote
		case c == rr.quote && len(rr.buf) == 0 && !wasQuoted:
			inQuotes, wasQuoted = true, true
		case afterQuote:
			bad = errBadQuote
			rr.buf = append(rr.buf, c)
		default:
			rr.buf = append(rr.buf, c)
		}
	}
}
