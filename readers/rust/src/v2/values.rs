//! Reading the values of a version 2 file from copies (spec/v2.md, "Reader protocol", "Adding up slots").
//!
//! This crate never maps a file: it copies it with `pread`. A multi-word value's sequence is taken from
//! copy A (`before`), its payload from copy B (`data`) and the sequence again from copy C (`after`); the
//! system-call boundaries order the three copies, which is what acquire loads and the acquire fence do for
//! a reader of a mapping. A value that was being written is read again on its own, with three small reads.

use std::io;

use super::layout::{self as l, histogram as hg, string as st, u32_at, u64_at, Header, Kind, ValueType};
use super::walk::EntryLayout;
use crate::reread::ReadAt;
use crate::value::replace_ill_formed;

/// A field's value as the canonical form has it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    UInt(u64),
    Int(i64),
    Float(f64),
    Text(String),
    Histogram(Histogram),
}

/// A histogram summed over the slots, with cumulative bucket counts.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    pub count: u64,
    pub sum: f64,
    /// (upper bound, observations at or below it); the last bound is +Inf.
    pub buckets: Vec<(f64, u64)>,
}

/// Bytes of a file at some moment, from `start` on: `word(at)` takes absolute offsets.
#[derive(Clone, Debug)]
pub struct Copy {
    pub start: usize,
    pub bytes: Vec<u8>,
}

impl Copy {
    fn word(&self, at: usize) -> u64 {
        u64_at(&self.bytes, at - self.start)
    }

    fn slice(&self, at: usize, len: usize) -> &[u8] {
        &self.bytes[at - self.start..at - self.start + len]
    }
}

/// The three copies of the values region.
#[derive(Clone, Debug)]
pub struct Copies {
    pub before: Copy,
    pub data: Copy,
    pub after: Copy,
}

impl Copies {
    /// One copy standing for all three: a file at rest, where an odd sequence means no value at once.
    pub fn at_rest(data: &[u8], hd: &Header) -> Copies {
        let range = values_range(hd);
        let copy = Copy { start: range.start, bytes: data[range].to_vec() };
        Copies { before: copy.clone(), data: copy.clone(), after: copy }
    }

    /// Copy A is `first` (the whole file, already read); B and C are read now from `src`. A multi-word
    /// value that was being written is read again alone (sequence, value, sequence), at most RETRIES
    /// times, yielding every YIELD_EVERY attempts; a closed file's odd sequence stays odd, so it gets none.
    pub fn read<S: ReadAt + ?Sized>(src: &S, first: &[u8], hd: &Header, entries: &[EntryLayout]) -> io::Result<Copies> {
        let mut copies = Copies::at_rest(first, hd);
        let start = copies.data.start;
        for copy in [&mut copies.data, &mut copies.after] {
            if !read_exact_at(src, &mut copy.bytes, start)? {
                // Shorter than when it was first read: no writer shrinks its file; decode copy A at rest.
                return Ok(Copies::at_rest(first, hd));
            }
        }
        let mut pending: Vec<(usize, usize)> = entries
            .iter()
            .filter(|e| e.is_multi_word())
            .flat_map(|e| copy_offsets(e, hd.slots_used).map(move |at| (at, e.value_size)))
            .collect();
        for attempt in 0..l::RETRIES {
            pending.retain(|&(at, _)| !copies.consistent(at));
            if pending.is_empty() || hd.state == l::STATE_CLOSED {
                break;
            }
            if attempt % l::YIELD_EVERY == l::YIELD_EVERY - 1 {
                std::thread::yield_now();
            }
            for &(at, size) in &pending {
                let seq = at + st::SEQ..at + st::SEQ + l::ALIGN as usize;
                let ok = read_exact_at(src, copies.before.bytes_mut(seq.clone()), at)?
                    && read_exact_at(src, copies.data.bytes_mut(at..at + size), at)?
                    && read_exact_at(src, copies.after.bytes_mut(seq), at)?;
                if !ok {
                    return Ok(Copies::at_rest(first, hd));
                }
            }
        }
        Ok(copies)
    }

    /// The copy at `at` (a sequence word) is complete: its sequence is even in A and the same in C.
    fn consistent(&self, at: usize) -> bool {
        let s1 = self.before.word(at);
        s1.is_multiple_of(2) && s1 == self.after.word(at)
    }
}

impl Copy {
    fn bytes_mut(&mut self, range: std::ops::Range<usize>) -> &mut [u8] {
        &mut self.bytes[range.start - self.start..range.end - self.start]
    }
}

/// The bytes a reader copies for the values: the process area and the used slots.
fn values_range(hd: &Header) -> std::ops::Range<usize> {
    hd.process_offset as usize..hd.values_end() as usize
}

/// Offsets of a field's copies: one for a process value, one per used slot for a slotted one.
pub(super) fn copy_offsets(e: &EntryLayout, slots_used: u32) -> impl Iterator<Item = usize> + '_ {
    let count = if e.stride == 0 { 1 } else { slots_used as usize };
    (0..count).map(move |k| e.at + k * e.stride)
}

/// Fills `buf` from `offset`; false when the file ends first.
fn read_exact_at<S: ReadAt + ?Sized>(src: &S, buf: &mut [u8], offset: usize) -> io::Result<bool> {
    let mut done = 0;
    while done < buf.len() {
        match src.read_at(&mut buf[done..], (offset + done) as u64) {
            Ok(0) => return Ok(false),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// The value of field `e`, or None when a multi-word copy has no consistent value.
pub fn field_value(e: &EntryLayout, slots_used: u32, c: &Copies) -> Option<Value> {
    if e.kind == Kind::Histogram {
        return histogram(e, slots_used, c).map(Value::Histogram);
    }
    if e.value_type == ValueType::Utf8 {
        return text(e, c).map(Value::Text);
    }
    let mut words = copy_offsets(e, slots_used).map(|at| c.data.word(at));
    let first = words.next().expect("at least one copy");
    Some(match e.value_type {
        ValueType::U64 => Value::UInt(words.fold(first, u64::wrapping_add)),
        ValueType::I64 => Value::Int(words.fold(first, u64::wrapping_add) as i64),
        // In slot order, starting from slot 0's copy (so one copy of -0.0 stays -0.0).
        _ => Value::Float(words.fold(f64::from_bits(first), |sum, w| sum + f64::from_bits(w))),
    })
}

fn text(e: &EntryLayout, c: &Copies) -> Option<String> {
    if !c.consistent(e.at) {
        return None;
    }
    let length = u32_at(c.data.slice(e.at + st::LENGTH, 4), 0) as usize;
    if length > e.value_size - st::TEXT {
        return None; // cannot happen with a consistent copy of a valid file; never read past the value
    }
    Some(replace_ill_formed(c.data.slice(e.at + st::TEXT, length)))
}

fn histogram(e: &EntryLayout, slots_used: u32, c: &Copies) -> Option<Histogram> {
    let mut counts = vec![0u64; e.bounds.len() + 1];
    let mut sum: Option<f64> = None;
    for at in copy_offsets(e, slots_used) {
        if !c.consistent(at) {
            return None;
        }
        let s = f64::from_bits(c.data.word(at + hg::SUM));
        sum = Some(sum.map_or(s, |total| total + s));
        for (i, count) in counts.iter_mut().enumerate() {
            *count = count.wrapping_add(c.data.word(at + hg::BUCKETS + i * l::ALIGN as usize));
        }
    }
    let mut running = 0u64;
    let buckets = e
        .bounds
        .iter()
        .chain(std::iter::once(&f64::INFINITY))
        .zip(counts)
        .map(|(&le, n)| {
            running = running.wrapping_add(n);
            (le, running)
        })
        .collect();
    Some(Histogram { count: running, sum: sum.expect("at least one slot"), buckets })
}
