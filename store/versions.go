package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/ristretto/v2/z"
	"google.golang.org/protobuf/proto"
)

// A version stream carries versions of the store's keys: backups write it
// in Badger's backup format (each KVList as a little-endian uint64 length
// and its protobuf), which db.Load reads back; so does the retention
// collector, loading it into the rewritten database.
//
// It is not Stream.Backup: that stops at a key's first deletion, so the
// versions behind a deleted row, a dropped table or a deleted tag were
// lost, and a restored store could not read the commits before the
// deletion. Here every version is carried, a deletion as a tombstone
// (bitDelete), unless keep says otherwise.

// bitDelete is Badger's meta bit of a deletion (value.go); db.Load writes
// an entry with it as a tombstone.
const bitDelete byte = 1 << 0

// keepFunc decides whether a stream carries version v of key. newer is
// the key's next version above v (math.MaxUint64 when v is the newest);
// a read at any timestamp in [v, newer) sees v. It is called from several
// goroutines at once.
type keepFunc func(key []byte, v, newer uint64) bool

// versionStream streams the versions of every key at or below at and at
// or above since that keep accepts (all of them when keep is nil) to send,
// as Badger's Stream hands them over: lists of KVs, each range of keys in
// order under a stream id of its own and closed by a StreamDone entry.
// In a full stream (since 0), a key's oldest
// carried versions are left out while they are deletions: with nothing
// older, the key reads as absent anyway.
func (s *Store) versionStream(ctx context.Context, at, since uint64, keep keepFunc, send func(*z.Buffer) error) error {
	if at == 0 {
		// A store without commits has no versions; Badger's stream reads
		// at 0 as "not managed" and panics.
		return nil
	}
	st := s.db.NewStreamAt(at)
	st.LogPrefix = "lakelink versions"
	if since > 0 {
		st.SinceTs = since - 1 // the iterator's bound is exclusive
	}
	st.KeyToList = func(key []byte, itr *badger.Iterator) (*pb.KVList, error) {
		list := &pb.KVList{}
		newer := uint64(math.MaxUint64)
		for ; itr.Valid(); itr.Next() {
			item := itr.Item()
			if !bytes.Equal(item.Key(), key) {
				break
			}
			v := item.Version()
			if v < since {
				break
			}
			carry := keep == nil || keep(key, v, newer)
			newer = v
			if !carry {
				continue
			}
			kv := &pb.KV{Key: item.KeyCopy(nil), Version: v, UserMeta: []byte{item.UserMeta()}, Meta: []byte{0}}
			if item.IsDeletedOrExpired() {
				kv.Meta[0] = bitDelete
			} else {
				val, err := item.ValueCopy(nil)
				if err != nil {
					return nil, fmt.Errorf("key %q at %d: %w", key, v, err)
				}
				kv.Value = val
			}
			list.Kv = append(list.Kv, kv)
		}
		if since == 0 {
			for n := len(list.Kv); n > 0 && list.Kv[n-1].Meta[0]&bitDelete != 0; n-- {
				list.Kv = list.Kv[:n-1]
			}
		}
		return list, nil
	}
	st.Send = send
	return st.Orchestrate(ctx)
}

// writeBackup returns a Send for versionStream that writes the lists to
// w in Badger's backup format, which db.Load reads.
func writeBackup(w io.Writer) func(*z.Buffer) error {
	return func(buf *z.Buffer) error {
		list, err := badger.BufferToKVList(buf)
		if err != nil {
			return err
		}
		out := list.Kv[:0]
		for _, kv := range list.Kv {
			if !kv.StreamDone {
				out = append(out, kv)
			}
		}
		if len(out) == 0 {
			return nil
		}
		list.Kv = out
		b, err := proto.Marshal(list)
		if err != nil {
			return err
		}
		if _, err := w.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(b)))); err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
}
