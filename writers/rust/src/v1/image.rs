//! The layout of a new file and its whole image in memory, version byte 0x00 (spec "Creating a file").

use mmstats_reader::v1::{self, FIRST_RECORD_OFFSET, PAGE_SIZE, UNBUFFERED};
use mmstats_reader::{Kind, TypeSpec, DEFAULT_MAX_SIZE};

use super::desc::{check, DescError, FieldDesc, Initial};
use super::encode::{cut_text, f32_from_f64, int_bytes, put_text};

/// Where one field lives in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotLayout {
    pub label: String,
    pub signature: String,
    pub spec: TypeSpec,
    pub buffered: bool,
    pub write_buffer_offset: usize,
    /// value[0] when buffered.
    pub value_offset: usize,
}

impl SlotLayout {
    /// Offset of value[i] (i is 0 for an unbuffered field).
    pub fn value_at(&self, i: usize) -> usize {
        self.value_offset + i * self.spec.size
    }

    pub fn end(&self) -> usize {
        self.value_offset + v1::value_area_size(self.spec.size, self.buffered)
    }
}

/// The checked layout of `fields`, records back to back from offset 1, and the file size: the
/// records rounded up to a whole number of pages (at least one). A file over the readers' default
/// size limit is refused: every reader would reject it as `file_too_large`.
pub fn layout(fields: &[FieldDesc]) -> Result<(Vec<SlotLayout>, usize), DescError> {
    let specs = check(fields)?;
    let mut slots = Vec::with_capacity(fields.len());
    let mut pos = FIRST_RECORD_OFFSET;
    let page = PAGE_SIZE as usize;
    for (index, (f, spec)) in fields.iter().zip(specs).enumerate() {
        let (label_size, type_size) = (f.label.len(), f.signature.len());
        slots.push(SlotLayout {
            label: f.label.clone(),
            signature: f.signature.clone(),
            spec,
            buffered: f.buffered,
            write_buffer_offset: pos + v1::write_buffer_offset(label_size, type_size),
            value_offset: pos + v1::value_offset(label_size, type_size),
        });
        pos = slots.last().expect("just pushed").end();
        // The limit is a whole number of pages: records that end past it need a larger file.
        if pos as u64 > DEFAULT_MAX_SIZE {
            let reason = format!(
                "the file would be at least {} bytes, over the limit of {DEFAULT_MAX_SIZE} bytes readers apply by \
                 default: every reader would reject it as file_too_large",
                pos.div_ceil(page) * page
            );
            return Err(DescError { index, label: f.label.clone(), reason });
        }
    }
    let size = pos.div_ceil(page).max(1) * page;
    Ok((slots, size))
}

/// The whole image of a new file: version byte 0x00 (not ready), every record with its initial value
/// (buffered fields: write buffer 0, the value in value[1], the one readers read), then zero fill.
/// The terminator is the first two bytes of the zero fill; records that fill the pages exactly have none.
pub fn build(fields: &[FieldDesc]) -> Result<(Vec<u8>, Vec<SlotLayout>), DescError> {
    let (slots, size) = layout(fields)?;
    let mut image = vec![0u8; size];
    for (f, s) in fields.iter().zip(&slots) {
        let record = s.write_buffer_offset - v1::write_buffer_offset(f.label.len(), f.signature.len());
        let label_at = record + v1::LABEL_OFFSET;
        image[record..label_at].copy_from_slice(&(f.label.len() as u16).to_le_bytes());
        image[label_at..label_at + f.label.len()].copy_from_slice(f.label.as_bytes());
        let type_size_at = record + v1::type_size_offset(f.label.len());
        let type_at = record + v1::type_offset(f.label.len());
        image[type_size_at..type_at].copy_from_slice(&(f.signature.len() as u16).to_le_bytes());
        image[type_at..s.write_buffer_offset].copy_from_slice(f.signature.as_bytes());
        image[s.write_buffer_offset] = if s.buffered { 0 } else { UNBUFFERED };
        if let Some(initial) = &f.initial {
            let at = s.value_at(usize::from(s.buffered));
            put_initial(&mut image[at..at + s.spec.size], s.spec.kind, initial);
        }
    }
    Ok((image, slots))
}

fn put_initial(area: &mut [u8], kind: Kind, initial: &Initial) {
    let size = area.len();
    match initial {
        Initial::Int(v) => area.copy_from_slice(&int_bytes(*v as u64, size)[..size]),
        Initial::Float(v) if kind == Kind::F32 => area.copy_from_slice(&f32_from_f64(*v).to_le_bytes()),
        Initial::Float(v) => area.copy_from_slice(&v.to_le_bytes()),
        Initial::Bool(v) => area[0] = u8::from(*v),
        Initial::Text(text) => put_text(area, cut_text(text, size)),
    }
}
