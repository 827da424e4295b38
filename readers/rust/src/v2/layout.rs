//! Version 2's constants, named offsets, code tables and the header (spec/v2.md, generated tables).
//! `tests/v2_layout.rs` checks every offset here against the spec's tables.

/// Byte 0 of every version 2 file.
pub const FORMAT_VERSION: u8 = 2;
/// Bytes 1 to 7.
pub const MAGIC: &[u8; 7] = b"MMSTATS";
/// The file size is a positive multiple of this.
pub const PAGE_SIZE: u64 = 4096;
/// Regions, entries, values and value offsets are multiples of this; also the size of one number.
pub const ALIGN: u64 = 8;
/// Bytes of the header in minor 0: the least a header may have.
pub const HEADER_SIZE: u64 = 128;
/// Bytes of an entry's fixed part in minor 0: the least it may have.
pub const ENTRY_FIXED_SIZE: u64 = 32;
/// Longest unit, in bytes.
pub const UNIT_MAX: u64 = 63;
/// Attempts per copy of a multi-word value before it reads as no value (spec "Retry bound").
pub const RETRIES: usize = 100;
/// The reader yields the processor after this many attempts.
pub const YIELD_EVERY: usize = 10;

/// Offsets of the header fields.
pub mod header {
    pub const VERSION: usize = 0;
    pub const MAGIC: usize = 1;
    pub const MINOR: usize = 8;
    pub const HEADER_SIZE: usize = 10;
    pub const STATE: usize = 12;
    pub const PID: usize = 16;
    pub const START_TICKS: usize = 24;
    pub const CREATED_UNIX_NS: usize = 32;
    pub const HEARTBEAT_UNIX_NS: usize = 40;
    pub const HEARTBEAT_INTERVAL_MS: usize = 48;
    pub const ENTRY_FIXED_SIZE: usize = 52;
    pub const FLAGS: usize = 54;
    pub const META_OFFSET: usize = 56;
    pub const META_CAPACITY: usize = 60;
    pub const PROCESS_OFFSET: usize = 64;
    pub const PROCESS_CAPACITY: usize = 68;
    pub const SLOTS_OFFSET: usize = 72;
    pub const SLOT_SIZE: usize = 76;
    pub const SLOT_COUNT: usize = 80;
    pub const SLOTS_USED: usize = 84;
    pub const FIELD_COUNT: usize = 88;
    pub const OVERFLOW_COUNT: usize = 92;
    pub const RESERVED: usize = 96;
}

/// Offsets in a metadata entry's fixed part.
pub mod entry {
    pub const ENTRY_SIZE: usize = 0;
    pub const KIND: usize = 4;
    pub const VALUE_TYPE: usize = 5;
    pub const FLAGS: usize = 6;
    pub const VALUE_OFFSET: usize = 8;
    pub const VALUE_SIZE: usize = 12;
    pub const NAME_SIZE: usize = 16;
    pub const UNIT_SIZE: usize = 18;
    pub const HELP_SIZE: usize = 20;
    pub const ATTRIBUTES_SIZE: usize = 22;
    pub const EXTRA_SIZE: usize = 24;
    pub const RESERVED: usize = 28;
}

/// Offsets in an attribute pair, before the key's and the value's bytes.
pub mod attribute {
    /// Bytes of `key_size` and of `value_size`.
    pub const SIZE_SIZE: usize = 2;
}

/// Offsets in a string value.
pub mod string {
    pub const SEQ: usize = 0;
    pub const LENGTH: usize = 8;
    pub const RESERVED: usize = 12;
    pub const TEXT: usize = 16;
}

/// Offsets in one copy of a histogram value.
pub mod histogram {
    pub const SEQ: usize = 0;
    pub const SUM: usize = 8;
    pub const BUCKETS: usize = 16;
}

/// The lifecycle states (header `state`).
pub const STATE_CREATING: u32 = 0;
pub const STATE_READY: u32 = 1;
pub const STATE_CLOSED: u32 = 2;

/// The name of a state a decoded file can have.
pub fn state_name(state: u32) -> &'static str {
    match state {
        STATE_CREATING => "creating",
        STATE_READY => "ready",
        STATE_CLOSED => "closed",
        _ => "unknown",
    }
}

/// Where a kind keeps its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// One copy in the process area.
    Process,
    /// One copy per slot; the value is their sum.
    Slots,
}

/// What a field means (the kinds table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    UpdownCounter,
    Constant,
    String,
    Histogram,
}

/// How a value is stored (the value types table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    U64,
    I64,
    F64,
    Utf8,
}

impl Kind {
    /// The kind of `code`, or None for a kind this reader does not know (the entry is skipped).
    pub fn from_code(code: u8) -> Option<Kind> {
        Some(match code {
            1 => Kind::Counter,
            2 => Kind::Gauge,
            3 => Kind::UpdownCounter,
            4 => Kind::Constant,
            5 => Kind::String,
            6 => Kind::Histogram,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::UpdownCounter => "updown_counter",
            Kind::Constant => "constant",
            Kind::String => "string",
            Kind::Histogram => "histogram",
        }
    }

    pub fn storage(self) -> Storage {
        match self {
            Kind::Counter | Kind::UpdownCounter | Kind::Histogram => Storage::Slots,
            Kind::Gauge | Kind::Constant | Kind::String => Storage::Process,
        }
    }

    /// The value types the kind allows.
    pub fn allowed(self) -> &'static [ValueType] {
        use ValueType::*;
        match self {
            Kind::Counter => &[U64, F64],
            Kind::Gauge => &[U64, I64, F64],
            Kind::UpdownCounter => &[I64, F64],
            Kind::Constant => &[U64, I64, F64, Utf8],
            Kind::String => &[Utf8],
            Kind::Histogram => &[F64],
        }
    }
}

impl ValueType {
    /// The value type of `code`, or None for one this reader does not know (the entry is skipped).
    pub fn from_code(code: u8) -> Option<ValueType> {
        Some(match code {
            1 => ValueType::U64,
            2 => ValueType::I64,
            3 => ValueType::F64,
            4 => ValueType::Utf8,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ValueType::U64 => "u64",
            ValueType::I64 => "i64",
            ValueType::F64 => "f64",
            ValueType::Utf8 => "utf8",
        }
    }
}

/// The little-endian integer of N bytes at `at`.
fn le<const N: usize>(data: &[u8], at: usize) -> [u8; N] {
    data[at..at + N].try_into().expect("N bytes")
}

pub(crate) fn u16_at(data: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(le(data, at))
}

pub(crate) fn u32_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(le(data, at))
}

pub(crate) fn u64_at(data: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(le(data, at))
}

/// The header fields a reader uses, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub minor: u16,
    pub header_size: u16,
    pub state: u32,
    pub pid: u64,
    pub start_ticks: u64,
    pub created_unix_ns: u64,
    pub heartbeat_unix_ns: u64,
    pub heartbeat_interval_ms: u32,
    pub entry_fixed_size: u16,
    pub meta_offset: u32,
    pub meta_capacity: u32,
    pub process_offset: u32,
    pub process_capacity: u32,
    pub slots_offset: u32,
    pub slot_size: u32,
    pub slot_count: u32,
    pub slots_used: u32,
    pub field_count: u32,
    pub overflow_count: u32,
}

impl Header {
    /// The header in `data`, which holds at least HEADER_SIZE bytes.
    pub fn parse(data: &[u8]) -> Header {
        use header as h;
        Header {
            minor: u16_at(data, h::MINOR),
            header_size: u16_at(data, h::HEADER_SIZE),
            state: u32_at(data, h::STATE),
            pid: u64_at(data, h::PID),
            start_ticks: u64_at(data, h::START_TICKS),
            created_unix_ns: u64_at(data, h::CREATED_UNIX_NS),
            heartbeat_unix_ns: u64_at(data, h::HEARTBEAT_UNIX_NS),
            heartbeat_interval_ms: u32_at(data, h::HEARTBEAT_INTERVAL_MS),
            entry_fixed_size: u16_at(data, h::ENTRY_FIXED_SIZE),
            meta_offset: u32_at(data, h::META_OFFSET),
            meta_capacity: u32_at(data, h::META_CAPACITY),
            process_offset: u32_at(data, h::PROCESS_OFFSET),
            process_capacity: u32_at(data, h::PROCESS_CAPACITY),
            slots_offset: u32_at(data, h::SLOTS_OFFSET),
            slot_size: u32_at(data, h::SLOT_SIZE),
            slot_count: u32_at(data, h::SLOT_COUNT),
            slots_used: u32_at(data, h::SLOTS_USED),
            field_count: u32_at(data, h::FIELD_COUNT),
            overflow_count: u32_at(data, h::OVERFLOW_COUNT),
        }
    }

    /// One past the metadata region.
    pub fn meta_end(&self) -> u64 {
        u64::from(self.meta_offset) + u64::from(self.meta_capacity)
    }

    /// One past the last used slot: values a reader copies lie in `process_offset..values_end()`.
    pub fn values_end(&self) -> u64 {
        u64::from(self.slots_offset) + u64::from(self.slots_used) * u64::from(self.slot_size)
    }
}
