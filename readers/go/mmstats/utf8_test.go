package mmstats

import (
	"bytes"
	"encoding/hex"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

const fffd = "\uFFFD"

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Examples from the Unicode Standard (chapter 3, "U+FFFD Substitution of Maximal Subparts")
// and the cases the spec names; each maximal subpart becomes exactly one U+FFFD.
func TestDecodeUTF8ReplacesEachMaximalSubpart(t *testing.T) {
	cases := []struct{ in, want string }{
		{"61 F1 80 80 E1 80 C2 62 80 63 80 BF 64", "a" + fffd + fffd + fffd + "b" + fffd + "c" + fffd + fffd + "d"},
		{"ED A0 80", fffd + fffd + fffd},             // a surrogate: ED takes only 80..9F
		{"C0 AF", fffd + fffd},                       // overlong: C0 never starts a sequence
		{"E0 80 AF", fffd + fffd + fffd},             // overlong: E0 takes only A0..BF
		{"F4 90 80 80", fffd + fffd + fffd + fffd},   // past U+10FFFF
		{"F0 80 80 80", fffd + fffd + fffd + fffd},   // overlong four-byte
		{"F5 80", fffd + fffd},                       // F5..FF never start a sequence
		{"61 62 63 64 65 66 E2 82", "abcdef" + fffd}, // cut in the middle of a euro sign: one U+FFFD
		{"F0 9F 98", fffd},                           // three of four bytes
		{"F0 9F 98 80", "\U0001F600"},
		{"E2 82 AC 41", "€A"},
		{"EF BF BD", fffd}, // U+FFFD itself is well-formed
		{"FF FE", fffd + fffd},
		{"", ""},
	}
	for _, c := range cases {
		if got := DecodeUTF8(unhex(t, c.in)); got != c.want {
			t.Errorf("%s: want %+q, got %+q", c.in, c.want, got)
		}
	}
}

// The shared oracle conformance/oracles/utf8-replace.txt, lines "HEXBYTES HEXUTF8":
// the UTF-8 of Python's bytes.decode("utf-8", "replace") of each byte string.
func TestDecodeUTF8MatchesPythonReplace(t *testing.T) {
	path := filepath.Join(repoRoot(t), "conformance", "oracles", "utf8-replace.txt")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		in, want, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("%s:%d: not HEXBYTES HEXUTF8: %q", path, i+1, line)
		}
		if got := DecodeUTF8(unhex(t, in)); got != string(unhex(t, want)) {
			t.Errorf("%s: want %+q, got %+q", in, unhex(t, want), got)
		}
		n++
	}
	if n < 1000 {
		t.Fatalf("only %d cases in %s", n, path)
	}
}

func TestGoToValidUTF8WouldBeWrong(t *testing.T) {
	// Guards the reason DecodeUTF8 exists: the standard library merges runs of bad bytes.
	in := unhex(t, "61 F1 80 80 E1 80 C2 62 80 63 80 BF 64")
	if strings.ToValidUTF8(string(in), fffd) == DecodeUTF8(in) {
		t.Fatal("strings.ToValidUTF8 now agrees; the hand-written decoder may be unnecessary")
	}
}

func TestFirstInvalidUTF8(t *testing.T) {
	cases := []struct {
		in   string
		want int
	}{
		{"", -1}, {"61 62", -1}, {"E2 82 AC", -1}, {"61 FF", 1}, {"61 62 E2 82", 2}, {"ED A0 80", 0},
		{"C3 A9 C0 AF", 2}, {"F4 8F BF BF 80", 4}, {"61 80", 1},
	}
	for _, c := range cases {
		if got := firstInvalidUTF8(unhex(t, c.in)); got != c.want {
			t.Errorf("%s: want %d, got %d", c.in, c.want, got)
		}
	}
}

func TestDecodeStringStopsAtTheFirstNUL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"short\x00 longer earlier value", "short"},
		{"12345", "12345"},
		{"\x00abc", ""},
		{"ab\xe2\x82\x00\xff", "ab" + fffd},
		{"", ""},
	}
	for _, c := range cases {
		if got := DecodeString([]byte(c.in)); got != c.want {
			t.Errorf("%+q: want %+q, got %+q", c.in, c.want, got)
		}
	}
}

// prefixOracle holds every proper prefix of the UTF-8 encoding of every scalar
// value, built from utf8.EncodeRune: an independent definition of "maximal subpart".
func prefixOracle() map[string]bool {
	prefixes := map[string]bool{}
	var buf [4]byte
	for r := rune(0x80); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		n := utf8.EncodeRune(buf[:], r)
		for k := 1; k < n; k++ {
			prefixes[string(buf[:k])] = true
		}
	}
	return prefixes
}

// oracleDecode replaces the longest run that is a proper prefix of some
// well-formed sequence (or one byte when none is) by one U+FFFD.
func oracleDecode(p []byte, prefixes map[string]bool) string {
	var b strings.Builder
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRune(p[i:])
		if r != utf8.RuneError || n > 1 {
			b.Write(p[i : i+n])
			i += n
			continue
		}
		k := 1
		for j := min(3, len(p)-i); j > 1; j-- {
			if prefixes[string(p[i:i+j])] {
				k = j
				break
			}
		}
		b.WriteString(fffd)
		i += k
	}
	return b.String()
}

func TestDecodeUTF8AgreesWithAnIndependentOracle(t *testing.T) {
	prefixes := prefixOracle()
	// Every string of up to four bytes over the bytes where the rules change.
	edges := unhex(t, "00 41 7F 80 8F 90 9F A0 BF C0 C1 C2 DF E0 E1 EC ED EE EF F0 F1 F3 F4 F5 FF")
	check := func(p []byte) {
		got, want := DecodeUTF8(p), oracleDecode(p, prefixes)
		if got != want {
			t.Fatalf("% X: want %+q, got %+q", p, want, got)
		}
		if valid := utf8.Valid(p); valid != (firstInvalidUTF8(p) < 0) {
			t.Fatalf("% X: utf8.Valid %v, firstInvalidUTF8 %d", p, valid, firstInvalidUTF8(p))
		}
		if !utf8.ValidString(got) {
			t.Fatalf("% X: output is not valid UTF-8", p)
		}
	}
	var p [4]byte
	for _, a := range edges {
		p[0] = a
		check(p[:1])
		for _, b := range edges {
			p[1] = b
			check(p[:2])
			for _, c := range edges {
				p[2] = c
				check(p[:3])
				for _, d := range edges {
					p[3] = d
					check(p[:4])
				}
			}
		}
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		q := make([]byte, rng.Intn(12))
		for j := range q {
			q[j] = byte(rng.Intn(256))
			if rng.Intn(3) == 0 {
				q[j] = 0x80 | byte(rng.Intn(64))
			}
		}
		check(q)
	}
	if !bytes.Equal([]byte(DecodeUTF8([]byte("plain"))), []byte("plain")) {
		t.Fatal("valid text changed")
	}
}
