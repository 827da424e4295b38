//! The problem-finding walk of a version 2 file (spec/v2.md, "Finding problems"): the header checks,
//! then every published entry. It yields the layout of every entry of known kind and value type.

use super::layout::{self as l, entry as en, header as h, u16_at, u32_at, u64_at, Header, Kind, Storage, ValueType};
use crate::error::{ErrorCode, FormatError};

/// Where one field of a valid entry lives, and what it says about itself.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryLayout {
    /// First byte of the entry.
    pub offset: usize,
    pub label: String,
    pub kind: Kind,
    pub value_type: ValueType,
    pub unit: String,
    pub help: String,
    /// Pairs in the order stored; keys are unique.
    pub attributes: Vec<(String, String)>,
    /// Histogram bounds (empty for other kinds).
    pub bounds: Vec<f64>,
    /// Offset of the value's copy in the process area, or in slot 0.
    pub at: usize,
    /// Bytes from one slot's copy to the next's; 0 for a process value.
    pub stride: usize,
    pub value_size: usize,
}

impl EntryLayout {
    /// Values of more than one word sit behind a sequence.
    pub fn is_multi_word(&self) -> bool {
        self.kind == Kind::Histogram || self.value_type == ValueType::Utf8
    }
}

/// What the walk found: the header (when the header checks passed), the layouts, the problems in the
/// order found.
#[derive(Debug, Default)]
pub struct Walk {
    pub header: Option<Header>,
    pub entries: Vec<EntryLayout>,
    pub problems: Vec<FormatError>,
}

/// Walks `data` (a whole file; byte 0 other than 2 is its only problem). With `first_only` it stops at the first problem (a
/// reader); otherwise it finds every problem (a validator).
pub fn walk(data: &[u8], first_only: bool) -> Walk {
    let mut w = Walker { data, first_only, out: Walk::default() };
    if let Some(header) = w.header() {
        w.entries(&header, header.meta_offset.into(), header.field_count);
        w.out.header = Some(header);
    }
    w.out
}

/// The header of `data` when its checks pass (steps 1 to 6), or its problem.
pub fn header(data: &[u8]) -> Result<Header, FormatError> {
    let mut w = Walker { data, first_only: true, out: Walk::default() };
    w.header().ok_or_else(|| w.out.problems.swap_remove(0))
}

/// A reader's walk of `count` more entries from offset `from` (the entry after the last one walked), for
/// a poller that parses each entry once: the new layouts and the offset after them, or the first problem.
pub fn more_entries(
    data: &[u8],
    hd: &Header,
    from: usize,
    count: u32,
) -> Result<(Vec<EntryLayout>, usize), FormatError> {
    let mut w = Walker { data, first_only: true, out: Walk::default() };
    let end = w.entries(hd, from as u64, count);
    match w.out.problems.is_empty() {
        true => Ok((w.out.entries, end as usize)),
        false => Err(w.out.problems.swap_remove(0)),
    }
}

struct Walker<'a> {
    data: &'a [u8],
    first_only: bool,
    out: Walk,
}

/// Whether `v` is a multiple of the alignment.
fn aligned(v: u64) -> bool {
    v.is_multiple_of(l::ALIGN)
}

impl Walker<'_> {
    /// Records a problem; true when the walk stops here (a reader's walk).
    fn problem(&mut self, code: ErrorCode, at: usize, message: String) -> bool {
        self.out.problems.push(FormatError::new(code, at as u64, message));
        self.first_only
    }

    /// Steps 3 to 6: the header, or None after its (one) problem.
    fn header(&mut self) -> Option<Header> {
        let data = self.data;
        let size = data.len() as u64;
        // Steps 1 and 2 are the dispatcher's; repeated here so that a walk of any bytes is safe.
        match data.first() {
            None | Some(0) => {
                self.problem(ErrorCode::NotReady, h::VERSION, "the file is empty or its version byte is 0x00".into());
                return None;
            }
            Some(&l::FORMAT_VERSION) => {}
            Some(other) => {
                self.problem(ErrorCode::BadVersion, h::VERSION, format!("version byte is 0x{other:02x}, not 0x02"));
                return None;
            }
        }
        // The magic before the size, as far as the file has it: a file that is not version 2 gets a
        // version 1 reader's answer, a cut version 2 file is bad_file_size.
        let present = &data[h::MAGIC..data.len().min(h::MAGIC + l::MAGIC.len())];
        if present != &l::MAGIC[..present.len()] {
            let magic = String::from_utf8_lossy(present).into_owned();
            self.problem(
                ErrorCode::BadVersion,
                h::VERSION,
                format!("version byte 0x02, but bytes 1 to 7 are {magic:?}, not \"MMSTATS\": not a version 2 file"),
            );
            if !size.is_multiple_of(l::PAGE_SIZE) {
                // As for any version byte this reader does not know.
                let why = format!("file size {size} is not a positive multiple of {}", l::PAGE_SIZE);
                self.problem(ErrorCode::BadFileSize, size as usize, why);
            }
            return None;
        }
        if !size.is_multiple_of(l::PAGE_SIZE) {
            let why = format!("file size {size} is not a positive multiple of {}", l::PAGE_SIZE);
            self.problem(ErrorCode::BadFileSize, size as usize, why);
            return None;
        }
        let hd = Header::parse(data);
        let stop = match hd.state {
            l::STATE_CREATING => Some((
                ErrorCode::NotReady,
                h::STATE,
                "state is 0 (creating): the writer has not published the file".to_string(),
            )),
            l::STATE_READY | l::STATE_CLOSED => None,
            other => Some((ErrorCode::BadState, h::STATE, format!("state is {other}; allowed: 0, 1, 2"))),
        }
        .or_else(|| {
            let hs = u64::from(hd.header_size);
            (hs < l::HEADER_SIZE || !aligned(hs)).then(|| {
                let why = format!("header_size is {hs}; want at least {}, a multiple of {}", l::HEADER_SIZE, l::ALIGN);
                (ErrorCode::BadHeaderSize, h::HEADER_SIZE, why)
            })
        })
        .or_else(|| {
            let fs = u64::from(hd.entry_fixed_size);
            (fs < l::ENTRY_FIXED_SIZE || !aligned(fs)).then(|| {
                let why = format!(
                    "entry_fixed_size is {fs}; want at least {}, a multiple of {}",
                    l::ENTRY_FIXED_SIZE,
                    l::ALIGN
                );
                (ErrorCode::BadCount, h::ENTRY_FIXED_SIZE, why)
            })
        })
        .or_else(|| region_problem(&hd, size))
        .or_else(|| {
            (hd.slots_used < 1 || hd.slots_used > hd.slot_count).then(|| {
                let why = format!("slots_used is {}; want 1 to {}", hd.slots_used, hd.slot_count);
                (ErrorCode::BadCount, h::SLOTS_USED, why)
            })
        });
        match stop {
            Some((code, at, why)) => {
                self.problem(code, at, why);
                None
            }
            None => Some(hd),
        }
    }

    /// Step 7: `count` published entries from offset `e`; the offset after the last one walked.
    fn entries(&mut self, hd: &Header, mut e: u64, count: u32) -> u64 {
        let fixed = u64::from(hd.entry_fixed_size);
        let meta_end = hd.meta_end();
        for _ in 0..count {
            if meta_end - e < fixed {
                let why =
                    format!("only {} bytes left in the metadata region; the fixed part needs {fixed}", meta_end - e);
                self.problem(ErrorCode::BadEntrySize, e as usize, why);
                return e;
            }
            let at = e as usize;
            let entry_size = u64::from(u32_at(self.data, at + en::ENTRY_SIZE));
            if entry_size < fixed || !aligned(entry_size) || entry_size > meta_end - e {
                let why = format!(
                    "entry_size is {entry_size}; want at least {fixed}, a multiple of {}, ending by {meta_end}",
                    l::ALIGN
                );
                self.problem(ErrorCode::BadEntrySize, at, why);
                return e;
            }
            let parts = Parts::read(self.data, at, fixed as usize);
            if parts.extra_at - at + parts.extra_size > entry_size as usize {
                let why = format!(
                    "name, unit, help, attributes and extra need {} bytes; entry_size is {entry_size}",
                    parts.extra_at - at + parts.extra_size
                );
                self.problem(ErrorCode::BadLengths, at + en::NAME_SIZE, why);
                return e;
            }
            let before = self.out.problems.len();
            let layout = self.entry(hd, at, &parts);
            if self.first_only && self.out.problems.len() > before {
                return e;
            }
            self.out.entries.extend(layout);
            e += entry_size;
        }
        e
    }

    /// The checks of one entry whose parts fit in it; its layout when it is valid and of a known kind and
    /// value type.
    fn entry(&mut self, hd: &Header, e: usize, p: &Parts) -> Option<EntryLayout> {
        let data = self.data;
        let mut bad = false;
        if p.name.is_empty()
            && self.problem(ErrorCode::BadName, e + en::NAME_SIZE, "name_size is 0: a field needs a name".into())
        {
            return None;
        }
        bad |= p.name.is_empty();
        if let Some(i) = utf8_error(&data[p.name.clone()]) {
            bad = true;
            if self.problem(
                ErrorCode::BadUtf8,
                p.name.start + i,
                format!("the name is not well-formed UTF-8 at byte {i}"),
            ) {
                return None;
            }
        }
        let unit = &data[p.unit.clone()];
        if unit.len() as u64 > l::UNIT_MAX {
            bad = true;
            let why = format!("unit_size is {}; at most {}", unit.len(), l::UNIT_MAX);
            if self.problem(ErrorCode::BadUnit, e + en::UNIT_SIZE, why) {
                return None;
            }
        } else if let Some(i) = unit.iter().position(|b| !(0x21..=0x7e).contains(b)) {
            bad = true;
            if self.problem(
                ErrorCode::BadUnit,
                p.unit.start + i,
                format!("unit byte 0x{:02x}; allowed 0x21 to 0x7e", unit[i]),
            ) {
                return None;
            }
        }
        if let Some(i) = utf8_error(&data[p.help.clone()]) {
            bad = true;
            if self.problem(
                ErrorCode::BadUtf8,
                p.help.start + i,
                format!("the help text is not well-formed UTF-8 at byte {i}"),
            ) {
                return None;
            }
        }
        let attributes = self.attributes(p.attributes.clone());
        if attributes.is_none() {
            bad = true;
            if self.first_only {
                return None;
            }
        }
        // A later minor's kind or value type: skipped, never a problem.
        let (Some(kind), Some(value_type)) =
            (Kind::from_code(data[e + en::KIND]), ValueType::from_code(data[e + en::VALUE_TYPE]))
        else {
            return None;
        };
        if !kind.allowed().contains(&value_type) {
            let allowed: Vec<_> = kind.allowed().iter().map(|t| t.name()).collect();
            let why = format!("a {} of {}; allowed: {}", kind.name(), value_type.name(), allowed.join(", "));
            self.problem(ErrorCode::BadValueType, e + en::VALUE_TYPE, why);
            return None;
        }
        let value_size = u64::from(u32_at(data, e + en::VALUE_SIZE));
        let bound_count = (p.extra_size as u64) / l::ALIGN;
        let (ok, want) = if kind == Kind::Histogram {
            let want = (l::histogram::BUCKETS as u64) + l::ALIGN * (bound_count + 1);
            (value_size == want, want.to_string())
        } else if value_type == ValueType::Utf8 {
            let header = l::string::TEXT as u64;
            (value_size >= header && aligned(value_size), format!("{header} + a multiple of {}", l::ALIGN))
        } else {
            (value_size == l::ALIGN, l::ALIGN.to_string())
        };
        if !ok {
            self.problem(
                ErrorCode::BadValueSize,
                e + en::VALUE_SIZE,
                format!("value_size is {value_size}; want {want}"),
            );
            return None;
        }
        let value_offset = u64::from(u32_at(data, e + en::VALUE_OFFSET));
        let (area, base, stride) = match kind.storage() {
            Storage::Slots => (hd.slot_size, hd.slots_offset, hd.slot_size),
            Storage::Process => (hd.process_capacity, hd.process_offset, 0),
        };
        if !aligned(value_offset) || value_offset + value_size > u64::from(area) {
            bad = true;
            let why = format!(
                "value_offset {value_offset} + value_size {value_size} in an area of {area} bytes; the offset must \
                 be a multiple of {}",
                l::ALIGN
            );
            if self.problem(ErrorCode::BadValueOffset, e + en::VALUE_OFFSET, why) {
                return None;
            }
        }
        let bounds = if kind == Kind::Histogram { self.bounds(e, p)? } else { Vec::new() };
        if bad {
            return None;
        }
        let at = (u64::from(base) + value_offset) as usize;
        let value_size = value_size as usize;
        if value_type == ValueType::Utf8 {
            let seq = u64_at(data, at + l::string::SEQ);
            let length = u32_at(data, at + l::string::LENGTH) as usize;
            let capacity = value_size - l::string::TEXT;
            if seq.is_multiple_of(2) && length > capacity {
                let why = format!("length {length} exceeds the capacity {capacity}");
                self.problem(ErrorCode::BadStringLength, at + l::string::LENGTH, why);
                return None;
            }
        }
        Some(EntryLayout {
            offset: e,
            label: String::from_utf8(data[p.name.clone()].to_vec()).ok()?,
            kind,
            value_type,
            unit: String::from_utf8(unit.to_vec()).ok()?,
            help: String::from_utf8(data[p.help.clone()].to_vec()).ok()?,
            attributes: attributes?,
            bounds,
            at,
            stride: stride as usize,
            value_size,
        })
    }

    /// The attribute pairs in `range`, or None after the first problem of the pairs.
    fn attributes(&mut self, range: std::ops::Range<usize>) -> Option<Vec<(String, String)>> {
        use l::attribute::SIZE_SIZE;
        let raw = &self.data[range.clone()];
        let mut out: Vec<(String, String)> = Vec::new();
        let mut pos = 0;
        while pos < raw.len() {
            let start = range.start + pos;
            let fail = |w: &mut Self, why: &str| {
                w.problem(ErrorCode::BadAttributes, start, why.to_string());
                None
            };
            if raw.len() - pos < SIZE_SIZE {
                return fail(self, "one byte left: too short for a key_size");
            }
            let key_size = usize::from(u16_at(raw, pos));
            let key_at = pos + SIZE_SIZE;
            if key_size == 0 {
                return fail(self, "an attribute key is empty");
            }
            if key_at + key_size + SIZE_SIZE > raw.len() {
                return fail(self, "the key or the value size runs past attributes_size");
            }
            let value_size = usize::from(u16_at(raw, key_at + key_size));
            let value_at = key_at + key_size + SIZE_SIZE;
            if value_at + value_size > raw.len() {
                return fail(self, "the value runs past attributes_size");
            }
            let key = &raw[key_at..key_at + key_size];
            let value = &raw[value_at..value_at + value_size];
            for (what, bytes, at) in [("key", key, key_at), ("value", value, value_at)] {
                if let Some(i) = utf8_error(bytes) {
                    let why = format!("an attribute {what} is not well-formed UTF-8");
                    self.problem(ErrorCode::BadUtf8, range.start + at + i, why);
                    return None;
                }
            }
            let key = String::from_utf8(key.to_vec()).expect("checked");
            if out.iter().any(|(k, _)| *k == key) {
                return fail(self, &format!("the attribute key {key:?} repeats"));
            }
            out.push((key, String::from_utf8(value.to_vec()).expect("checked")));
            pos = value_at + value_size;
        }
        Some(out)
    }

    /// A histogram's bounds, or None after their problem.
    fn bounds(&mut self, e: usize, p: &Parts) -> Option<Vec<f64>> {
        if !aligned(p.extra_size as u64) {
            let why = format!("extra_size {} is not a multiple of {}", p.extra_size, l::ALIGN);
            self.problem(ErrorCode::BadHistogram, e + en::EXTRA_SIZE, why);
            return None;
        }
        let word = l::ALIGN as usize;
        let mut out: Vec<f64> = Vec::with_capacity(p.extra_size / word);
        for i in 0..p.extra_size / word {
            let at = p.extra_at + i * word;
            let b = f64::from_bits(u64_at(self.data, at));
            if !b.is_finite() || out.last().is_some_and(|&prev| b <= prev) {
                let why = format!("bound {i} is {b}; bounds are finite and strictly increasing");
                self.problem(ErrorCode::BadHistogram, at, why);
                return None;
            }
            out.push(b);
        }
        Some(out)
    }
}

/// The first failing header region rule (spec "Regions"), in the spec's order.
fn region_problem(hd: &Header, size: u64) -> Option<(ErrorCode, usize, String)> {
    let (meta_offset, process_offset, slots_offset) =
        (u64::from(hd.meta_offset), u64::from(hd.process_offset), u64::from(hd.slots_offset));
    let process_end = process_offset + u64::from(hd.process_capacity);
    let slots_end = slots_offset + u64::from(hd.slot_count) * u64::from(hd.slot_size);
    let rules = [
        (
            aligned(meta_offset) && meta_offset >= u64::from(hd.header_size),
            h::META_OFFSET,
            format!("meta_offset {meta_offset} is not a multiple of 8 at or after the header ({})", hd.header_size),
        ),
        (
            aligned(hd.meta_capacity.into()),
            h::META_CAPACITY,
            format!("meta_capacity {} is not a multiple of 8", hd.meta_capacity),
        ),
        (
            aligned(process_offset) && process_offset >= hd.meta_end(),
            h::PROCESS_OFFSET,
            format!(
                "process_offset {process_offset} is not a multiple of 8 at or after the metadata end ({})",
                hd.meta_end()
            ),
        ),
        (
            aligned(hd.process_capacity.into()),
            h::PROCESS_CAPACITY,
            format!("process_capacity {} is not a multiple of 8", hd.process_capacity),
        ),
        (
            aligned(slots_offset) && slots_offset >= process_end,
            h::SLOTS_OFFSET,
            format!(
                "slots_offset {slots_offset} is not a multiple of 8 at or after the process area end ({process_end})"
            ),
        ),
        (aligned(hd.slot_size.into()), h::SLOT_SIZE, format!("slot_size {} is not a multiple of 8", hd.slot_size)),
        (
            hd.slot_count >= 1 && slots_end <= size,
            h::SLOT_COUNT,
            format!(
                "{} slots of {} bytes from {slots_offset} end at {slots_end}; want at least 1 slot, ending by the \
                 file size {size}",
                hd.slot_count, hd.slot_size
            ),
        ),
    ];
    rules.into_iter().find(|(ok, _, _)| !ok).map(|(_, at, why)| (ErrorCode::BadRegion, at, why))
}

/// The byte ranges of an entry's parts (absolute offsets), from its fixed part.
struct Parts {
    name: std::ops::Range<usize>,
    unit: std::ops::Range<usize>,
    help: std::ops::Range<usize>,
    attributes: std::ops::Range<usize>,
    /// `extra` starts after the padding, at a multiple of 8 from the entry's start.
    extra_at: usize,
    extra_size: usize,
}

impl Parts {
    fn read(data: &[u8], e: usize, fixed: usize) -> Parts {
        let size = |field| usize::from(u16_at(data, e + field));
        let name = e + fixed..e + fixed + size(en::NAME_SIZE);
        let unit = name.end..name.end + size(en::UNIT_SIZE);
        let help = unit.end..unit.end + size(en::HELP_SIZE);
        let attributes = help.end..help.end + size(en::ATTRIBUTES_SIZE);
        let extra_at = e + (attributes.end - e).next_multiple_of(l::ALIGN as usize);
        let extra_size = u32_at(data, e + en::EXTRA_SIZE) as usize;
        Parts { name, unit, help, attributes, extra_at, extra_size }
    }
}

/// The index of the first byte of the first ill-formed sequence, or None when `bytes` is UTF-8.
fn utf8_error(bytes: &[u8]) -> Option<usize> {
    std::str::from_utf8(bytes).err().map(|e| e.valid_up_to())
}
