//! Reading a whole file once: `read(path, max_size)` and `validate(path, max_size)`.
//!
//! Files are read with `read()` into memory, never mapped: a writer that truncates or removes its
//! file can then cost us an error or a short read, never a SIGBUS. Only regular files are read
//! ([`crate::open`]).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::error::{ErrorCode, FormatError, ReadError};
use crate::open::open_regular;
use crate::reread::settle;
use crate::scan::scan;
use crate::v2;
use crate::value::{field_value, Value};

/// The recommended size limit: no honest stats file comes near 256 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 256 * 1024 * 1024;

/// One field as a reader returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub label: String,
    /// The type signature exactly as stored.
    pub type_signature: String,
    pub buffered: bool,
    pub value: Value,
}

/// The file's bytes, or `file_too_large` (at the limit) when it is, or grows while read, over `max_size`.
pub fn read_bytes(path: &Path, max_size: u64) -> Result<Vec<u8>, ReadError> {
    Ok(open_and_read(path, max_size)?.1)
}

/// The open file (for the re-check) and its bytes.
fn open_and_read(path: &Path, max_size: u64) -> Result<(File, Vec<u8>), ReadError> {
    let (file, meta) = open_regular(path)?;
    let data = read_all(&file, meta.len(), max_size)?;
    Ok((file, data))
}

fn read_all(mut file: &File, size: u64, max_size: u64) -> Result<Vec<u8>, ReadError> {
    if size > max_size {
        return Err(too_large(max_size, format!("file is {size} bytes, over the limit of {max_size}")).into());
    }
    let mut data = Vec::with_capacity(size as usize);
    // One byte more than the limit tells a file that grew past it from one that is exactly at it.
    (&mut file).take(max_size.saturating_add(1)).read_to_end(&mut data)?;
    if data.len() as u64 > max_size {
        return Err(too_large(max_size, format!("file grew past the limit of {max_size} while being read")).into());
    }
    Ok(data)
}

fn too_large(max_size: u64, message: String) -> FormatError {
    FormatError::new(ErrorCode::FileTooLarge, max_size, message)
}

/// A decoded file of either version.
#[derive(Clone, Debug, PartialEq)]
pub enum Document {
    V1(Vec<Field>),
    V2(v2::File),
}

/// The file at `path`, decoded as its version byte says, or its first problem. Version 1 gets the
/// write-buffer re-check, version 2 the reader protocol for copies (spec/v2.md, "Readers that copy the file").
pub fn read_document(path: &Path, max_size: u64) -> Result<Document, ReadError> {
    let (file, data) = open_and_read(path, max_size)?;
    match data.first() {
        Some(&v2::FORMAT_VERSION) => Ok(Document::V2(v2::read_from(&file, &data)?)),
        _ => Ok(Document::V1(read_v1(&file, data)?)),
    }
}

/// `Err(bad_version)` for a version 2 file given to a function that returns version 1 fields.
pub(crate) fn version_1_only(data: &[u8]) -> Result<(), FormatError> {
    match data.first() {
        Some(&v2::FORMAT_VERSION) => Err(FormatError::new(
            ErrorCode::BadVersion,
            0,
            "a version 2 file: read it with read_document or v2::decode, which return version 2 fields",
        )),
        _ => Ok(()),
    }
}

/// The version 1 fields of a file held in memory, or its first problem. Values are taken as they are in
/// `data`. A version 2 file is `bad_version` here: use [`v2::decode`].
pub fn decode_bytes(data: &[u8]) -> Result<Vec<Field>, FormatError> {
    let (layouts, mut errors) = scan(data);
    if !errors.is_empty() {
        return Err(errors.swap_remove(0));
    }
    version_1_only(data)?;
    Ok(layouts
        .iter()
        .map(|f| Field {
            label: f.label.clone(),
            type_signature: f.type_signature.clone(),
            buffered: f.buffered,
            value: field_value(data, f),
        })
        .collect())
}

/// Every field of the version 1 file at `path`, in file order, or the file's first problem. A version 2
/// file is `bad_version` here: use [`read_document`].
///
/// Buffered values follow the spec's reader re-check: after the copy, the write-buffer bytes are read
/// again, and a record whose byte flipped during the copy is copied again (at most 3 retries).
pub fn read(path: &Path, max_size: u64) -> Result<Vec<Field>, ReadError> {
    let (file, data) = open_and_read(path, max_size)?;
    read_v1(&file, data)
}

fn read_v1(file: &File, mut data: Vec<u8>) -> Result<Vec<Field>, ReadError> {
    let (layouts, mut errors) = scan(&data);
    if !errors.is_empty() {
        return Err(errors.swap_remove(0).into());
    }
    version_1_only(&data)?;
    // The re-check reads the same open file again, never whatever the path names by then.
    settle(file, &mut data, &mut Vec::new(), &layouts)?;
    Ok(layouts
        .into_iter()
        .map(|f| {
            let value = field_value(&data, &f);
            Field { label: f.label, type_signature: f.type_signature, buffered: f.buffered, value }
        })
        .collect())
}

/// Every problem of the file at `path`, in the spec's order (empty when it is valid). An `Err` means the
/// file could not be read at all.
pub fn validate(path: &Path, max_size: u64) -> io::Result<Vec<FormatError>> {
    match read_bytes(path, max_size) {
        Ok(data) => Ok(scan(&data).1),
        Err(ReadError::Format(e)) => Ok(vec![e]),
        Err(ReadError::Io(e)) => Err(e),
    }
}
