package mmstats

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeTextEscapesWhatATerminalWouldObey(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain/name.mmstats", "plain/name.mmstats"},
		{"caf\u00e9 \u2713 \U0001F600 \uFFFD", "caf\u00e9 \u2713 \U0001F600 \uFFFD"}, // printable text stays
		{"\x1b[2J\x1b]0;title\x07", `\x1b[2J\x1b]0;title\x07`},
		{"a\nb\rc\td\x00e", `a\x0ab\x0dc\x09d\x00e`},
		{"del\x7f", `del\x7f`},
		{"c1 \u0085 \u009b", `c1 \x85 \x9b`},     // C1 characters, well-formed as UTF-8
		{`back\slash \x41`, `back\\slash \\x41`}, // a literal "\x41" cannot pass for an escape
		{"bad \xff \xe2\x82 \xc0\xaf \xed\xa0\x80 end", `bad \xff \xe2\x82 \xc0\xaf \xed\xa0\x80 end`},
		{"", ""},
	}
	for _, c := range cases {
		got := EscapeText(c.in)
		if got != c.want {
			t.Errorf("%+q: want %s, got %s", c.in, c.want, got)
		}
		if !utf8.ValidString(got) {
			t.Errorf("%+q: output is not valid UTF-8", c.in)
		}
		for _, r := range got {
			if r < 0x20 || (r >= 0x7F && r <= 0x9F) {
				t.Errorf("%+q: output keeps control character %U", c.in, r)
			}
		}
	}
}

func TestFormatErrorEscapesThePath(t *testing.T) {
	e := FormatError{Code: CodeNotReady, Offset: 0, Message: "m", Path: "d/\x1b[2J\xff.mmstats"}
	if got := e.Error(); !strings.HasPrefix(got, `d/\x1b[2J\xff.mmstats: offset 0: not_ready: m`) {
		t.Fatalf("got %q", got)
	}
}
