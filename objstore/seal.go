package objstore

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"

	"github.com/minio/sio"
)

// A job that moves rows of an encrypted store through staging (an import's
// segments, error rows and index parts; an export's staged snapshot)
// seals every staged object with a key of its own: DARE 2.0 (minio/sio,
// AES-256-GCM packages, each authenticated, the last one marked), so that
// rows never rest in plaintext on disk or in a bucket, also while the job
// runs or after it crashed. The key is made for the job (NewStagingKey),
// never the store's; it travels to the workers with the job's options and
// is gone when the job ends. A nil key seals nothing.

// NewStagingKey returns a fresh 32-byte key for one job's staged objects.
func NewStagingKey() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return k
}

func sealConfig(key []byte) sio.Config {
	return sio.Config{Key: key, MinVersion: sio.Version20, MaxVersion: sio.Version20, CipherSuites: []byte{sio.AES_256_GCM}}
}

// SealWriter returns a writer that seals what is written to w with key;
// Close finishes the sealed stream (and does not close w). With a nil key
// it writes to w as is.
func SealWriter(w io.Writer, key []byte) (io.WriteCloser, error) {
	if key == nil {
		return nopCloser{w}, nil
	}
	return sio.EncryptWriter(nopCloser{w}, sealConfig(key))
}

// OpenReader returns a reader of what SealWriter sealed with key into r;
// with a nil key, r. A read of an object sealed with another key, changed
// or cut short fails.
func OpenReader(r io.Reader, key []byte) (io.Reader, error) {
	if key == nil {
		return r, nil
	}
	return sio.DecryptReader(r, sealConfig(key))
}

// SealBytes seals a whole object; with a nil key it returns data.
func SealBytes(key, data []byte) ([]byte, error) {
	if key == nil {
		return data, nil
	}
	var out bytes.Buffer
	if _, err := sio.Encrypt(&out, bytes.NewReader(data), sealConfig(key)); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// OpenBytes opens a whole object that SealBytes sealed; with a nil key it
// returns data. name is for the error.
func OpenBytes(key, data []byte, name string) ([]byte, error) {
	if key == nil {
		return data, nil
	}
	out, err := sio.DecryptBuffer(nil, data, sealConfig(key))
	if err != nil {
		return nil, fmt.Errorf("staged %s: not sealed with this job's key, or changed: %w", name, err)
	}
	return out, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// OpenReaderAt gives random access to what SealWriter sealed with key
// into ra (size bytes, sealed): a reader of the plain bytes and their
// size. Each read checks the packages it touches.
func OpenReaderAt(ra io.ReaderAt, size int64, key []byte) (io.ReaderAt, int64, error) {
	plain, err := sio.DecryptedSize(uint64(size))
	if err != nil {
		return nil, 0, err
	}
	r, err := sio.DecryptReaderAt(ra, sealConfig(key))
	return r, int64(plain), err
}
