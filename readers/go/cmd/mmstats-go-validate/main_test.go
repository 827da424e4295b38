package main

import (
	"bytes"
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

func TestValidFileExitsZeroSilently(t *testing.T) {
	p := file(t, append([]byte{1}, make([]byte, 4095)...)) // no fields at all
	var errOut bytes.Buffer
	if code := run([]string{p}, &errOut); code != 0 || errOut.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

func TestEveryProblemOnOneLineSortedByOffset(t *testing.T) {
	// bad label at 3, unknown type "Z" at 17, file size 20
	data := []byte{1, 3, 0, 0xc0, 0xaf, 'x', 1, 0, 'B', 0xff, 1, 2, 0, 'o', 'k', 1, 0, 'Z', 0xff, 0}
	p := file(t, data)
	var errOut bytes.Buffer
	if code := run([]string{p}, &errOut); code != 1 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
	want := [][2]string{{"3", "bad_label_utf8"}, {"17", "unknown_type"}, {"20", "bad_file_size"}}
	if len(lines) != len(want) {
		t.Fatalf("stderr %q", errOut.String())
	}
	for i, line := range lines {
		m := lineRE.FindStringSubmatch(line)
		if m == nil || m[1] != p || m[2] != want[i][0] || m[3] != want[i][1] {
			t.Fatalf("line %d: %q, want offset %s code %s", i, line, want[i][0], want[i][1])
		}
	}
}

func TestUsageAndIOErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{}, {"a", "b"}, {"-x"}, {filepath.Join(t.TempDir(), "missing")}, {t.TempDir()}} {
		var errOut bytes.Buffer
		if code := run(args, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut.String())
		}
	}
}

func TestNegativeMaxSizeIsAUsageError(t *testing.T) {
	p := file(t, append([]byte{1}, make([]byte, 4095)...))
	var errOut bytes.Buffer
	if code := run([]string{"--max-size=-5", p}, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), "-max-size must be 0 or more, not -5") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

// Every problem line names the file escaped: no terminal control gets through.
func TestProblemLinesEscapeTheFileName(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x\x1b]0;owned\x07\xff\u0085.mmstats")
	if err := os.WriteFile(p, []byte{1, 3, 0, 0xc0, 0xaf, 'x'}, 0o644); err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	if code := run([]string{p}, &errOut); code != 1 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
	escaped := dir + `/x\x1b]0;owned\x07\xff\x85.mmstats: offset `
	if len(lines) < 2 {
		t.Fatalf("stderr %q", errOut.String())
	}
	for _, line := range lines {
		if !strings.HasPrefix(line, escaped) || !utf8.ValidString(line) {
			t.Fatalf("line %q, want it to start with %q", line, escaped)
		}
	}
}

// A label holding ESC [2J, named in a problem line, comes out escaped.
func TestProblemLinesEscapeLabels(t *testing.T) {
	// label "\x1b[2J" (4 bytes), unknown type "Z" at offset 9, then the file ends
	p := file(t, []byte{1, 4, 0, 0x1b, '[', '2', 'J', 1, 0, 'Z', 0xff})
	var errOut bytes.Buffer
	if code := run([]string{p}, &errOut); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if strings.ContainsRune(errOut.String(), 0x1b) || !strings.Contains(errOut.String(), `\x1b[2J`) {
		t.Fatalf("stderr %q", errOut.String())
	}
}
