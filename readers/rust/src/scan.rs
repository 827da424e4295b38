//! One pass over a file's bytes: the layout of every field and every problem, dispatched on the
//! version byte.

use crate::error::{ErrorCode, FormatError};
use crate::types::TypeSpec;
use crate::{v1, v2};

/// Where one field lives in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldLayout {
    /// The label; ill-formed bytes (a file with `bad_label_utf8`) read as U+FFFD.
    pub label: String,
    /// The type signature exactly as stored (`Q`, `255s`).
    pub type_signature: String,
    pub spec: TypeSpec,
    /// True when the write buffer byte is 0x00 or 0x01 (two values follow).
    pub buffered: bool,
    /// First byte of the record (its label size).
    pub offset: usize,
    pub write_buffer_offset: usize,
    /// First byte of the value area (value[0] when buffered).
    pub value_offset: usize,
}

impl FieldLayout {
    /// Bytes of the value area: one or two values.
    pub fn value_area_size(&self) -> usize {
        v1::value_area_size(self.spec.size, self.buffered)
    }

    /// One past the last byte of the record.
    pub fn end(&self) -> usize {
        self.value_offset + self.value_area_size()
    }

    /// Offset of the value a reader reads, given the write-buffer byte: value[wb ^ 1] when buffered.
    pub fn read_offset(&self, write_buffer: u8) -> usize {
        if self.buffered {
            self.value_offset + usize::from((write_buffer ^ 1) & 1) * self.spec.size
        } else {
            self.value_offset
        }
    }
}

/// The layouts of all version 1 fields that could be found and every problem, sorted by offset for
/// version 1 and in walk order for version 2 (each spec's "Finding problems"). A file is valid when the problem list is empty.
pub fn scan(data: &[u8]) -> (Vec<FieldLayout>, Vec<FormatError>) {
    let mut fields = Vec::new();
    let mut errors = Vec::new();
    match data.first() {
        None => errors.push(FormatError::new(ErrorCode::NotReady, 0, "the file is empty")),
        // Every version starts life with 0x00 while its writer builds it: nothing else is checked.
        Some(0) => errors.push(FormatError::new(
            ErrorCode::NotReady,
            0,
            "version byte is 0x00: the file is still being created",
        )),
        Some(&v1::FORMAT_VERSION) => v1::scan(data, &mut fields, &mut errors),
        // Version 2 fields are described by `v2::EntryLayout`; `fields` stays empty. Its problems keep
        // the walk's order, which may step back (spec/v2.md, "Finding problems"): not sorted.
        Some(&v2::FORMAT_VERSION) => {
            v2::scan(data, &mut errors);
            return (fields, errors);
        }
        Some(&version) => {
            errors.push(FormatError::new(
                ErrorCode::BadVersion,
                0,
                format!(
                    "version byte is 0x{version:02x}; this reader knows 0x{:02x} and 0x{:02x}",
                    v1::FORMAT_VERSION,
                    v2::FORMAT_VERSION
                ),
            ));
            v1::check_file_size(data.len() as u64, &mut errors);
        }
    }
    sort_problems(&mut errors);
    (fields, errors)
}

/// By offset; on a tie `bad_file_size` goes last and the others keep the order they were found in.
pub fn sort_problems(errors: &mut [FormatError]) {
    errors.sort_by_key(|e| (e.offset, e.code == ErrorCode::BadFileSize));
}
