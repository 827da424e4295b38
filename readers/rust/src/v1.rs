//! Everything specific to format version 1 (spec/v1.md): constants, named offsets, the type table,
//! the record walk that finds every field and every problem, and the file-size rule.
//!
//! A version 2 is a new module beside this one plus one arm in `scan::scan`.
//!
//! ```text
//! version u8 | record* | zero fill up to a multiple of PAGE_SIZE
//! record: label_size u16 | label | type_size u16 | type | write_buffer u8 | value area
//! ```

use crate::error::{ErrorCode, FormatError};
use crate::scan::FieldLayout;
use crate::types::{Kind, TypeSpec};
use crate::value::replace_ill_formed;

/// The version byte of a ready version 1 file.
pub const FORMAT_VERSION: u8 = 1;
/// The file size is a positive multiple of this, whatever the system's page size.
pub const PAGE_SIZE: u64 = 4096;
/// `write_buffer` of a record that holds one value.
pub const UNBUFFERED: u8 = 0xff;
/// Values in the value area of a buffered record.
pub const BUFFER_COUNT: usize = 2;

// Named offsets: each is the previous one plus the previous size, never a bare number.
pub const VERSION_OFFSET: usize = 0;
pub const VERSION_SIZE: usize = 1;
pub const FIRST_RECORD_OFFSET: usize = VERSION_OFFSET + VERSION_SIZE;
/// Offsets below are relative to the first byte of a record.
pub const LABEL_SIZE_OFFSET: usize = 0;
pub const LABEL_SIZE_SIZE: usize = 2;
pub const LABEL_OFFSET: usize = LABEL_SIZE_OFFSET + LABEL_SIZE_SIZE;
pub const TYPE_SIZE_SIZE: usize = 2;
pub const WRITE_BUFFER_SIZE: usize = 1;
/// N of `<N>s` has 1 to 9 decimal digits.
pub const MAX_STRING_DIGITS: usize = 9;

pub const fn type_size_offset(label_size: usize) -> usize {
    LABEL_OFFSET + label_size
}

pub const fn type_offset(label_size: usize) -> usize {
    type_size_offset(label_size) + TYPE_SIZE_SIZE
}

pub const fn write_buffer_offset(label_size: usize, type_size: usize) -> usize {
    type_offset(label_size) + type_size
}

pub const fn value_offset(label_size: usize, type_size: usize) -> usize {
    write_buffer_offset(label_size, type_size) + WRITE_BUFFER_SIZE
}

/// Bytes of the value area: one value, or BUFFER_COUNT values when buffered.
pub const fn value_area_size(value_size: usize, buffered: bool) -> usize {
    if buffered {
        value_size * BUFFER_COUNT
    } else {
        value_size
    }
}

/// The spec of a stored signature, or None when it is not in the version 1 table.
/// Signatures match byte for byte: no byte-order prefix, no repeat count, no leading zero in N.
pub fn lookup(signature: &[u8]) -> Option<TypeSpec> {
    let numeric = |kind, size| Some(TypeSpec { kind, size });
    match signature {
        b"b" => numeric(Kind::I8, 1),
        b"B" => numeric(Kind::U8, 1),
        b"h" => numeric(Kind::I16, 2),
        b"H" => numeric(Kind::U16, 2),
        b"i" => numeric(Kind::I32, 4),
        b"I" => numeric(Kind::U32, 4),
        b"q" => numeric(Kind::I64, 8),
        b"Q" => numeric(Kind::U64, 8),
        b"f" => numeric(Kind::F32, 4),
        b"d" => numeric(Kind::F64, 8),
        b"?" => numeric(Kind::Bool, 1),
        _ => string_size(signature).map(|size| TypeSpec { kind: Kind::Text, size }),
    }
}

/// N of a `<N>s` signature: 1 to 9 decimal digits, no sign, no leading zero except `0s` itself.
fn string_size(signature: &[u8]) -> Option<usize> {
    let (&last, digits) = signature.split_last()?;
    if last != b's' || digits.is_empty() || digits.len() > MAX_STRING_DIGITS {
        return None;
    }
    if !digits.iter().all(u8::is_ascii_digit) || (digits[0] == b'0' && digits.len() > 1) {
        return None;
    }
    Some(digits.iter().fold(0, |n, d| n * 10 + usize::from(d - b'0')))
}

/// Walks the record list of a file whose version byte is 1 and checks its size: spec "Finding problems",
/// steps 4 to 6. Layouts of the records that could be found go to `fields`, problems to `errors`
/// (unsorted: the caller sorts).
pub(crate) fn scan(data: &[u8], fields: &mut Vec<FieldLayout>, errors: &mut Vec<FormatError>) {
    if let Err(stop) = walk(data, fields, errors) {
        errors.push(stop);
    }
    check_file_size(data.len() as u64, errors);
}

/// The file-size rule (step 6). A version 1 reader applies it to a file of an unknown version too.
pub(crate) fn check_file_size(size: u64, errors: &mut Vec<FormatError>) {
    if !size.is_multiple_of(PAGE_SIZE) {
        let next = size.div_ceil(PAGE_SIZE) * PAGE_SIZE;
        errors.push(FormatError::new(
            ErrorCode::BadFileSize,
            size,
            format!("file size {size} is not a multiple of {PAGE_SIZE} (next multiple {next})"),
        ));
    }
}

/// The record walk. `Err` is a structural problem: the next record cannot be found, the walk ends.
fn walk(data: &[u8], fields: &mut Vec<FieldLayout>, errors: &mut Vec<FormatError>) -> Result<(), FormatError> {
    let size = data.len();
    let mut pos = FIRST_RECORD_OFFSET;
    loop {
        let left = size - pos;
        if left < LABEL_SIZE_SIZE {
            // A lone zero byte is zero fill; a lone non-zero byte is a cut label size.
            if left == 1 && data[pos] != 0 {
                return Err(problem(
                    ErrorCode::TruncatedRecord,
                    pos,
                    format!("label size cut by the end of the file: 1 of {LABEL_SIZE_SIZE} bytes"),
                ));
            }
            return Ok(());
        }
        let label_size = usize::from(u16_at(data, pos + LABEL_SIZE_OFFSET));
        if label_size == 0 {
            check_zero_fill(data, pos, errors);
            return Ok(());
        }

        let label_at = pos + LABEL_OFFSET;
        need(size, label_at, label_size, || "label".to_string())?;
        let raw_label = &data[label_at..label_at + label_size];
        let label = match std::str::from_utf8(raw_label) {
            Ok(text) => text.to_owned(),
            Err(e) => {
                // Not structural: the label's length is known, so the walk goes on.
                let bad = e.valid_up_to();
                errors.push(problem(
                    ErrorCode::BadLabelUtf8,
                    label_at + bad,
                    format!("label byte 0x{:02x} at label index {bad} is not well-formed UTF-8", raw_label[bad]),
                ));
                replace_ill_formed(raw_label)
            }
        };

        let type_size_at = pos + type_size_offset(label_size);
        if size - type_size_at < TYPE_SIZE_SIZE {
            return Err(problem(
                ErrorCode::TruncatedRecord,
                type_size_at,
                format!(
                    "type size of {} cut by the end of the file: {} of {TYPE_SIZE_SIZE} bytes",
                    show_label(&label),
                    size - type_size_at
                ),
            ));
        }
        let type_size = usize::from(u16_at(data, type_size_at));
        let type_at = pos + type_offset(label_size);
        need(size, type_at, type_size, || format!("type of {}", show_label(&label)))?;
        let signature = &data[type_at..type_at + type_size];
        let Some(spec) = lookup(signature) else {
            return Err(problem(
                ErrorCode::UnknownType,
                type_at,
                format!("type signature {} of {} is not in the type table", show_bytes(signature), show_label(&label)),
            ));
        };

        let wb_at = pos + write_buffer_offset(label_size, type_size);
        let Some(&write_buffer) = data.get(wb_at) else {
            return Err(problem(
                ErrorCode::TruncatedRecord,
                wb_at,
                format!("write buffer of {} cut by the end of the file", show_label(&label)),
            ));
        };
        let buffered = match write_buffer {
            UNBUFFERED => false,
            0 | 1 => true,
            other => {
                return Err(problem(
                    ErrorCode::BadWriteBuffer,
                    wb_at,
                    format!("write buffer of {} is 0x{other:02x}; allowed: 0x00, 0x01, 0xff", show_label(&label)),
                ))
            }
        };

        let value_at = pos + value_offset(label_size, type_size);
        let area = value_area_size(spec.size, buffered);
        need(size, value_at, area, || {
            let count = if buffered { "2 values" } else { "1 value" };
            format!("value of {} ({}, {count})", show_label(&label), String::from_utf8_lossy(signature))
        })?;
        fields.push(FieldLayout {
            label,
            type_signature: String::from_utf8_lossy(signature).into_owned(),
            spec,
            buffered,
            offset: pos,
            write_buffer_offset: wb_at,
            value_offset: value_at,
        });
        pos = value_at + area;
    }
}

/// `past_eof` when `length` bytes at `at` do not fit in a file of `size` bytes.
fn need(size: usize, at: usize, length: usize, what: impl FnOnce() -> String) -> Result<(), FormatError> {
    // `at <= size` holds for every caller; compare without adding, so nothing can overflow.
    if length > size - at {
        return Err(problem(
            ErrorCode::PastEof,
            at,
            format!("{} needs {length} bytes, {} left before the end of the file at {size}", what(), size - at),
        ));
    }
    Ok(())
}

/// `trailing_garbage` at the first non-zero byte after the terminator at `terminator`.
fn check_zero_fill(data: &[u8], terminator: usize, errors: &mut Vec<FormatError>) {
    if let Some(i) = data[terminator..].iter().position(|&b| b != 0) {
        let at = terminator + i;
        errors.push(problem(
            ErrorCode::TrailingGarbage,
            at,
            format!(
                "byte 0x{:02x} after the terminating label size at {terminator}; the zero fill must be all zeros",
                data[at]
            ),
        ));
    }
}

fn problem(code: ErrorCode, at: usize, message: String) -> FormatError {
    FormatError::new(code, at as u64, message)
}

fn u16_at(data: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([data[at], data[at + 1]])
}

/// A label for a message: quoted, escaped, and cut when long (labels can be 65535 bytes).
fn show_label(label: &str) -> String {
    const MAX: usize = 40;
    match label.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}...", &label[..cut]),
        None => format!("{label:?}"),
    }
}

/// A signature for a message: its bytes, quoted and escaped, cut when long.
fn show_bytes(bytes: &[u8]) -> String {
    const MAX: usize = 24;
    let shown: String = bytes.iter().take(MAX).flat_map(|&b| std::ascii::escape_default(b)).map(char::from).collect();
    let more = if bytes.len() > MAX { format!("... ({} bytes)", bytes.len()) } else { String::new() };
    format!("\"{shown}\"{more}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_each_other() {
        assert_eq!(FIRST_RECORD_OFFSET, 1);
        assert_eq!(LABEL_OFFSET, 2);
        // label "a" (1 byte), type "Q" (1 byte): 2 + 1 | 2 | 1 | 1 -> value at 7
        assert_eq!(type_size_offset(1), 3);
        assert_eq!(type_offset(1), 5);
        assert_eq!(write_buffer_offset(1, 1), 6);
        assert_eq!(value_offset(1, 1), 7);
        assert_eq!(value_area_size(8, true), 16);
        assert_eq!(value_area_size(8, false), 8);
    }

    #[test]
    fn table_is_closed() {
        for sig in ["b", "B", "h", "H", "i", "I", "q", "Q", "f", "d", "?", "0s", "1s", "255s", "999999999s"] {
            assert!(lookup(sig.as_bytes()).is_some(), "{sig}");
        }
        for sig in [
            "",
            "l",
            "L",
            "c",
            "e",
            "n",
            "N",
            "p",
            "P",
            "x",
            "<Q",
            "=Q",
            "2Q",
            "QQ",
            "q ",
            " q",
            "s",
            "05s",
            "00s",
            "1000000000s",
            "-1s",
            "+1s",
            "1S",
            "1.0s",
            "ss",
            "1s\0",
            "\u{0661}s",
        ] {
            assert!(lookup(sig.as_bytes()).is_none(), "{sig:?}");
        }
        assert_eq!(lookup(b"999999999s"), Some(TypeSpec { kind: Kind::Text, size: 999_999_999 }));
        assert_eq!(lookup(b"0s"), Some(TypeSpec { kind: Kind::Text, size: 0 }));
        assert_eq!(lookup(b"?"), Some(TypeSpec { kind: Kind::Bool, size: 1 }));
    }

    #[test]
    fn messages_cut_long_text() {
        assert_eq!(show_label("ab"), "\"ab\"");
        assert!(show_label(&"x".repeat(500)).len() < 60);
        assert_eq!(show_bytes(b"\xffQ"), "\"\\xffQ\"");
        assert!(show_bytes(&[b'9'; 100]).ends_with("... (100 bytes)"));
    }
}
