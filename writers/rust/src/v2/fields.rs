//! Field builders and handles. A handle is `Send + Sync + Clone` and keeps its file mapped; the
//! calling thread's slot is found per update (see `slots`), except by a `LocalCounter`, one thread's
//! handle with its slot found once. A field the full file could not publish gets a handle to private
//! memory: it works, and no reader sees it.

use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use mmstats_reader::v2::layout::{histogram as hg, string as st, ALIGN};
use mmstats_reader::v2::{Kind, ValueType};

use super::entry::{Description, FieldError};
use super::number::{CounterNumber, GaugeNumber, Number, UpDownNumber};
use super::seqlock;
use super::shared::{NewField, Placed, Shared};
use super::slots;

/// Where a handle's words are.
#[derive(Clone)]
enum Words {
    /// In the file: at this offset of each slot (slotted kinds) or of the file (process kinds).
    File(usize),
    /// Not published: private words, updated as a shared copy.
    Private(Arc<[AtomicU64]>),
}

#[derive(Clone)]
struct Value {
    /// The file's id when `words` is in a slot of the file, else `NO_FILE`: what the hot path compares
    /// with the thread's last slot, kept in the handle so that it needs no other load.
    id: u64,
    /// The offset of a slotted value in its slot.
    at: usize,
    file: Arc<Shared>,
    words: Words,
    len: usize,
}

/// An id no file has (ids count from 1, and a thread's empty cell holds 0).
const NO_FILE: u64 = u64::MAX;

impl Value {
    fn new(file: &Arc<Shared>, placed: Placed, base: usize, len: usize) -> Value {
        let (id, at, words) = match placed {
            Placed::At(offset) => (if base == 0 { file.id } else { NO_FILE }, offset, Words::File(base + offset)),
            Placed::Unpublished => (NO_FILE, 0, Words::Private((0..len).map(|_| AtomicU64::new(0)).collect())),
        };
        Value { id, at, file: file.clone(), words, len }
    }

    /// A process value's words.
    #[inline(always)]
    fn single(&self) -> &[AtomicU64] {
        match &self.words {
            Words::File(at) => self.file.words(*at, self.len),
            Words::Private(p) => p,
        }
    }

    /// The calling thread's copy of a slotted value, and whether the thread owns it.
    #[inline(always)]
    fn copy(&self) -> (&[AtomicU64], bool) {
        let (id, base, exclusive) = slots::last();
        let (base, exclusive) = match &self.words {
            _ if id == self.id => (base as *mut u8, exclusive),
            Words::File(_) => slots::slot(&self.file),
            Words::Private(p) => return (p, false),
        };
        // SAFETY: `base` is a slot of the mapping `self.file` keeps alive (ids are never reused); registration
        // placed the value's `len` words inside every slot at `at`, 8-aligned; only accessed atomically.
        (unsafe { std::slice::from_raw_parts(base.add(self.at).cast::<AtomicU64>(), self.len) }, exclusive)
    }

    /// The calling thread's copy of a one-word slotted value (a counter): `copy` without the slice, and
    /// when the thread's last slot is of this file, nothing loaded but that thread-local cell.
    #[inline(always)]
    fn copy_word(&self) -> (&AtomicU64, bool) {
        let (id, base, exclusive) = slots::last();
        if id == self.id {
            // SAFETY: as in `copy`: `base` is this file's slot (the ids matched; ids are never reused).
            return (unsafe { AtomicU64::from_ptr((base + self.at) as *mut u64) }, exclusive);
        }
        self.copy_word_slow()
    }

    #[cold]
    #[inline(never)]
    fn copy_word_slow(&self) -> (&AtomicU64, bool) {
        let (words, exclusive) = self.copy();
        (&words[0], exclusive)
    }

    /// The calling thread's copy of a one-word slotted value found now, for a `LocalCounter`, with the
    /// thread's lease on its slot (None for slot 0 and private words, which are never given back).
    #[inline]
    fn local_word(&self) -> (&AtomicU64, bool, Option<Rc<slots::Lease>>) {
        let (base, exclusive, lease) = match &self.words {
            Words::Private(p) => return (&p[0], false, None),
            Words::File(_) => match slots::lease(&self.file) {
                Some((base, exclusive, lease)) => (base, exclusive, Some(lease)),
                None => (self.file.slot_base(0), false, None),
            },
        };
        // SAFETY: as in `copy`: `base` is a slot of the mapping `self.file` keeps alive for as long as `self`
        // is borrowed; the value's word is at `at` in every slot, 8-aligned, and only accessed atomically.
        (unsafe { AtomicU64::from_ptr(base.add(self.at).cast::<u64>()) }, exclusive, lease)
    }

    fn is_published(&self) -> bool {
        matches!(self.words, Words::File(_))
    }
}

/// A total that only grows (kind counter), `u64` or `f64`, one copy per slot.
#[derive(Clone)]
pub struct Counter<T: CounterNumber = u64> {
    value: Value,
    _t: PhantomData<fn(T)>,
}

impl<T: CounterNumber> Counter<T> {
    /// Adds `n` (a negative or NaN `f64` is ignored: counters only grow). In the thread's own slot: a
    /// relaxed load and a relaxed store, no lock, no read-modify-write; in the shared slot an atomic add.
    #[inline(always)]
    pub fn add(&self, n: T) {
        if n.is_growth() {
            add(&self.value, n);
        }
    }

    /// A handle for the calling thread only, with the thread's slot found once: its `add` is the relaxed
    /// load, add and store and nothing else, for code that updates one counter many times. The thread
    /// keeps its slot while the handle lives (also past the thread's own exit, for a handle kept in a
    /// thread-local). When no thread slot is left the handle adds atomically to the shared slot.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("mmstats-local-doc-{}.mmstats", std::process::id()));
    /// let stats = mmstats_writer::Stats::builder().path(&path).create()?;
    /// let requests = stats.counter("http.requests").build()?;
    /// let mine = requests.local();
    /// for _ in 0..1000 {
    ///     mine.inc();
    /// }
    /// # drop(mine);
    /// # stats.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn local(&self) -> LocalCounter<'_, T> {
        let (word, exclusive, lease) = self.value.local_word();
        LocalCounter { word, exclusive, lease, _t: PhantomData }
    }

    pub fn is_published(&self) -> bool {
        self.value.is_published()
    }
}

impl Counter<u64> {
    #[inline(always)]
    pub fn inc(&self) {
        self.add(1);
    }
}

/// A counter's handle for one thread, from [`Counter::local`]: the calling thread's copy of the counter,
/// found once. Neither `Send` nor `Sync`, since the copy is the thread's own: another thread must use the
/// `Counter` or take its own handle.
///
/// ```compile_fail
/// # let stats = mmstats_writer::Stats::builder().path("/dev/shm/x.mmstats").create().unwrap();
/// let counter = stats.counter("c").build().unwrap();
/// let local = counter.local();
/// std::thread::scope(|s| {
///     s.spawn(move || local.inc()); // error: `Rc<..>` cannot be sent between threads safely
/// });
/// ```
///
/// Nor shared with another thread:
///
/// ```compile_fail
/// # let stats = mmstats_writer::Stats::builder().path("/dev/shm/x.mmstats").create().unwrap();
/// let counter = stats.counter("c").build().unwrap();
/// let local = counter.local();
/// std::thread::scope(|s| {
///     s.spawn(|| local.inc()); // error: `Rc<..>` cannot be shared between threads safely
/// });
/// ```
///
/// The file being closed meanwhile changes nothing for the handle: the mapping stays until the last
/// handle of the file is dropped, and the borrow of the `Counter` keeps one.
pub struct LocalCounter<'a, T: CounterNumber = u64> {
    /// In the thread's slot (`exclusive`), else in the shared slot 0 or private memory.
    word: &'a AtomicU64,
    exclusive: bool,
    /// Keeps the slot the thread's own while the handle lives; `Rc` also keeps the handle on its thread.
    lease: Option<Rc<slots::Lease>>,
    _t: PhantomData<fn(T)>,
}

impl<T: CounterNumber> Drop for LocalCounter<'_, T> {
    /// Hands the lease on by value: dropping the `Rc` in place would pass the handle's address to the
    /// `Rc`'s release, and a compiler that sees the address taken reloads `word` and `exclusive` on
    /// every `add` (an atomic store may write anywhere it does not know).
    #[inline]
    fn drop(&mut self) {
        if let Some(lease) = self.lease.take() {
            slots::release(lease);
        }
    }
}

impl<T: CounterNumber> LocalCounter<'_, T> {
    /// Adds `n` (a negative or NaN `f64` is ignored, as by [`Counter::add`]).
    #[inline(always)]
    pub fn add(&self, n: T) {
        if n.is_growth() {
            add_to(self.word, self.exclusive, n);
        }
    }
}

impl LocalCounter<'_, u64> {
    #[inline(always)]
    pub fn inc(&self) {
        self.add(1);
    }
}

/// A total that grows and shrinks by additions (kind updown_counter), `i64` or `f64`.
#[derive(Clone)]
pub struct UpDownCounter<T: UpDownNumber = i64> {
    value: Value,
    _t: PhantomData<fn(T)>,
}

impl<T: UpDownNumber> UpDownCounter<T> {
    /// Adds `n`, either sign (integers wrap modulo 2^64).
    #[inline(always)]
    pub fn add(&self, n: T) {
        add(&self.value, n);
    }

    pub fn is_published(&self) -> bool {
        self.value.is_published()
    }
}

#[inline(always)]
fn add<T: Number>(value: &Value, n: T) {
    let (word, exclusive) = value.copy_word();
    add_to(word, exclusive, n);
}

/// Adds to a slot's word: the thread's own (`exclusive`) with a load and a store, any other atomically.
#[inline(always)]
fn add_to<T: Number>(word: &AtomicU64, exclusive: bool, n: T) {
    if exclusive {
        word.store(T::from_bits(word.load(Ordering::Relaxed)).plus(n).to_bits(), Ordering::Relaxed);
    } else {
        T::add_shared(word, n);
    }
}

/// A value that is set (kind gauge), one copy: the last store wins.
#[derive(Clone)]
pub struct Gauge<T: GaugeNumber = f64> {
    value: Value,
    _t: PhantomData<fn(T)>,
}

impl<T: GaugeNumber> Gauge<T> {
    /// One atomic store.
    #[inline(always)]
    pub fn set(&self, v: T) {
        self.value.single()[0].store(v.to_bits(), Ordering::Relaxed);
    }

    /// Adds `n` with an atomic read-modify-write (any thread).
    #[inline]
    pub fn add(&self, n: T) {
        T::add_shared(&self.value.single()[0], n);
    }

    pub fn is_published(&self) -> bool {
        self.value.is_published()
    }
}

/// A text that changes (kind string), behind its sequence lock.
#[derive(Clone)]
pub struct Text {
    value: Value,
    capacity: usize,
}

impl Text {
    /// Stores `text`, cut to the capacity on a character boundary. Setters on several threads serialise
    /// on the sequence (compare-and-swap); readers see one whole text.
    pub fn set(&self, text: &str) {
        let bytes = crate::v1::encode::cut_text(text, self.capacity);
        let words = self.value.single();
        seqlock::write(&words[0], false, || {
            words[st::LENGTH / 8].store(bytes.len() as u64, Ordering::Relaxed); // length, reserved 0
            for (i, chunk) in bytes.chunks(8).enumerate() {
                let mut w = [0u8; 8];
                w[..chunk.len()].copy_from_slice(chunk);
                words[st::TEXT / 8 + i].store(u64::from_le_bytes(w), Ordering::Relaxed);
            }
        });
    }

    /// Bytes of text the value holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn is_published(&self) -> bool {
        self.value.is_published()
    }
}

/// Observations counted in buckets with explicit upper bounds, and their sum (kind histogram).
#[derive(Clone)]
pub struct Histogram {
    value: Value,
    bounds: Arc<[f64]>,
}

impl Histogram {
    /// Records `v` in the first bucket whose bound is >= v (the last, +Inf, when none; also for NaN) and
    /// adds it to the sum, both under the copy's sequence.
    #[inline]
    pub fn observe(&self, v: f64) {
        let bucket = if v.is_nan() { self.bounds.len() } else { self.bounds.partition_point(|&b| b < v) };
        let (words, exclusive) = self.value.copy();
        let (sum, count) = (&words[hg::SUM / 8], &words[hg::BUCKETS / 8 + bucket]);
        seqlock::write(&words[hg::SEQ / 8], exclusive, || {
            // Inside the sequence this thread is the only writer of the copy: load and store suffice.
            sum.store((f64::from_bits(sum.load(Ordering::Relaxed)) + v).to_bits(), Ordering::Relaxed);
            count.store(count.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
        });
    }

    pub fn bounds(&self) -> &[f64] {
        &self.bounds
    }

    pub fn is_published(&self) -> bool {
        self.value.is_published()
    }
}

/// A constant's value: written before the field is published, never changed.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstantValue {
    U64(u64),
    I64(i64),
    F64(f64),
    Text(String),
}

impl From<u64> for ConstantValue {
    fn from(v: u64) -> Self {
        ConstantValue::U64(v)
    }
}

impl From<i64> for ConstantValue {
    fn from(v: i64) -> Self {
        ConstantValue::I64(v)
    }
}

impl From<f64> for ConstantValue {
    fn from(v: f64) -> Self {
        ConstantValue::F64(v)
    }
}

impl From<&str> for ConstantValue {
    fn from(v: &str) -> Self {
        ConstantValue::Text(v.to_string())
    }
}

/// The handle type a builder makes, and what is particular to its kind.
#[doc(hidden)]
pub enum What {
    Number(Kind, ValueType),
    Text { capacity: usize, value: String },
    Histogram(Vec<f64>),
    Constant(ConstantValue, Option<usize>),
}

/// Describes one field: `stats.counter("http.requests").help("Requests").unit("{request}")
/// .attr("status", "2xx").build()?`. Nothing is written before `build`.
pub struct FieldBuilder<'s, H> {
    file: &'s Arc<Shared>,
    name: String,
    unit: String,
    help: String,
    attributes: Vec<(String, String)>,
    what: What,
    _h: PhantomData<fn() -> H>,
}

impl<'s, H> FieldBuilder<'s, H> {
    pub(crate) fn new(file: &'s Arc<Shared>, name: &str, what: What) -> Self {
        FieldBuilder {
            file,
            name: name.into(),
            unit: String::new(),
            help: String::new(),
            attributes: Vec::new(),
            what,
            _h: PhantomData,
        }
    }

    /// One line of help text.
    pub fn help(mut self, help: &str) -> Self {
        self.help = help.into();
        self
    }

    /// The UCUM unit (`s`, `ms`, `By`, `{request}`): printable ASCII, no spaces, at most 63 bytes.
    pub fn unit(mut self, unit: &str) -> Self {
        self.unit = unit.into();
        self
    }

    /// One key=value attribute; keys are unique per field.
    pub fn attr(mut self, key: &str, value: &str) -> Self {
        self.attributes.push((key.into(), value.into()));
        self
    }

    /// Several attributes.
    pub fn attrs<'a>(mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        self.attributes.extend(pairs.into_iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self
    }

    /// Checks the description, appends the entry (with its initial value) and publishes it.
    fn register(self) -> Result<(Value, What), FieldError> {
        let desc = Description::new(&self.name, &self.unit, &self.help, &self.attributes)?;
        let g = &self.file.geometry;
        let (kind, value_type, words, extra, initial): (Kind, ValueType, usize, Vec<u8>, Vec<u8>) = match &self.what {
            What::Number(kind, vt) => (*kind, *vt, 1, vec![], vec![]),
            What::Text { capacity, value } => {
                let initial = string_bytes(crate::v1::encode::cut_text(value, *capacity));
                (Kind::String, ValueType::Utf8, (st::TEXT + capacity) / 8, vec![], initial)
            }
            What::Histogram(bounds) => {
                if bounds.iter().any(|b| !b.is_finite()) || bounds.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(FieldError::BadBounds(self.name));
                }
                let extra = bounds.iter().flat_map(|b| b.to_le_bytes()).collect();
                (Kind::Histogram, ValueType::F64, hg::BUCKETS / 8 + bounds.len() + 1, extra, vec![])
            }
            What::Constant(ConstantValue::Text(text), capacity) => {
                let capacity = capacity.unwrap_or(text.len()).next_multiple_of(ALIGN as usize);
                let initial = string_bytes(crate::v1::encode::cut_text(text, capacity));
                (Kind::Constant, ValueType::Utf8, (st::TEXT + capacity) / 8, vec![], initial)
            }
            What::Constant(v, _) => {
                let (vt, bits) = match v {
                    ConstantValue::U64(v) => (ValueType::U64, v.to_bits()),
                    ConstantValue::I64(v) => (ValueType::I64, v.to_bits()),
                    ConstantValue::F64(v) => (ValueType::F64, Number::to_bits(*v)),
                    ConstantValue::Text(_) => unreachable!("matched above"),
                };
                (Kind::Constant, vt, 1, vec![], bits.to_le_bytes().to_vec())
            }
        };
        let value_size = u32::try_from(words * 8).map_err(|_| FieldError::BadCapacity(self.name.clone()))?;
        let placed = self.file.add_field(&NewField {
            desc: &desc,
            kind,
            value_type,
            value_size,
            extra: &extra,
            initial: &initial,
        })?;
        let base = match kind.storage() {
            mmstats_reader::v2::layout::Storage::Slots => 0,
            mmstats_reader::v2::layout::Storage::Process => g.process_offset(),
        };
        Ok((Value::new(self.file, placed, base, words), self.what))
    }
}

/// A string value's first bytes: sequence 0, length, reserved 0, text.
fn string_bytes(text: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; st::TEXT];
    out[st::LENGTH..st::LENGTH + 4].copy_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(text);
    out
}

impl<T: CounterNumber> FieldBuilder<'_, Counter<T>> {
    pub fn build(self) -> Result<Counter<T>, FieldError> {
        Ok(Counter { value: self.register()?.0, _t: PhantomData })
    }
}

impl<T: UpDownNumber> FieldBuilder<'_, UpDownCounter<T>> {
    pub fn build(self) -> Result<UpDownCounter<T>, FieldError> {
        Ok(UpDownCounter { value: self.register()?.0, _t: PhantomData })
    }
}

impl<T: GaugeNumber> FieldBuilder<'_, Gauge<T>> {
    pub fn build(self) -> Result<Gauge<T>, FieldError> {
        Ok(Gauge { value: self.register()?.0, _t: PhantomData })
    }
}

impl FieldBuilder<'_, Text> {
    /// Bytes of text the value can hold (rounded up to a multiple of 8); default 64.
    pub fn capacity(mut self, bytes: usize) -> Self {
        if let What::Text { capacity, .. } = &mut self.what {
            *capacity = bytes.next_multiple_of(ALIGN as usize);
        }
        self
    }

    /// The text readers see before the first `set`.
    pub fn value(mut self, text: &str) -> Self {
        if let What::Text { value, .. } = &mut self.what {
            *value = text.into();
        }
        self
    }

    pub fn build(self) -> Result<Text, FieldError> {
        let (value, what) = self.register()?;
        let What::Text { capacity, .. } = what else { unreachable!("a Text builder") };
        Ok(Text { value, capacity })
    }
}

impl FieldBuilder<'_, Histogram> {
    pub fn build(self) -> Result<Histogram, FieldError> {
        let (value, what) = self.register()?;
        let What::Histogram(bounds) = what else { unreachable!("a Histogram builder") };
        Ok(Histogram { value, bounds: bounds.into() })
    }
}

/// The builder of a constant: `build` publishes it with its value; there is nothing to update.
pub struct Constant;

impl FieldBuilder<'_, Constant> {
    /// For a text constant: the bytes reserved (rounded up to 8; default the text's length).
    pub fn capacity(mut self, bytes: usize) -> Self {
        if let What::Constant(_, capacity) = &mut self.what {
            *capacity = Some(bytes);
        }
        self
    }

    /// Publishes the constant; true when it is visible (false: the file was full).
    pub fn build(self) -> Result<bool, FieldError> {
        Ok(self.register()?.0.is_published())
    }
}
