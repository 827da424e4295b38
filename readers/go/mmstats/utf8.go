package mmstats

import (
	"strings"
	"unicode/utf8"
)

// Well-formed UTF-8 (Unicode Table 3-7): a lead byte fixes how many
// continuation bytes follow and the range of the first one; later ones are 80..BF.
// seqInfo returns (continuation count, lowest and highest first continuation);
// count -1 means the byte cannot start a sequence.
func seqInfo(b byte) (n int, lo, hi byte) {
	switch {
	case b < 0x80:
		return 0, 0, 0
	case b >= 0xC2 && b <= 0xDF:
		return 1, 0x80, 0xBF
	case b == 0xE0:
		return 2, 0xA0, 0xBF // no overlongs
	case b == 0xED:
		return 2, 0x80, 0x9F // no surrogates
	case b >= 0xE1 && b <= 0xEF:
		return 2, 0x80, 0xBF
	case b == 0xF0:
		return 3, 0x90, 0xBF // no overlongs
	case b >= 0xF1 && b <= 0xF3:
		return 3, 0x80, 0xBF
	case b == 0xF4:
		return 3, 0x80, 0x8F // nothing past U+10FFFF
	}
	return -1, 0, 0
}

// nextSeq returns the length of the well-formed sequence at p[0], or, when it
// is ill-formed, the length of its maximal subpart (at least 1) and ok=false.
func nextSeq(p []byte) (n int, ok bool) {
	more, lo, hi := seqInfo(p[0])
	if more < 0 {
		return 1, false
	}
	for k := 1; k <= more; k++ {
		if k >= len(p) || p[k] < lo || p[k] > hi {
			return k, false
		}
		lo, hi = 0x80, 0xBF
	}
	return more + 1, true
}

// firstInvalidUTF8 is the index of the first ill-formed sequence, or -1.
func firstInvalidUTF8(p []byte) int {
	for i := 0; i < len(p); {
		if p[i] < 0x80 {
			i++
			continue
		}
		n, ok := nextSeq(p[i:])
		if !ok {
			return i
		}
		i += n
	}
	return -1
}

// DecodeUTF8 turns bytes into text, replacing each maximal subpart of an
// ill-formed sequence by one U+FFFD (the Unicode recommended practice, which
// Python's "replace" follows and strings.ToValidUTF8 does not).
func DecodeUTF8(p []byte) string {
	if utf8.Valid(p) {
		return string(p)
	}
	var b strings.Builder
	b.Grow(len(p) + 8)
	for i := 0; i < len(p); {
		if p[i] < 0x80 {
			b.WriteByte(p[i])
			i++
			continue
		}
		n, ok := nextSeq(p[i:])
		if ok {
			b.Write(p[i : i+n])
		} else {
			b.WriteRune(utf8.RuneError)
		}
		i += n
	}
	return b.String()
}

// DecodeString is a string value: the bytes before the first NUL, as text.
func DecodeString(p []byte) string {
	for i, c := range p {
		if c == 0 {
			p = p[:i]
			break
		}
	}
	return DecodeUTF8(p)
}
