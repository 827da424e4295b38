//! Writer of mmstats files, format version 1 (spec/v1.md in the mmstats repository).
//!
//! ```no_run
//! use mmstats_writer::{FieldDesc, MmstatsFile};
//!
//! let fields = [FieldDesc::new("requests", "Q", true), FieldDesc::new("last_path", "64s", false)];
//! let file = MmstatsFile::create("/tmp/app-1234.mmstats", &fields)?;
//! let mut requests = file.slot::<u64>("requests")?; // look up once, keep the handle
//! let mut last_path = file.text("last_path")?;
//! requests.incr(1); // hot path: a fence, one store, one release store; no locks, no system calls
//! last_path.set("/index.html");
//! drop((requests, last_path));
//! file.remove()?; // or file.close() to keep it for readers
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - [`desc`]: field descriptions; [`defaults`]: the sys.* default fields and the default file name; [`image`]: the layout and the unpublished image;
//! - [`MmstatsFile`]: exclusive creation, publication (version byte last), handles, close/remove;
//! - [`Slot`], [`TextSlot`], [`AnySlot`]: one handle per field, the writer protocol's hot path;
//! - [`scenario`]: the conformance suite's writer scenarios (`mmstats-rust-write`).

pub mod defaults;
pub mod desc;
pub mod encode;
mod file;
pub mod image;
mod mapping;
pub mod scenario;
pub mod slot;
mod stale;

pub use defaults::{default_fields, default_path};
pub use desc::{DescError, FieldDesc, Initial};
pub use file::{CreateError, MmstatsFile, Options, SlotError, DEFAULT_MODE};
pub use slot::{AnySlot, Integer, Scalar, Slot, TextSlot, WrongKind};
