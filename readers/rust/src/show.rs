//! Untrusted bytes in text for people: file names (and other bytes) printed on a terminal.
//!
//! A name can hold any byte but `/` and NUL: printed raw, `ESC [2J` clears the screen and other
//! sequences set the window title. JSON output instead writes a name as [`crate::value::replace_ill_formed`]
//! decodes it, so that it stays valid UTF-8.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;

/// `bytes` for a human-readable line: control characters (C0, DEL, C1) and bytes that are not
/// well-formed UTF-8 as `\xNN`, a backslash as `\\` (so the text reads back unambiguously), all else
/// as it is.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' => hex(&mut out, c as u32),
                c => out.push(c),
            }
        }
        for &b in chunk.invalid() {
            hex(&mut out, b.into());
        }
    }
    out
}

/// A file name for a human-readable line (see [`escape_bytes`]); its bytes, never a lossy decoding.
pub fn escape_path(path: &OsStr) -> String {
    escape_bytes(path.as_bytes())
}

fn hex(out: &mut String, v: u32) {
    write!(out, "\\x{v:02x}").expect("writing to a String");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_backslashes_and_bad_bytes_are_escaped() {
        assert_eq!(escape_bytes(b"plain/name-1.mmstats"), "plain/name-1.mmstats");
        assert_eq!(escape_bytes(b"\x1b[2J\x1b]0;title\x07"), "\\x1b[2J\\x1b]0;title\\x07");
        assert_eq!(escape_bytes(b"a\tb\nc\rd\0e\x7f"), "a\\x09b\\x0ac\\x0dd\\x00e\\x7f");
        // C1 controls (U+0080..U+009F, CSI is U+009B) by code point; the next character is kept.
        assert_eq!(escape_bytes("\u{80}\u{9b}2J\u{9f}\u{a0}é✓😀".as_bytes()), "\\x80\\x9b2J\\x9f\u{a0}é✓😀");
        assert_eq!(escape_bytes(b"back\\slash"), "back\\\\slash");
        // Bytes that are not UTF-8, each on its own, including a cut sequence at the end.
        assert_eq!(escape_bytes(b"caf\xe9 \xff\xfe x\xe2\x82"), "caf\\xe9 \\xff\\xfe x\\xe2\\x82");
        assert_eq!(escape_bytes(b"\xc2\x9b"), "\\x9b");
    }
}
