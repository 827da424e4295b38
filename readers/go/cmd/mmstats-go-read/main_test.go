package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var lineRE = regexp.MustCompile(`^(.+): offset (\d+): ([a-z0-9_]+): (.+)$`)

func file(t *testing.T, data []byte) string {
	p := filepath.Join(t.TempDir(), "f.mmstats")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func page(prefix ...byte) []byte { return append(prefix, make([]byte, 4096-len(prefix))...) }

func TestValidFilePrintsCanonicalJSON(t *testing.T) {
	// one unbuffered u16 "n" = 513
	p := file(t, page(1, 1, 0, 'n', 1, 0, 'H', 0xff, 0x01, 0x02))
	var out, errOut bytes.Buffer
	if code := run([]string{p}, &out, &errOut); code != 0 || errOut.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%q: %v", out.String(), err)
	}
	fields := got["fields"].([]any)
	f0 := fields[0].(map[string]any)
	if got["path"] != p || got["format_version"] != 1.0 || len(fields) != 1 ||
		f0["label"] != "n" || f0["type"] != "H" || f0["buffered"] != false || f0["value"] != 513.0 {
		t.Fatalf("got %s", out.String())
	}
}

func TestInvalidFileExitsOneWithTheFirstProblem(t *testing.T) {
	// bad label at 3 and size 12 not a page multiple: only the lowest offset is reported
	p := file(t, []byte{1, 1, 0, 0xff, 1, 0, 'B', 0xff, 7, 0, 0, 0})
	var out, errOut bytes.Buffer
	if code := run([]string{p}, &out, &errOut); code != 1 || out.Len() != 0 {
		t.Fatalf("exit %d, stdout %q", code, out.String())
	}
	lines := strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
	m := lineRE.FindStringSubmatch(lines[0])
	if len(lines) != 1 || m == nil || m[1] != p || m[2] != "3" || m[3] != "bad_label_utf8" {
		t.Fatalf("stderr %q", errOut.String())
	}
}

func TestUsageAndIOErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{}, {"a", "b"}, {"-no-such-flag", "a"}, {filepath.Join(t.TempDir(), "missing")}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 || errOut.Len() == 0 || out.Len() != 0 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut.String())
		}
	}
}

func TestMaxSizeGivesFileTooLarge(t *testing.T) {
	p := file(t, page(1))
	var out, errOut bytes.Buffer
	code := run([]string{"-max-size", "100", p}, &out, &errOut)
	m := lineRE.FindStringSubmatch(strings.TrimSpace(errOut.String()))
	if code != 1 || m == nil || m[2] != "100" || m[3] != "file_too_large" {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

func TestNegativeMaxSizeIsAUsageError(t *testing.T) {
	p := file(t, page(1))
	var out, errOut bytes.Buffer
	if code := run([]string{"-max-size", "-1", p}, &out, &errOut); code != 2 || out.Len() != 0 ||
		!strings.Contains(errOut.String(), "-max-size must be 0 or more") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

// A file name with ill-formed UTF-8 and terminal controls: the JSON is valid
// UTF-8 (each maximal subpart a U+FFFD, as for strings), error lines escape it.
func TestNonUTF8FileNames(t *testing.T) {
	dir := t.TempDir()
	name := "bad\xff\xe2\x82name\x1b[2J.mmstats"
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, page(1), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{p}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if !utf8.Valid(out.Bytes()) {
		t.Fatalf("stdout is not UTF-8: %q", out.String())
	}
	var got struct{ Path string }
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if want := dir + "/bad\uFFFD\uFFFDname\x1b[2J.mmstats"; got.Path != want {
		t.Fatalf("path %+q, want %+q", got.Path, want)
	}

	if err := os.WriteFile(p, []byte{1, 1}, 0o644); err != nil { // invalid: exit 1 with a line naming it
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	escaped := dir + `/bad\xff\xe2\x82name\x1b[2J.mmstats`
	if code := run([]string{p}, &out, &errOut); code != 1 || !strings.HasPrefix(errOut.String(), escaped+": offset ") {
		t.Fatalf("exit %d, stderr %q, want it to start with %q", code, errOut.String(), escaped)
	}
	missing := p + ".gone"
	errOut.Reset()
	if code := run([]string{missing}, &out, &errOut); code != 2 ||
		!strings.HasPrefix(errOut.String(), "mmstats-go-read: "+escaped+".gone: cannot open: ") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}
