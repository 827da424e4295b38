//! One metadata entry's bytes (spec "Metadata entries"), checked before anything is written.
//! Offsets come from the reader crate's layout module, which its tests check against the spec's tables.

use std::fmt;

use mmstats_reader::v2::layout::{entry as e, ALIGN, ENTRY_FIXED_SIZE, UNIT_MAX};
use mmstats_reader::v2::{Kind, ValueType};

/// The code of `kind` in the kinds table.
pub fn kind_code(kind: Kind) -> u8 {
    match kind {
        Kind::Counter => 1,
        Kind::Gauge => 2,
        Kind::UpdownCounter => 3,
        Kind::Constant => 4,
        Kind::String => 5,
        Kind::Histogram => 6,
    }
}

/// The code of `value_type` in the value types table.
pub fn value_type_code(value_type: ValueType) -> u8 {
    match value_type {
        ValueType::U64 => 1,
        ValueType::I64 => 2,
        ValueType::F64 => 3,
        ValueType::Utf8 => 4,
    }
}

/// Why a field description was refused; nothing was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldError {
    /// The name is empty or longer than 65535 bytes.
    BadName(String),
    /// The unit is longer than 63 bytes or holds a byte outside 0x21..=0x7e.
    BadUnit { name: String, unit: String },
    /// Help text longer than 65535 bytes.
    BadHelp(String),
    /// An empty or repeated key, or more than 65535 bytes of attributes (or of one key or value).
    BadAttributes { name: String, why: String },
    /// Histogram bounds that are not finite and strictly increasing.
    BadBounds(String),
    /// A field with this name and these attributes exists already.
    Duplicate(String),
    /// A string capacity the format cannot hold.
    BadCapacity(String),
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldError::BadName(n) => write!(f, "field name {n:?}: must be 1 to 65535 bytes"),
            FieldError::BadUnit { name, unit } => {
                write!(f, "field {name:?}: unit {unit:?}: at most {UNIT_MAX} bytes of printable ASCII without spaces")
            }
            FieldError::BadHelp(n) => write!(f, "field {n:?}: help text over 65535 bytes"),
            FieldError::BadAttributes { name, why } => write!(f, "field {name:?}: attributes: {why}"),
            FieldError::BadBounds(n) => write!(f, "histogram {n:?}: bounds must be finite and strictly increasing"),
            FieldError::Duplicate(n) => write!(f, "field {n:?} with these attributes exists already"),
            FieldError::BadCapacity(n) => write!(f, "string {n:?}: capacity too large"),
        }
    }
}

impl std::error::Error for FieldError {}

/// The descriptive part of an entry, checked: name, unit, help and the encoded attribute pairs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description {
    pub name: String,
    pub unit: String,
    pub help: String,
    pub attributes: Vec<(String, String)>,
    encoded_attributes: Vec<u8>,
}

impl Description {
    pub fn new(name: &str, unit: &str, help: &str, attributes: &[(String, String)]) -> Result<Description, FieldError> {
        if name.is_empty() || name.len() > usize::from(u16::MAX) {
            return Err(FieldError::BadName(name.into()));
        }
        if unit.len() > UNIT_MAX as usize || !unit.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(FieldError::BadUnit { name: name.into(), unit: unit.into() });
        }
        if help.len() > usize::from(u16::MAX) {
            return Err(FieldError::BadHelp(name.into()));
        }
        let bad = |why: String| FieldError::BadAttributes { name: name.into(), why };
        let mut encoded = Vec::new();
        for (i, (k, v)) in attributes.iter().enumerate() {
            if k.is_empty() {
                return Err(bad("an empty key".into()));
            }
            if attributes[..i].iter().any(|(earlier, _)| earlier == k) {
                return Err(bad(format!("key {k:?} twice")));
            }
            for part in [k, v] {
                let size = u16::try_from(part.len()).map_err(|_| bad(format!("{part:.20?}... over 65535 bytes")))?;
                encoded.extend_from_slice(&size.to_le_bytes());
                encoded.extend_from_slice(part.as_bytes());
            }
        }
        if encoded.len() > usize::from(u16::MAX) {
            return Err(bad("over 65535 bytes in all".into()));
        }
        Ok(Description {
            name: name.into(),
            unit: unit.into(),
            help: help.into(),
            attributes: attributes.to_vec(),
            encoded_attributes: encoded,
        })
    }

    /// Fixed part, name, unit, help and attributes, padded to a multiple of 8: where `extra` starts.
    fn padded_size(&self) -> usize {
        let n = ENTRY_FIXED_SIZE as usize
            + self.name.len()
            + self.unit.len()
            + self.help.len()
            + self.encoded_attributes.len();
        n.next_multiple_of(ALIGN as usize)
    }

    /// The bytes of the whole entry with `extra` (a histogram's bounds) after the padding.
    pub fn size(&self, extra: &[u8]) -> usize {
        self.padded_size() + extra.len()
    }

    /// The entry: fixed part, texts, zero padding, extra. `extra.len()` is a multiple of 8.
    pub fn encode(
        &self,
        kind: Kind,
        value_type: ValueType,
        value_offset: u32,
        value_size: u32,
        extra: &[u8],
    ) -> Vec<u8> {
        debug_assert_eq!(extra.len() % ALIGN as usize, 0);
        let size = self.size(extra);
        let mut out = vec![0u8; size];
        let put16 = |out: &mut Vec<u8>, at: usize, v: usize| {
            out[at..at + 2].copy_from_slice(&(v as u16).to_le_bytes());
        };
        let put32 = |out: &mut Vec<u8>, at: usize, v: usize| {
            out[at..at + 4].copy_from_slice(&(v as u32).to_le_bytes());
        };
        put32(&mut out, e::ENTRY_SIZE, size);
        out[e::KIND] = kind_code(kind);
        out[e::VALUE_TYPE] = value_type_code(value_type);
        put32(&mut out, e::VALUE_OFFSET, value_offset as usize);
        put32(&mut out, e::VALUE_SIZE, value_size as usize);
        put16(&mut out, e::NAME_SIZE, self.name.len());
        put16(&mut out, e::UNIT_SIZE, self.unit.len());
        put16(&mut out, e::HELP_SIZE, self.help.len());
        put16(&mut out, e::ATTRIBUTES_SIZE, self.encoded_attributes.len());
        put32(&mut out, e::EXTRA_SIZE, extra.len());
        let mut at = ENTRY_FIXED_SIZE as usize;
        for part in [self.name.as_bytes(), self.unit.as_bytes(), self.help.as_bytes(), &self.encoded_attributes] {
            out[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        let p = self.padded_size();
        out[p..p + extra.len()].copy_from_slice(extra);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_readers() {
        for k in [Kind::Counter, Kind::Gauge, Kind::UpdownCounter, Kind::Constant, Kind::String, Kind::Histogram] {
            assert_eq!(Kind::from_code(kind_code(k)), Some(k));
        }
        for t in [ValueType::U64, ValueType::I64, ValueType::F64, ValueType::Utf8] {
            assert_eq!(ValueType::from_code(value_type_code(t)), Some(t));
        }
    }

    #[test]
    fn descriptions_are_checked() {
        let attrs =
            |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        assert!(matches!(Description::new("", "", "", &[]), Err(FieldError::BadName(_))));
        assert!(matches!(Description::new("a", "m s", "", &[]), Err(FieldError::BadUnit { .. })));
        assert!(matches!(Description::new("a", &"m".repeat(64), "", &[]), Err(FieldError::BadUnit { .. })));
        assert!(Description::new("a", &"m".repeat(63), "", &[]).is_ok());
        assert!(matches!(Description::new("a", "", "", &attrs(&[("", "x")])), Err(FieldError::BadAttributes { .. })));
        assert!(matches!(
            Description::new("a", "", "", &attrs(&[("k", "1"), ("k", "2")])),
            Err(FieldError::BadAttributes { .. })
        ));
        assert!(Description::new("a", "", "", &attrs(&[("k", "")])).is_ok());
    }

    #[test]
    fn an_entry_is_padded_to_8_with_extra_after() {
        // Fixed 32 + "http.latency" 12 + "ms" 2 + "Request latency" 15 = 61, padded to 64, + 16 of bounds:
        // the spec's histogram example (entry at 0x80, entry_size 80).
        let d = Description::new("http.latency", "ms", "Request latency", &[]).unwrap();
        let extra: Vec<u8> = [10.0f64, 100.0].iter().flat_map(|b| b.to_le_bytes()).collect();
        let bytes = d.encode(Kind::Histogram, ValueType::F64, 0, 40, &extra);
        assert_eq!(bytes.len(), 80);
        assert_eq!(&bytes[..8], &[80, 0, 0, 0, 6, 3, 0, 0]);
        assert_eq!(&bytes[12..16], &40u32.to_le_bytes());
        assert_eq!(&bytes[16..24], &[12, 0, 2, 0, 15, 0, 0, 0]);
        assert_eq!(&bytes[24..28], &16u32.to_le_bytes());
        assert_eq!(&bytes[32..44], b"http.latency");
        assert_eq!(&bytes[61..64], &[0, 0, 0]);
        assert_eq!(&bytes[64..72], &10.0f64.to_le_bytes());
    }
}
