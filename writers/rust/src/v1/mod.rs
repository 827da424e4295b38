//! Format version 1 (spec/v1.md): the 2011 layout, one file per thread, values behind a one-bit write
//! buffer. Everything specific to version 1 lives here; [`crate::scenario_file`] dispatches to it.

pub mod defaults;
pub mod desc;
pub mod encode;
pub(crate) mod file;
pub mod image;
pub mod scenario;
pub mod slot;
mod stale;
