package objstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"syscall"
)

// Dataset versions as sources. A dated export or an ingest keeps its
// versions in folders URL/YYYY_MM_DD/HH_mm_SS_sss/ listed, oldest first,
// in URL/manifest.json ({"versions": [{"version": "YYYY_MM_DD/HH_mm_SS_sss",
// ...}]}, package datasets). A pattern URL@latest reads the newest
// version, URL@YYYY_MM_DD the newest of that day (UTC), and
// URL@YYYY_MM_DD/HH_mm_SS_sss that version. The manifest itself is never
// read as data: listings skip manifest.json. A path may follow the
// version: URL@latest/nodes/ is the nodes folder of a whole-dataset
// export's newest version, URL@latest/*.csv its CSV files.

var versionSuffix = regexp.MustCompile(`@(latest|\d{4}_\d{2}_\d{2}(/\d{2}_\d{2}_\d{2}_\d{3})?)(/[^@]*)?$`)

// manifestName is the file that lists a dataset's versions.
const manifestName = "manifest.json"

// splitVersion cuts a @version suffix off a pattern (before a URL's
// query); ok is false when there is none.
func splitVersion(pattern string) (base, version, sub, query string, ok bool) {
	rest := pattern
	if strings.Contains(pattern, "://") {
		if q := queryStart(pattern); q >= 0 {
			rest, query = pattern[:q], pattern[q:]
		}
	}
	m := versionSuffix.FindStringSubmatchIndex(rest)
	if m == nil {
		return pattern, "", "", "", false
	}
	if m[6] >= 0 {
		sub = strings.TrimPrefix(rest[m[6]:m[7]], "/")
	}
	return strings.TrimSuffix(rest[:m[0]], "/"), rest[m[2]:m[3]], sub, query, true
}

// resolveVersion turns URL@version into the version's folder, URL/V/,
// through URL/manifest.json.
func resolveVersion(ctx context.Context, opt Options, pattern string) (string, error) {
	base, want, sub, query, ok := splitVersion(pattern)
	if !ok {
		return pattern, nil
	}
	bucket, key, _, err := location(base + "/" + query)
	if err != nil {
		return "", err
	}
	if bucket, err = opt.apply(bucket); err != nil {
		return "", err
	}
	b, done, err := OpenBucket(ctx, bucket)
	if err != nil {
		return "", err
	}
	defer done()
	data, err := b.ReadAll(ctx, key+manifestName)
	if IsNotFound(err) || errors.Is(err, syscall.ENOTDIR) { // a file, not a folder
		return "", fmt.Errorf("%s: no %s in %s (a dated export or an ingest writes one)", redact(pattern), manifestName, redact(base+"/"))
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", redact(pattern), ObjectError(base+"/"+manifestName, err))
	}
	var m struct {
		Versions []struct {
			Version string `json:"version"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("%s: %s is not a dataset manifest: %v", redact(pattern), manifestName, err)
	}
	found := ""
	for _, v := range m.Versions { // oldest first: the last match is the newest
		if want == "latest" || v.Version == want || strings.HasPrefix(v.Version, want+"/") {
			found = v.Version
		}
	}
	if found == "" {
		return "", fmt.Errorf("%s: no version %s among the %d in %s", redact(pattern), want, len(m.Versions), manifestName)
	}
	return base + "/" + found + "/" + sub + query, nil
}
