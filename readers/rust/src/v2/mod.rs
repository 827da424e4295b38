//! Everything specific to format version 2 (spec/v2.md): the layout and code tables ([`layout`]), the
//! problem-finding walk ([`walk`]), the values read from copies ([`values`]), the canonical JSON
//! ([`canonical`]) and its comparison by value ([`compare`]); [`Poller`] polls a file through copies,
//! [`MappedPoller`] through a shared mapping. `scan::scan` dispatches here on the version byte 0x02.

pub mod canonical;
pub mod compare;
pub mod layout;
pub mod mapped;
mod mapping;
pub mod poll;
pub mod values;
pub mod walk;

use crate::error::FormatError;
use crate::reread::ReadAt;
pub use layout::{Header, Kind, ValueType, FORMAT_VERSION};
pub use mapped::MappedPoller;
pub use poll::Poller;
pub use values::{Histogram, Value};
pub use walk::{walk, EntryLayout};

/// One decoded field.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub label: String,
    pub kind: Kind,
    pub value_type: ValueType,
    pub unit: String,
    pub help: String,
    pub attributes: Vec<(String, String)>,
    /// None: a multi-word value without a consistent copy (`null` in the canonical form).
    pub value: Option<Value>,
}

/// A decoded version 2 file: its header and its fields of known kind and value type, in entry order.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub header: Header,
    pub fields: Vec<Field>,
}

/// Every problem of a version 2 file's bytes, in the order the spec's walk finds them.
pub(crate) fn scan(data: &[u8], errors: &mut Vec<FormatError>) {
    errors.extend(walk(data, false).problems);
}

/// The header and entry layouts of a valid file, or its first problem.
fn layout(data: &[u8]) -> Result<(Header, Vec<EntryLayout>), FormatError> {
    let mut w = walk(data, true);
    match w.problems.is_empty() {
        true => Ok((w.header.expect("no problem: the header passed"), w.entries)),
        false => Err(w.problems.swap_remove(0)),
    }
}

fn fields(hd: Header, entries: Vec<EntryLayout>, copies: &values::Copies) -> File {
    let fields = entries
        .iter()
        .map(|e| Field {
            label: e.label.clone(),
            kind: e.kind,
            value_type: e.value_type,
            unit: e.unit.clone(),
            help: e.help.clone(),
            attributes: e.attributes.clone(),
            value: values::field_value(e, hd.slots_used, copies),
        })
        .collect();
    File { header: hd, fields }
}

/// The file in `data`, a copy at rest: a multi-word value whose sequence is odd has no value.
pub fn decode(data: &[u8]) -> Result<File, FormatError> {
    let (hd, entries) = layout(data)?;
    let copies = values::Copies::at_rest(data, &hd);
    Ok(fields(hd, entries, &copies))
}

/// The file whose first whole copy is `first`, following the reader protocol for copies: the values
/// are read again from `src` (the same open file).
pub fn read_from<S: ReadAt + ?Sized>(src: &S, first: &[u8]) -> Result<File, crate::ReadError> {
    let (hd, entries) = layout(first)?;
    let copies = values::Copies::read(src, first, &hd, &entries)?;
    Ok(fields(hd, entries, &copies))
}
