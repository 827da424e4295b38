//! `Stats`: one version 2 file for the whole process, and the builders of its fields.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mmstats_reader::show::escape_path;
use mmstats_reader::v2::{Kind, ValueType};

use super::create::{self, Geometry, Identity};
use super::fields::{Constant, ConstantValue, Counter, FieldBuilder, Gauge, Histogram, Text, UpDownCounter, What};
use super::shared::Shared;

/// Why a file could not be created. The message names the path; nothing that existed was touched.
#[derive(Debug)]
pub enum StatsError {
    /// The capacities cannot make a valid file.
    Geometry(String),
    Io {
        path: PathBuf,
        step: &'static str,
        source: io::Error,
    },
}

impl fmt::Display for StatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatsError::Geometry(why) => write!(f, "bad capacities: {why}"),
            StatsError::Io { path, step, source } => {
                write!(f, "{}: cannot create: {step}: {source}", escape_path(path.as_os_str()))
            }
        }
    }
}

impl std::error::Error for StatsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StatsError::Geometry(_) => None,
            StatsError::Io { source, .. } => Some(source),
        }
    }
}

/// How to create a file: `Stats::builder().path(p).slot_count(16).create()?`.
#[derive(Clone, Debug)]
pub struct StatsBuilder {
    path: Option<PathBuf>,
    geometry: Geometry,
    mode: u32,
    keep: bool,
    thread_slots: bool,
    heartbeat_interval_ms: u32,
    identity: Option<Identity>,
}

impl Default for StatsBuilder {
    fn default() -> Self {
        StatsBuilder {
            path: None,
            geometry: Geometry::default(),
            mode: crate::v1::file::DEFAULT_MODE,
            keep: false,
            thread_slots: true,
            heartbeat_interval_ms: 0,
            identity: None,
        }
    }
}

impl StatsBuilder {
    /// The file's path (default: [`default_path`]). It must not exist: a writer never replaces a file.
    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Bytes of metadata (entries); default 64 KiB.
    pub fn meta_capacity(mut self, bytes: u32) -> Self {
        self.geometry.meta_capacity = bytes;
        self
    }

    /// Bytes of the process area (gauges, constants, strings); default 64 KiB.
    pub fn process_capacity(mut self, bytes: u32) -> Self {
        self.geometry.process_capacity = bytes;
        self
    }

    /// Bytes of one slot (one copy of every counter and histogram); default 1 KiB.
    pub fn slot_size(mut self, bytes: u32) -> Self {
        self.geometry.slot_size = bytes;
        self
    }

    /// Slots, the shared slot 0 included; default 64 (63 threads get their own).
    pub fn slot_count(mut self, slots: u32) -> Self {
        self.geometry.slot_count = slots;
        self
    }

    /// Permission bits before the umask; default 0644.
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = mode;
        self
    }

    /// Keep the file at close (state closed, final values) instead of removing it.
    pub fn keep_on_close(mut self, keep: bool) -> Self {
        self.keep = keep;
        self
    }

    /// false: every thread updates the shared slot 0 (atomic read-modify-write); default true.
    pub fn thread_slots(mut self, on: bool) -> Self {
        self.thread_slots = on;
        self
    }

    /// The heartbeat interval promised in the header; the program calls [`Stats::heartbeat`] at least
    /// that often. Default 0: no heartbeat.
    pub fn heartbeat_interval_ms(mut self, ms: u32) -> Self {
        self.heartbeat_interval_ms = ms;
        self
    }

    /// Pins pid, start time and creation time (reproducible files in tests); default this process's own.
    pub fn identity(mut self, pid: u64, start_ticks: u64, created_unix_ns: u64) -> Self {
        self.identity = Some(Identity { pid, start_ticks, created_unix_ns });
        self
    }

    /// Creates, locks, maps and publishes the file (spec "Creating a file").
    pub fn create(self) -> Result<Stats, StatsError> {
        self.geometry.check().map_err(StatsError::Geometry)?;
        let identity = self.identity.unwrap_or_else(Identity::this_process);
        let path = self.path.unwrap_or_else(|| default_path(identity.start_ticks));
        let header = create::header(&self.geometry, &identity, self.heartbeat_interval_ms);
        let io_error = |step, source| StatsError::Io { path: path.clone(), step, source };
        let created = create::create(&path, &header, self.geometry.file_size(), self.mode)
            .map_err(|(step, e)| io_error(step, e))?;
        let shared = Shared::publish(created, path.clone(), self.geometry, self.thread_slots)
            .map_err(|e| io_error("fstat", e))?;
        Ok(Stats { file: Arc::new(shared), keep: self.keep, open: true })
    }
}

/// `MMSTATS_PATH` (else the system's temporary directory) / `{CMD}-{PID}-{START}.mmstats`: a reused pid
/// never names a dead process's file.
pub fn default_path(start_ticks: u64) -> PathBuf {
    let dir = std::env::var_os("MMSTATS_PATH").filter(|d| !d.is_empty()).map(PathBuf::from);
    let cmd = std::env::args_os().next().map(|a| crate::v1::defaults::command_name(Path::new(&a))).unwrap_or_default();
    let cmd = if cmd.is_empty() { "rust".to_string() } else { cmd };
    dir.unwrap_or_else(std::env::temp_dir).join(format!("{cmd}-{}-{start_ticks}.mmstats", std::process::id()))
}

/// One version 2 file: the process's metrics. `Send + Sync`; fields may be added at any time from
/// any thread. Dropping it closes the file (see [`Stats::close`]).
pub struct Stats {
    file: Arc<Shared>,
    keep: bool,
    open: bool,
}

impl Stats {
    pub fn builder() -> StatsBuilder {
        StatsBuilder::default()
    }

    /// A file at `path` with the default capacities.
    pub fn create(path: impl Into<PathBuf>) -> Result<Stats, StatsError> {
        Stats::builder().path(path).create()
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// A `u64` counter.
    pub fn counter(&self, name: &str) -> FieldBuilder<'_, Counter<u64>> {
        self.number(name, Kind::Counter, ValueType::U64)
    }

    /// An `f64` counter (seconds of CPU, bytes as a float).
    pub fn counter_f64(&self, name: &str) -> FieldBuilder<'_, Counter<f64>> {
        self.number(name, Kind::Counter, ValueType::F64)
    }

    /// An `i64` up-down counter.
    pub fn updown_counter(&self, name: &str) -> FieldBuilder<'_, UpDownCounter<i64>> {
        self.number(name, Kind::UpdownCounter, ValueType::I64)
    }

    pub fn updown_counter_f64(&self, name: &str) -> FieldBuilder<'_, UpDownCounter<f64>> {
        self.number(name, Kind::UpdownCounter, ValueType::F64)
    }

    /// An `f64` gauge.
    pub fn gauge(&self, name: &str) -> FieldBuilder<'_, Gauge<f64>> {
        self.number(name, Kind::Gauge, ValueType::F64)
    }

    pub fn gauge_i64(&self, name: &str) -> FieldBuilder<'_, Gauge<i64>> {
        self.number(name, Kind::Gauge, ValueType::I64)
    }

    pub fn gauge_u64(&self, name: &str) -> FieldBuilder<'_, Gauge<u64>> {
        self.number(name, Kind::Gauge, ValueType::U64)
    }

    /// A text that changes; `.capacity(n)` bytes (default 64), `.value(text)` before the first set.
    pub fn string(&self, name: &str) -> FieldBuilder<'_, Text> {
        FieldBuilder::new(&self.file, name, What::Text { capacity: 64, value: String::new() })
    }

    /// A histogram with these upper bounds (finite, strictly increasing; +Inf is implied).
    pub fn histogram(&self, name: &str, bounds: &[f64]) -> FieldBuilder<'_, Histogram> {
        FieldBuilder::new(&self.file, name, What::Histogram(bounds.to_vec()))
    }

    /// A constant: `stats.constant("build.version", "2.0.1").build()?` (u64, i64, f64 or text).
    pub fn constant(&self, name: &str, value: impl Into<ConstantValue>) -> FieldBuilder<'_, Constant> {
        FieldBuilder::new(&self.file, name, What::Constant(value.into(), None))
    }

    fn number<H>(&self, name: &str, kind: Kind, vt: ValueType) -> FieldBuilder<'_, H> {
        FieldBuilder::new(&self.file, name, What::Number(kind, vt))
    }

    /// Release-stores now into heartbeat_unix_ns.
    pub fn heartbeat(&self) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64);
        self.file.heartbeat(now.unwrap_or(0));
    }

    /// Closes the file: state closed (the values are final), then removes it unless the builder said
    /// `keep_on_close(true)`. The lock is released when the last handle is dropped (the descriptor is
    /// closed after the mapping). Handles still alive keep working on the closed file.
    pub fn close(mut self) -> io::Result<()> {
        self.open = false;
        let keep = self.keep;
        self.file.close(keep)
    }

    /// Closes and removes the file, whatever the builder said.
    pub fn close_removing(mut self) -> io::Result<()> {
        self.open = false;
        self.file.close(false)
    }

    /// Closes and keeps the file, whatever the builder said.
    pub fn close_and_keep(mut self) -> io::Result<()> {
        self.open = false;
        self.file.close(true)
    }
}

impl fmt::Debug for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stats").field("path", &self.path()).field("keep", &self.keep).finish_non_exhaustive()
    }
}

impl Drop for Stats {
    fn drop(&mut self) {
        if self.open {
            let _ = self.file.close(self.keep);
        }
    }
}

// Compile-time promise: files and handles move and share across threads.
const _: fn() = || {
    fn both<T: Send + Sync>() {}
    both::<Stats>();
    both::<Counter<u64>>();
    both::<Counter<f64>>();
    both::<UpDownCounter<i64>>();
    both::<Gauge<f64>>();
    both::<Text>();
    both::<Histogram>();
};
