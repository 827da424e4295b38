package cliargs

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseTakesOneFileAndALimit(t *testing.T) {
	for _, c := range []struct {
		args []string
		max  int64
	}{
		{[]string{"f"}, 268435456},
		{[]string{"-max-size", "100", "f"}, 100},
		{[]string{"--max-size=0", "f"}, 0},
	} {
		var errOut bytes.Buffer
		path, max, ok := Parse("cmd", c.args, &errOut)
		if !ok || path != "f" || max != c.max || errOut.Len() != 0 {
			t.Errorf("%q: got %q %d %v, stderr %q", c.args, path, max, ok, errOut.String())
		}
	}
}

func TestParseRefusesBadArgumentsWithTheUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"-max-size", "-1", "f"}, "-max-size must be 0 or more, not -1"},
		{[]string{"--max-size=-268435456", "f"}, "not -268435456"},
		{[]string{"-max-size", "ten", "f"}, "invalid value"},
		{[]string{}, "want one FILE, got 0"},
		{[]string{"a", "b"}, "want one FILE, got 2"},
		{[]string{"-\x1b[2J", "f"}, `-\x1b[2J`},
	} {
		var errOut bytes.Buffer
		_, _, ok := Parse("cmd", c.args, &errOut)
		out := errOut.String()
		if ok || !strings.Contains(out, c.says) || !strings.Contains(out, "usage: cmd [-max-size BYTES] FILE") {
			t.Errorf("%q: ok %v, stderr %q", c.args, ok, out)
		}
		if strings.ContainsRune(out, 0x1b) {
			t.Errorf("%q: raw ESC on stderr: %q", c.args, out)
		}
	}
}
