//! Decoding the bytes of one value into what a reader returns.

use crate::scan::FieldLayout;
use crate::types::Kind;

/// A decoded value. Integers keep their exact value; float32 is widened exactly to binary64.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
    Text(String),
}

/// The value of `kind` stored little-endian in `bytes` (exactly one value's bytes).
pub fn decode(kind: Kind, bytes: &[u8]) -> Value {
    fn le<const N: usize>(bytes: &[u8]) -> [u8; N] {
        bytes[..N].try_into().expect("one value's bytes")
    }
    match kind {
        Kind::I8 => Value::Int(i8::from_le_bytes(le(bytes)).into()),
        Kind::U8 => Value::UInt(u8::from_le_bytes(le(bytes)).into()),
        Kind::I16 => Value::Int(i16::from_le_bytes(le(bytes)).into()),
        Kind::U16 => Value::UInt(u16::from_le_bytes(le(bytes)).into()),
        Kind::I32 => Value::Int(i32::from_le_bytes(le(bytes)).into()),
        Kind::U32 => Value::UInt(u32::from_le_bytes(le(bytes)).into()),
        Kind::I64 => Value::Int(i64::from_le_bytes(le(bytes))),
        Kind::U64 => Value::UInt(u64::from_le_bytes(le(bytes))),
        // Widening binary32 to binary64 is exact, NaN stays NaN.
        Kind::F32 => Value::Float(f32::from_le_bytes(le(bytes)).into()),
        Kind::F64 => Value::Float(f64::from_le_bytes(le(bytes))),
        Kind::Bool => Value::Bool(bytes[0] != 0),
        Kind::Text => Value::Text(decode_text(bytes)),
    }
}

/// The text of a `<N>s` value: the bytes before the first NUL (all N when there is none), decoded with
/// [`replace_ill_formed`].
pub fn decode_text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    replace_ill_formed(&bytes[..end])
}

/// `bytes` as UTF-8 with each maximal subpart of an ill-formed sequence replaced by one U+FFFD: string
/// values, labels of files with `bad_label_utf8`, and paths written into JSON.
///
/// `String::from_utf8_lossy` is exactly the Unicode Standard's "U+FFFD Substitution of Maximal
/// Subparts" (its documentation describes the replacement in those terms, and it follows
/// `Utf8Error::error_len`, which is the length of the maximal subpart). The spec's example
/// `61 F1 80 80 E1 80 C2 62 80 63 80 BF 64` reads as "a\u{FFFD}\u{FFFD}\u{FFFD}b\u{FFFD}c\u{FFFD}\u{FFFD}d":
/// see `tests::spec_maximal_subpart_example` below and tests/canonical.rs.
pub fn replace_ill_formed(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The value a reader reads from a whole file's bytes: value[write_buffer ^ 1] when buffered.
pub fn field_value(data: &[u8], field: &FieldLayout) -> Value {
    let at = field.read_offset(data[field.write_buffer_offset]);
    decode(field.spec.kind, &data[at..at + field.spec.size])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_maximal_subpart_example() {
        let bytes = [0x61, 0xf1, 0x80, 0x80, 0xe1, 0x80, 0xc2, 0x62, 0x80, 0x63, 0x80, 0xbf, 0x64];
        assert_eq!(decode_text(&bytes), "a\u{FFFD}\u{FFFD}\u{FFFD}b\u{FFFD}c\u{FFFD}\u{FFFD}d");
    }

    #[test]
    fn text_ends_at_the_first_nul_before_decoding() {
        assert_eq!(decode_text(b"short\0er one"), "short");
        assert_eq!(decode_text(b"\0abc"), "");
        assert_eq!(decode_text(b""), "");
        assert_eq!(decode_text(b"12345"), "12345");
        // A NUL inside a multi-byte sequence ends the string; the cut sequence is one U+FFFD.
        assert_eq!(decode_text(b"a\xe2\x9c\0\x93"), "a\u{FFFD}");
        assert_eq!(decode_text(b"abcdef\xe2\x82"), "abcdef\u{FFFD}");
    }

    #[test]
    fn numbers_are_little_endian_and_exact() {
        assert_eq!(decode(Kind::I8, &[0x9c]), Value::Int(-100));
        assert_eq!(decode(Kind::U8, &[0xff]), Value::UInt(255));
        assert_eq!(decode(Kind::I16, &[0xd8, 0xff]), Value::Int(-40));
        assert_eq!(decode(Kind::U32, &[0x00, 0x28, 0x6b, 0xee]), Value::UInt(4_000_000_000));
        assert_eq!(decode(Kind::U64, &[0xff; 8]), Value::UInt(u64::MAX));
        assert_eq!(decode(Kind::I64, &[0, 0, 0, 0, 0, 0, 0, 0x80]), Value::Int(i64::MIN));
        assert_eq!(decode(Kind::F32, &[0xcd, 0xcc, 0xcc, 0x3d]), Value::Float(0.10000000149011612));
        assert_eq!(decode(Kind::Bool, &[2]), Value::Bool(true));
        assert_eq!(decode(Kind::Bool, &[0]), Value::Bool(false));
    }
}
