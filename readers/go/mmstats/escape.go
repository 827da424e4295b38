package mmstats

import (
	"strings"
	"unicode/utf8"
)

// EscapeText makes s safe to print on a terminal (file names in error lines):
// control characters (C0, DEL, C1) and each byte of ill-formed UTF-8 become
// \xNN, a backslash becomes \\ (so an escape cannot be forged), and all other
// text is kept as it is.
func EscapeText(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == utf8.RuneError && n == 1: // one byte of ill-formed UTF-8
			b.WriteString(`\x`)
			b.WriteByte(hex[s[i]>>4])
			b.WriteByte(hex[s[i]&0xF])
		case r < 0x20 || (r >= 0x7F && r <= 0x9F): // C0, DEL, C1
			b.WriteString(`\x`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xF])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
