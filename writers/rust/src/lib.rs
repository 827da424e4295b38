//! Writer of mmstats files. Format version 2 (spec/v2.md) is the default: one file per process, a
//! slot per writer thread, a counter increment costing a relaxed load and store.
//!
//! ```no_run
//! use mmstats_writer::Stats;
//!
//! let stats = Stats::builder().path("/dev/shm/app.mmstats").create()?;
//! let requests = stats.counter("http.requests").help("Requests").unit("{request}").attr("status", "2xx").build()?;
//! requests.add(1);
//! stats.close()?; // state closed; the file is removed unless kept
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Format version 1 (spec/v1.md, the 2011 layout, one file per thread) stays selectable and writes
//! exactly what it always did: [`MmstatsFile`], [`FieldDesc`] and the modules of [`v1`].
//!
//! - [`v2`]: everything specific to version 2; [`v1`]: everything specific to version 1;
//! - [`run_scenario`]: a conformance writer scenario of either version, by its `format_version`.

mod mapping;
pub mod v1;
pub mod v2;

use std::path::Path;

use mmstats_reader::json::{self, Json};

pub use v1::defaults::{default_fields, default_path};
pub use v1::desc::{DescError, FieldDesc, Initial};
pub use v1::file::{CreateError, MmstatsFile, Options, SlotError, DEFAULT_MODE};
pub use v1::slot::{AnySlot, Integer, Scalar, Slot, TextSlot, WrongKind};
pub use v1::{defaults, desc, encode, image, scenario, slot};
pub use v2::{
    Counter, FieldError, Gauge, Histogram, LocalCounter, Stats, StatsBuilder, StatsError, Text, UpDownCounter,
};

/// Why a scenario produced no file.
#[derive(Debug, PartialEq, Eq)]
pub enum ScenarioFailure {
    /// The scenario is not one this writer can run (the message says which member); nothing was created.
    Scenario(String),
    /// Writing failed; the message names the output file, which was not left behind half made.
    Write(String),
}

/// Writes the file of the writer scenario `text` at `out`, which must not exist: the one dispatch on
/// the format version (the scenario's `format_version`, 1 when absent).
pub fn run_scenario(text: &str, out: &Path) -> Result<(), ScenarioFailure> {
    use ScenarioFailure::{Scenario, Write};
    let doc = json::parse(text).map_err(|e| Scenario(format!("not JSON: {e}")))?;
    match doc.get("format_version").map(Json::as_integer_text) {
        None | Some(Some("1")) => {
            let s = v1::scenario::parse(text).map_err(|e| Scenario(e.to_string()))?;
            v1::scenario::run(&s, out).map_err(|e| Write(e.to_string()))
        }
        Some(Some("2")) => {
            let s = v2::scenario::parse(&doc).map_err(Scenario)?;
            v2::scenario::run(&s, out).map_err(Write)
        }
        Some(_) => Err(Scenario("format_version: not one this writer writes (1 or 2)".into())),
    }
}
