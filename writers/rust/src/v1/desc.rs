//! Describing fields: label, type signature, buffered or not, and an optional initial value.

use std::fmt;

use mmstats_reader::{v1, Kind, TypeSpec};

/// A value stored in the image before the file is published (spec "Creating a file", step 2).
#[derive(Clone, Debug, PartialEq)]
pub enum Initial {
    /// Any integer field; stored modulo 2^bits.
    Int(i128),
    /// `f` or `d`; `f` rounds to binary32.
    Float(f64),
    Bool(bool),
    /// A `<N>s` field; cut to N bytes on a character boundary.
    Text(String),
}

/// One field of a file to create. The layout never changes after creation.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDesc {
    pub label: String,
    /// A version 1 type signature: `b B h H i I q Q f d ?` or `<N>s`.
    pub signature: String,
    /// Two values and a write-buffer byte (RECOMMENDED for values that change after publication).
    pub buffered: bool,
    /// The value in the image; None means zero (strings all NUL).
    pub initial: Option<Initial>,
}

impl FieldDesc {
    pub fn new(label: impl Into<String>, signature: impl Into<String>, buffered: bool) -> FieldDesc {
        FieldDesc { label: label.into(), signature: signature.into(), buffered, initial: None }
    }

    /// A field that gets `value` in the image, before readers can see the file.
    pub fn with_initial(mut self, value: Initial) -> FieldDesc {
        self.initial = Some(value);
        self
    }
}

/// Why a description was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescError {
    /// Index of the field in the description list.
    pub index: usize,
    pub label: String,
    pub reason: String,
}

impl fmt::Display for DescError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field {} ({:?}): {}", self.index, self.label, self.reason)
    }
}

impl std::error::Error for DescError {}

/// Labels are 1 to 65535 bytes (a label size of 0 is the terminator).
pub const MAX_LABEL_SIZE: usize = u16::MAX as usize;

/// Checks every description: label length, known type, initial value of the right kind, no label
/// twice (the format allows duplicates, but a label names a field and this writer looks fields up by
/// label). Returns the type of each field.
pub fn check(fields: &[FieldDesc]) -> Result<Vec<TypeSpec>, DescError> {
    let mut specs = Vec::with_capacity(fields.len());
    let mut labels = std::collections::HashSet::with_capacity(fields.len());
    for (index, f) in fields.iter().enumerate() {
        let refuse = |reason: String| DescError { index, label: f.label.clone(), reason };
        if f.label.is_empty() || f.label.len() > MAX_LABEL_SIZE {
            return Err(refuse(format!("a label has 1 to {MAX_LABEL_SIZE} bytes, this one {}", f.label.len())));
        }
        let spec = v1::lookup(f.signature.as_bytes())
            .ok_or_else(|| refuse(format!("type {:?} is not in the version 1 type table", f.signature)))?;
        if let Some(initial) = &f.initial {
            let fits = match initial {
                Initial::Int(_) => spec.kind.is_integer(),
                Initial::Float(_) => spec.kind.is_float(),
                Initial::Bool(_) => spec.kind == Kind::Bool,
                Initial::Text(_) => spec.kind == Kind::Text,
            };
            if !fits {
                return Err(refuse(format!("initial value {initial:?} does not fit type {:?}", f.signature)));
            }
        }
        if !labels.insert(f.label.as_str()) {
            return Err(refuse("the label is used by an earlier field".to_string()));
        }
        specs.push(spec);
    }
    Ok(specs)
}
