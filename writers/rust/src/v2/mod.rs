//! Format version 2 (spec/v2.md): one file per process, a slot per writer thread, every number one
//! aligned 8-byte word. Everything specific to version 2 lives here.
//!
//! ```no_run
//! use mmstats_writer::v2::Stats;
//!
//! let stats = Stats::builder().path("/dev/shm/app.mmstats").create()?;
//! let requests = stats.counter("http.requests").help("Requests served").unit("{request}")
//!     .attr("status", "2xx").build()?;
//! requests.add(1); // the thread's own slot: a relaxed load and store, no lock
//! let latency = stats.histogram("http.latency", &[10.0, 100.0]).unit("ms").build()?;
//! latency.observe(42.0);
//! stats.close()?; // state closed, file removed (unless keep_on_close)
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - [`create`]: the creation protocol; [`entry`]: entry bytes; [`stats`]: the file and its builders;
//! - `fields`: handles; `shared`: the mapping and registration; `slots`: thread slots; `seqlock`,
//!   `number`: how values are updated; `fork`: a forked child leaves its parent's file alone;
//! - [`scenario`]: the conformance suite's version 2 writer scenarios.

pub mod create;
pub mod entry;
mod fields;
mod fork;
mod number;
pub mod scenario;
mod seqlock;
mod shared;
mod slots;
pub mod stats;

pub use entry::FieldError;
pub use fields::{Constant, ConstantValue, Counter, FieldBuilder, Gauge, Histogram, LocalCounter, Text, UpDownCounter};
pub use number::{CounterNumber, GaugeNumber, Number, UpDownNumber};
pub use stats::{default_path, Stats, StatsBuilder, StatsError};
