//! The error vocabulary of the format (spec/v1.md and spec/v2.md, "Error codes") and the reader's error types.

use std::fmt;
use std::io;

/// One problem code. Every implementation reports the same code at the same byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The file is empty or its version byte is still 0x00; the offset is 0.
    NotReady,
    /// The version byte is not one this reader knows; the offset is 0.
    BadVersion,
    /// The file ends inside a fixed-size field (label size, type size, write buffer): its first byte.
    TruncatedRecord,
    /// A declared length (label, type, value area) runs past the end of the file: the area's first byte.
    PastEof,
    /// A label is not well-formed UTF-8: the first byte of the ill-formed sequence.
    BadLabelUtf8,
    /// The type signature is not in the type table: its first byte.
    UnknownType,
    /// The write-buffer byte is not 0x00, 0x01 or 0xff: that byte.
    BadWriteBuffer,
    /// A non-zero byte after the terminator: that byte.
    TrailingGarbage,
    /// The file size is not a positive multiple of 4096: the offset is the size.
    BadFileSize,
    /// The file is larger than the reader's size limit: the offset is the limit.
    FileTooLarge,
    /// v2: header_size is below 128 or not a multiple of 8: offset 10.
    BadHeaderSize,
    /// v2: the state word is not 0, 1 or 2: offset 12.
    BadState,
    /// v2: a region is misaligned, out of order or past the end: the header field that breaks the rule.
    BadRegion,
    /// v2: slots_used or entry_fixed_size out of range: that header field.
    BadCount,
    /// v2: an entry is too short, not a multiple of 8 or past the metadata region: its first byte.
    BadEntrySize,
    /// v2: an entry's parts do not fit in its entry_size: its name_size field.
    BadLengths,
    /// v2: a name is empty: the entry's name_size field.
    BadName,
    /// v2: a name, help, attribute key or value is not well-formed UTF-8: the first bad byte.
    BadUtf8,
    /// v2: a unit is too long (unit_size) or holds a byte outside 0x21..0x7e (that byte).
    BadUnit,
    /// v2: the attributes do not parse as pairs: the first byte of the bad pair.
    BadAttributes,
    /// v2: a known kind with a known value type it does not allow: the entry's value_type.
    BadValueType,
    /// v2: a value is misaligned or runs past its area: the entry's value_offset field.
    BadValueOffset,
    /// v2: value_size is not what the kind and value type require: the entry's value_size field.
    BadValueSize,
    /// v2: bounds not a whole number of f64 (extra_size), not finite or not increasing (that bound).
    BadHistogram,
    /// v2: a string's length exceeds its capacity: the length word.
    BadStringLength,
}

impl ErrorCode {
    /// Every code: version 1's in the order of its table, then version 2's additions in the order of theirs.
    pub const ALL: [ErrorCode; 25] = [
        ErrorCode::NotReady,
        ErrorCode::BadVersion,
        ErrorCode::TruncatedRecord,
        ErrorCode::PastEof,
        ErrorCode::BadLabelUtf8,
        ErrorCode::UnknownType,
        ErrorCode::BadWriteBuffer,
        ErrorCode::TrailingGarbage,
        ErrorCode::BadFileSize,
        ErrorCode::FileTooLarge,
        ErrorCode::BadHeaderSize,
        ErrorCode::BadState,
        ErrorCode::BadRegion,
        ErrorCode::BadCount,
        ErrorCode::BadEntrySize,
        ErrorCode::BadLengths,
        ErrorCode::BadName,
        ErrorCode::BadUtf8,
        ErrorCode::BadUnit,
        ErrorCode::BadAttributes,
        ErrorCode::BadValueType,
        ErrorCode::BadValueOffset,
        ErrorCode::BadValueSize,
        ErrorCode::BadHistogram,
        ErrorCode::BadStringLength,
    ];

    /// The code as the spec and the command-line protocol spell it (`bad_write_buffer`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotReady => "not_ready",
            ErrorCode::BadVersion => "bad_version",
            ErrorCode::TruncatedRecord => "truncated_record",
            ErrorCode::PastEof => "past_eof",
            ErrorCode::BadLabelUtf8 => "bad_label_utf8",
            ErrorCode::UnknownType => "unknown_type",
            ErrorCode::BadWriteBuffer => "bad_write_buffer",
            ErrorCode::TrailingGarbage => "trailing_garbage",
            ErrorCode::BadFileSize => "bad_file_size",
            ErrorCode::FileTooLarge => "file_too_large",
            ErrorCode::BadHeaderSize => "bad_header_size",
            ErrorCode::BadState => "bad_state",
            ErrorCode::BadRegion => "bad_region",
            ErrorCode::BadCount => "bad_count",
            ErrorCode::BadEntrySize => "bad_entry_size",
            ErrorCode::BadLengths => "bad_lengths",
            ErrorCode::BadName => "bad_name",
            ErrorCode::BadUtf8 => "bad_utf8",
            ErrorCode::BadUnit => "bad_unit",
            ErrorCode::BadAttributes => "bad_attributes",
            ErrorCode::BadValueType => "bad_value_type",
            ErrorCode::BadValueOffset => "bad_value_offset",
            ErrorCode::BadValueSize => "bad_value_size",
            ErrorCode::BadHistogram => "bad_histogram",
            ErrorCode::BadStringLength => "bad_string_length",
        }
    }

    /// The code spelled `name`, if there is one.
    pub fn from_name(name: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem of a file: its code, the byte offset it points at, and a message for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    pub code: ErrorCode,
    pub offset: u64,
    /// Free text naming the bad value and the limit it broke; tools must not parse it.
    pub message: String,
}

impl FormatError {
    pub fn new(code: ErrorCode, offset: u64, message: impl Into<String>) -> FormatError {
        FormatError { code, offset, message: message.into() }
    }
}

impl fmt::Display for FormatError {
    /// `offset N: CODE: message (at 0xN)`: the protocol's line without its `FILE: ` prefix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "offset {}: {}: {} (at 0x{:x})", self.offset, self.code, self.message, self.offset)
    }
}

impl std::error::Error for FormatError {}

/// Why a file could not be read: it breaks the format, or the system refused.
#[derive(Debug)]
pub enum ReadError {
    Format(FormatError),
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Format(e) => e.fmt(f),
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Format(e) => Some(e),
            ReadError::Io(e) => Some(e),
        }
    }
}

impl From<FormatError> for ReadError {
    fn from(e: FormatError) -> ReadError {
        ReadError::Format(e)
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> ReadError {
        ReadError::Io(e)
    }
}
