//! Reader, re-reader and validator of mmstats files (spec/v1.md and spec/v2.md in the mmstats repository).
//!
//! - [`scan`]: one pass over a file's bytes: every field's layout and every problem (code + offset).
//! - [`read()`] / [`validate()`]: a file by path, read into memory (never mapped), with a size limit;
//!   [`open`] opens every file, never blocking, and refuses anything but a regular file.
//! - [`StatsReader`]: polls a path, parsing the layout once and re-reading only the values;
//!   [`v2::Poller`] and [`v2::MappedPoller`] do that for version 2, the latter through a shared mapping.
//! - [`canonical`]: the canonical JSON form; [`json`] and [`compare`] parse and compare such objects.
//!
//! Everything specific to format version 1 lives in [`v1`], to version 2 in [`v2`]; [`scan`] dispatches on
//! the version byte, and [`read_document`] returns either version's decoded form.

pub mod canonical;
#[doc(hidden)]
pub mod cli;
pub mod compare;
pub mod error;
pub mod json;
pub mod open;
pub mod read;
pub mod reread;
mod scan;
pub mod show;
pub mod types;
pub mod v1;
pub mod v2;
pub mod value;

pub use error::{ErrorCode, FormatError, ReadError};
pub use read::{decode_bytes, read, read_bytes, read_document, validate, Document, Field, DEFAULT_MAX_SIZE};
pub use reread::{CompiledLayout, StatsReader, RETRIES};
pub use scan::{scan, sort_problems, FieldLayout};
pub use types::{Kind, TypeSpec};
pub use value::Value;
