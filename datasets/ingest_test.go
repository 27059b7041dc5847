package datasets_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lakelink/lakelink/datasets"
	"github.com/lakelink/lakelink/objstore"
)

// serve serves files on 127.0.0.1; "/short/NAME" announces more bytes
// than it sends (a download cut off).
func serve(t *testing.T, files map[string][]byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if rest, ok := strings.CutPrefix(name, "short/"); ok {
			data := files[rest]
			w.Header().Set("Content-Length", strconv.Itoa(len(data)+100))
			w.Write(data)
			return
		}
		data, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// objectsUnder lists the files below dir, relative to it.
func objectsUnder(t *testing.T, dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestIngestFromURLAndFolder(t *testing.T) {
	ctx := context.Background()
	big := make([]byte, 3<<20+17) // bigger than one copy buffer
	for i := range big {
		big[i] = byte(i * 7)
	}
	url := serve(t, map[string][]byte{"pages.parquet": big, "links.csv": []byte("a,b\n1,2\n")})
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "x.csv"), []byte("id\n1\n"), 0o644)
	os.WriteFile(filepath.Join(src, "sub", "y.csv"), []byte("id\n2\n"), 0o644)
	lake := t.TempDir()

	withUser := strings.Replace(url, "http://", "http://user:secret@", 1)
	v, err := datasets.IngestDataset(ctx, datasets.Ingest{Lake: lake, Name: "wiki", From: []string{withUser + "/pages.parquet", url + "/links.csv?token=secret", src}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(v.Source, "secret") {
		t.Errorf("the manifest's source carries a secret: %q", v.Source)
	}
	if _, err := datasets.IngestDataset(ctx, datasets.Ingest{Lake: lake, Name: "wiki", From: []string{withUser + "/nothing?token=secret"}}); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("an error carries the secret: %v", err)
	}
	want := map[string][]byte{"pages.parquet": big, "links.csv": []byte("a,b\n1,2\n"), "x.csv": []byte("id\n1\n"), "sub/y.csv": []byte("id\n2\n")}
	// The manifest, read as a file, lists each file with its size and
	// the SHA-256 of the bytes in the version folder.
	data, err := os.ReadFile(filepath.Join(lake, "raw", "wiki", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m datasets.Manifest
	if err := json.Unmarshal(data, &m); err != nil || len(m.Versions) != 1 || len(m.Versions[0].Files) != len(want) {
		t.Fatalf("manifest %s (%v)", data, err)
	}
	if !versionForm.MatchString(m.Versions[0].Version) {
		t.Errorf("version %q is not YYYY_MM_DD/HH_mm_SS_sss", m.Versions[0].Version)
	}
	for _, f := range m.Versions[0].Files {
		name := strings.TrimPrefix(f.Path, m.Versions[0].Version+"/")
		body, err := os.ReadFile(filepath.Join(lake, "raw", "wiki", filepath.FromSlash(f.Path)))
		if err != nil || string(body) != string(want[name]) || f.Bytes != int64(len(want[name])) || f.SHA256 != sum(want[name]) {
			t.Errorf("%s: %d bytes, sha %s (%v)", f.Path, f.Bytes, f.SHA256, err)
		}
	}
	// @latest reads the version.
	objs, err := objstore.Match(ctx, filepath.Join(lake, "raw", "wiki")+"@latest/*.csv")
	if err != nil || len(objs) != 2 {
		t.Errorf("@latest/*.csv: %v %v", objs, err)
	}

	// Same millisecond: the second ingest fails and changes nothing.
	at := time.Date(2026, 12, 7, 10, 0, 0, 5e6, time.UTC)
	pin := func() time.Time { return at }
	if _, err := datasets.IngestDataset(ctx, datasets.Ingest{Lake: lake, Name: "wiki", From: []string{src}, Now: pin}); err != nil {
		t.Fatal(err)
	}
	before := objectsUnder(t, lake)
	_, err = datasets.IngestDataset(ctx, datasets.Ingest{Lake: lake, Name: "wiki", From: []string{url + "/links.csv"}, Now: pin})
	if err == nil || !strings.Contains(err.Error(), "same millisecond") {
		t.Errorf("same millisecond: %v", err)
	}
	if after := objectsUnder(t, lake); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("the refused ingest changed the lake: %v -> %v", before, after)
	}

	// A cut download, a missing URL, an empty glob: an error naming the
	// source, and no version folder or manifest entry left.
	for _, from := range []string{url + "/short/pages.parquet", url + "/nothing.csv", filepath.Join(src, "*.json")} {
		_, err := datasets.IngestDataset(ctx, datasets.Ingest{Lake: lake, Name: "wiki", From: []string{src, from}})
		if err == nil {
			t.Errorf("%s: no error", from)
			continue
		}
		if after := objectsUnder(t, lake); strings.Join(after, ",") != strings.Join(before, ",") {
			t.Errorf("%s (%v) left %v", from, err, after)
		}
	}
	vs, _ := datasets.Versions(ctx, filepath.Join(lake, "raw", "wiki"), objstore.Options{})
	if len(vs) != 2 {
		t.Errorf("%d versions listed, want 2", len(vs))
	}
}

var versionForm = regexp.MustCompile(`^\d{4}_\d{2}_\d{2}/\d{2}_\d{2}_\d{2}_\d{3}$`)

func TestIngestManualAndPrune(t *testing.T) {
	ctx := context.Background()
	lake := t.TempDir()
	tick := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { tick = tick.Add(time.Millisecond); return tick }
	in := datasets.Ingest{Lake: lake, Name: "ds", Now: clock}
	v1, folder, err := datasets.BeginManual(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"../../escape", "2026_01_02/03_04_05_999"} {
		if _, err := datasets.RegisterManual(ctx, in, bad); err == nil {
			t.Errorf("registering version %q: no error", bad)
		}
	}
	if _, err := datasets.RegisterManual(ctx, in, v1); err == nil || !strings.Contains(err.Error(), "no files") {
		t.Errorf("registering an empty version: %v", err)
	}
	os.WriteFile(filepath.Join(folder, "a.csv"), []byte("id\n1\n"), 0o644)
	v, err := datasets.RegisterManual(ctx, in, v1)
	if err != nil || len(v.Files) != 1 || v.Files[0].SHA256 != sum([]byte("id\n1\n")) {
		t.Fatalf("register: %+v %v", v, err)
	}
	if _, err := datasets.RegisterManual(ctx, in, v1); err == nil {
		t.Error("registered twice")
	}
	// Three more listed versions and two empty pending ones.
	for i := 0; i < 3; i++ {
		src := filepath.Join(t.TempDir(), "f.csv")
		os.WriteFile(src, []byte("id\n"+strconv.Itoa(i)+"\n"), 0o644)
		in.From = []string{src}
		if _, err := datasets.IngestDataset(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	e1, _, _ := datasets.BeginManual(ctx, in)
	e2, _, _ := datasets.BeginManual(ctx, in)
	list, err := datasets.IngestList(ctx, lake, "", objstore.Options{})
	if err != nil || len(list) != 1 || len(list[0].Versions) != 4 || strings.Join(list[0].Pending, ",") != e1+","+e2 {
		t.Fatalf("list: %+v %v", list, err)
	}
	empty, gone, err := datasets.IngestPrune(ctx, lake, "ds", 2, objstore.Options{})
	if err != nil || len(empty) != 2 || len(gone) != 2 || gone[0].Version != v1 {
		t.Fatalf("prune: %v %v %v", empty, gone, err)
	}
	list, _ = datasets.IngestList(ctx, lake, "ds", objstore.Options{})
	if len(list[0].Versions) != 2 || len(list[0].Pending) != 0 {
		t.Errorf("after prune: %+v", list)
	}
	// What is left on disk is exactly the kept versions and the manifest.
	files := objectsUnder(t, filepath.Join(lake, "raw", "ds"))
	if len(files) != 3 {
		t.Errorf("files after prune: %v", files)
	}
	for _, bad := range []string{"a/b", "..", "x@latest", ""} {
		if _, err := datasets.IngestDataset(ctx, datasets.Ingest{Lake: lake, Name: bad, From: []string{lake}}); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
}
