//! Handles to one field each: the hot path of the writer protocol (spec "Updating a buffered value").
//!
//! A handle keeps the writer's copy of the write-buffer byte and of the value, so an update loads
//! nothing from the mapping: a release fence, a store of value[wb], and a release store of wb ^ 1.
//! A handle borrows its file, so the file cannot be closed while a handle is alive, and a file is not
//! `Sync`, so its handles stay on the thread that owns it (one writer per file).

use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::{fence, AtomicU8, Ordering};

use mmstats_reader::Kind;

use super::encode::{cut_text, f32_from_f64, put_text};

mod sealed {
    pub trait Sealed {}
}

/// A Rust type that is the value of exactly one kind of field: `u64` for `Q`, `f32` for `f`,
/// `bool` for `?`, and so on.
pub trait Scalar: Copy + sealed::Sealed {
    /// The kind of field this type writes.
    const KIND: Kind;
    /// Stores the value little-endian at `dst`, which need not be aligned.
    ///
    /// # Safety
    /// `dst` must be valid for writes of one value of this type.
    unsafe fn store_le(self, dst: *mut u8);
    /// Loads a value stored little-endian at `src`.
    ///
    /// # Safety
    /// `src` must be valid for reads of one value of this type.
    unsafe fn load_le(src: *const u8) -> Self;
}

/// Integer scalars: counters add with wrap-around, as 0.8 did.
pub trait Integer: Scalar {
    fn wrapping_add(self, n: Self) -> Self;
    fn wrapping_sub(self, n: Self) -> Self;
}

macro_rules! number_scalar {
    ($($t:ty => $kind:ident),*) => {$(
        impl sealed::Sealed for $t {}
        impl Scalar for $t {
            const KIND: Kind = Kind::$kind;
            #[inline(always)]
            unsafe fn store_le(self, dst: *mut u8) {
                // A byte array has alignment 1, so this is one (usually single-instruction) store at any
                // offset; volatile, so a loop of updates is never merged into its last store.
                ptr::write_volatile(dst.cast::<[u8; size_of::<$t>()]>(), self.to_le_bytes());
            }
            #[inline(always)]
            unsafe fn load_le(src: *const u8) -> Self {
                <$t>::from_le_bytes(ptr::read_volatile(src.cast::<[u8; size_of::<$t>()]>()))
            }
        }
    )*};
}

number_scalar!(i8 => I8, u8 => U8, i16 => I16, u16 => U16, i32 => I32, u32 => U32, i64 => I64, u64 => U64,
               f32 => F32, f64 => F64);

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl Integer for $t {
            #[inline(always)]
            fn wrapping_add(self, n: Self) -> Self { <$t>::wrapping_add(self, n) }
            #[inline(always)]
            fn wrapping_sub(self, n: Self) -> Self { <$t>::wrapping_sub(self, n) }
        }
    )*};
}

integer!(i8, u8, i16, u16, i32, u32, i64, u64);

impl sealed::Sealed for bool {}
impl Scalar for bool {
    const KIND: Kind = Kind::Bool;
    #[inline(always)]
    unsafe fn store_le(self, dst: *mut u8) {
        ptr::write_volatile(dst, u8::from(self));
    }
    #[inline(always)]
    unsafe fn load_le(src: *const u8) -> Self {
        ptr::read_volatile(src) != 0
    }
}

/// Where a field's bytes are in the mapping, and the writer's copy of its write buffer.
struct Place<'f> {
    /// value[0] (the only value when unbuffered).
    area: *mut u8,
    /// The write-buffer byte; only used when buffered.
    write_buffer: *mut u8,
    buffered: bool,
    size: usize,
    /// The writer's copy of the write buffer: the index of the value written next.
    wb: u8,
    /// Cleared on drop, so the field can be taken again.
    taken: &'f Cell<bool>,
}

impl<'f> Place<'f> {
    /// # Safety
    /// `area` and `write_buffer` point into a live shared mapping that outlives `'f`, at a field of
    /// `size` bytes per value (two values when buffered), and no other handle writes this field.
    unsafe fn new(area: *mut u8, write_buffer: *mut u8, buffered: bool, size: usize, taken: &'f Cell<bool>) -> Self {
        // Only this handle stores into the field, so the byte in the map is the truth to start from.
        let wb = if buffered { AtomicU8::from_ptr(write_buffer).load(Ordering::Relaxed) & 1 } else { 0 };
        Place { area, write_buffer, buffered, size, wb, taken }
    }

    /// The value readers read now: value[wb ^ 1] when buffered.
    fn current(&self) -> *mut u8 {
        let index = if self.buffered { usize::from(self.wb ^ 1) } else { 0 };
        // SAFETY: index is 0 or 1, and a buffered field has two values.
        unsafe { self.area.add(index * self.size) }
    }

    /// One update: `write(dst)` stores the new value at `dst`, the value readers are not reading.
    #[inline(always)]
    fn update(&mut self, write: impl FnOnce(*mut u8)) {
        if self.buffered {
            // Orders the previous flip before this update's bytes (spec step 2).
            fence(Ordering::Release);
            // SAFETY: wb is 0 or 1 (see `new`), and a buffered field has two values.
            write(unsafe { self.area.add(usize::from(self.wb) * self.size) });
            self.wb ^= 1;
            // SAFETY: the write-buffer byte lives as long as the mapping; only this handle stores it.
            unsafe { AtomicU8::from_ptr(self.write_buffer) }.store(self.wb, Ordering::Release);
        } else {
            write(self.area);
        }
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.taken.set(false);
    }
}

/// A handle to one numeric or boolean field, typed by its value: `Slot<u64>` for a `Q` field.
pub struct Slot<'f, T: Scalar> {
    place: Place<'f>,
    /// The writer's copy of the value (what readers read after the last update).
    value: T,
    /// Handles are not Send: an update must come from the thread that owns the file.
    _not_send: PhantomData<*mut u8>,
}

impl<'f, T: Scalar> Slot<'f, T> {
    /// # Safety
    /// As for `Place::new`, and the field's kind is `T::KIND`.
    pub(crate) unsafe fn new(area: *mut u8, write_buffer: *mut u8, buffered: bool, taken: &'f Cell<bool>) -> Self {
        let place = Place::new(area, write_buffer, buffered, size_of::<T>(), taken);
        let value = T::load_le(place.current());
        Slot { place, value, _not_send: PhantomData }
    }

    /// Stores `value`: one update. Buffered: value[wb] then the write buffer flips (release).
    #[inline]
    pub fn set(&mut self, value: T) {
        self.value = value;
        // SAFETY: `update` hands over a pointer to one value of this field.
        self.place.update(|dst| unsafe { value.store_le(dst) });
    }

    /// The value readers read after the last update (the writer's copy; nothing is loaded).
    #[inline]
    pub fn get(&self) -> T {
        self.value
    }

    pub fn is_buffered(&self) -> bool {
        self.place.buffered
    }
}

impl<T: Integer> Slot<'_, T> {
    /// Adds `n`, wrapping around at the type's range: one update.
    #[inline]
    pub fn incr(&mut self, n: T) {
        self.set(self.value.wrapping_add(n));
    }

    /// Subtracts `n`, wrapping around: one update.
    #[inline]
    pub fn decr(&mut self, n: T) {
        self.set(self.value.wrapping_sub(n));
    }
}

impl Slot<'_, f32> {
    /// Stores a binary64 value rounded to binary32 (overflow gives an infinity).
    #[inline]
    pub fn set_f64(&mut self, value: f64) {
        self.set(f32_from_f64(value));
    }
}

/// A handle to one `<N>s` field.
pub struct TextSlot<'f> {
    place: Place<'f>,
    _not_send: PhantomData<*mut u8>,
}

impl<'f> TextSlot<'f> {
    /// # Safety
    /// As for `Place::new`, with `size` = N.
    pub(crate) unsafe fn new(
        area: *mut u8,
        write_buffer: *mut u8,
        buffered: bool,
        size: usize,
        taken: &'f Cell<bool>,
    ) -> Self {
        TextSlot { place: Place::new(area, write_buffer, buffered, size, taken), _not_send: PhantomData }
    }

    /// N, the bytes of one value.
    pub fn capacity(&self) -> usize {
        self.place.size
    }

    /// Stores `text` cut to N bytes on a character boundary; a shorter value gets one NUL after it and
    /// the rest of the area keeps its old bytes (as 0.8 did). One update.
    pub fn set(&mut self, text: &str) {
        self.set_bytes(cut_text(text, self.place.size));
    }

    /// Stores raw bytes, cut blindly to N bytes (may leave a broken character; readers show U+FFFD).
    pub fn set_bytes(&mut self, bytes: &[u8]) {
        let size = self.place.size;
        self.place.update(|dst| {
            // SAFETY: `dst` is one value of N bytes in the mapping, which only this handle writes;
            // no other reference to these bytes exists in this process.
            let area = unsafe { std::slice::from_raw_parts_mut(dst, size) };
            put_text(area, bytes);
        });
    }

    /// The bytes readers read now, up to the first NUL (copied from the mapping).
    pub fn get_bytes(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.place.size];
        // SAFETY: the current value is N readable bytes in the mapping.
        unsafe { ptr::copy_nonoverlapping(self.place.current(), out.as_mut_ptr(), out.len()) };
        let end = out.iter().position(|&b| b == 0).unwrap_or(out.len());
        out.truncate(end);
        out
    }

    pub fn is_buffered(&self) -> bool {
        self.place.buffered
    }
}

/// A handle to a field of any type, for code that learns the types at run time (the scenario runner).
pub enum AnySlot<'f> {
    I8(Slot<'f, i8>),
    U8(Slot<'f, u8>),
    I16(Slot<'f, i16>),
    U16(Slot<'f, u16>),
    I32(Slot<'f, i32>),
    U32(Slot<'f, u32>),
    I64(Slot<'f, i64>),
    U64(Slot<'f, u64>),
    F32(Slot<'f, f32>),
    F64(Slot<'f, f64>),
    Bool(Slot<'f, bool>),
    Text(TextSlot<'f>),
}

/// A set of the wrong kind for the field (e.g. text into an integer field); nothing was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrongKind {
    pub field: Kind,
    pub given: &'static str,
}

impl std::fmt::Display for WrongKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} value for a {:?} field", self.given, self.field)
    }
}

impl std::error::Error for WrongKind {}

impl AnySlot<'_> {
    pub fn kind(&self) -> Kind {
        match self {
            AnySlot::I8(_) => Kind::I8,
            AnySlot::U8(_) => Kind::U8,
            AnySlot::I16(_) => Kind::I16,
            AnySlot::U16(_) => Kind::U16,
            AnySlot::I32(_) => Kind::I32,
            AnySlot::U32(_) => Kind::U32,
            AnySlot::I64(_) => Kind::I64,
            AnySlot::U64(_) => Kind::U64,
            AnySlot::F32(_) => Kind::F32,
            AnySlot::F64(_) => Kind::F64,
            AnySlot::Bool(_) => Kind::Bool,
            AnySlot::Text(_) => Kind::Text,
        }
    }

    /// An integer given modulo 2^64, stored modulo 2^bits (the `as` casts keep the low bits).
    pub fn set_int(&mut self, v: u64) -> Result<(), WrongKind> {
        match self {
            AnySlot::I8(s) => s.set(v as i8),
            AnySlot::U8(s) => s.set(v as u8),
            AnySlot::I16(s) => s.set(v as i16),
            AnySlot::U16(s) => s.set(v as u16),
            AnySlot::I32(s) => s.set(v as i32),
            AnySlot::U32(s) => s.set(v as u32),
            AnySlot::I64(s) => s.set(v as i64),
            AnySlot::U64(s) => s.set(v),
            _ => return Err(self.wrong("an integer")),
        }
        Ok(())
    }

    pub fn set_float(&mut self, v: f64) -> Result<(), WrongKind> {
        match self {
            AnySlot::F32(s) => s.set_f64(v),
            AnySlot::F64(s) => s.set(v),
            _ => return Err(self.wrong("a float")),
        }
        Ok(())
    }

    pub fn set_bool(&mut self, v: bool) -> Result<(), WrongKind> {
        match self {
            AnySlot::Bool(s) => s.set(v),
            _ => return Err(self.wrong("a boolean")),
        }
        Ok(())
    }

    pub fn set_text(&mut self, v: &str) -> Result<(), WrongKind> {
        match self {
            AnySlot::Text(s) => s.set(v),
            _ => return Err(self.wrong("a text")),
        }
        Ok(())
    }

    fn wrong(&self, given: &'static str) -> WrongKind {
        WrongKind { field: self.kind(), given }
    }
}
