package store

import (
	"encoding/binary"
	"strings"
)

// Key layout. Every key starts with a one-byte space:
//
//	m<name>                 meta: head, alloc, next table id (versioned like all keys)
//	t<table name>           table definition (JSON TableInfo)
//	r<table id:4><pk>       a row; pk is the order-preserving key encoding, or
//	                        <commit ts:8><ordinal:8> for tables without a primary key
//	c<ts:8>                 commit record (JSON)
//	f<table id:4><path>     a cold file of the table (JSON ColdFile, cold.go)
//	j<job id>               job record (JSON)
//	e<job id>\x00<seq:8>    one row error of a job (JSON)
const (
	spaceMeta   = 'm'
	spaceTable  = 't'
	spaceRow    = 'r'
	spaceCommit = 'c'
	spaceJob    = 'j'
	spaceError  = 'e'
)

var (
	keyHead      = []byte("mhead")
	keyAlloc     = []byte("malloc")
	keyNextTable = []byte("mnexttable")
	keyClean     = []byte("mclean")
)

func tableKey(name string) []byte { return append([]byte{spaceTable}, strings.ToLower(name)...) }

func rowPrefix(tableID uint32) []byte {
	k := make([]byte, 5)
	k[0] = spaceRow
	binary.BigEndian.PutUint32(k[1:], tableID)
	return k
}

func commitKey(ts uint64) []byte {
	k := make([]byte, 9)
	k[0] = spaceCommit
	binary.BigEndian.PutUint64(k[1:], ts)
	return k
}

func jobKey(id string) []byte { return append([]byte{spaceJob}, id...) }

func errorPrefix(jobID string) []byte {
	return append(append([]byte{spaceError}, jobID...), 0)
}

func errorKey(jobID string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(errorPrefix(jobID), seq)
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
