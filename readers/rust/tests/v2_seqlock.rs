//! The reader protocol for copies (spec/v2.md, "Reading a multi-word value", "Readers that copy the
//! file"): sequences from copy A and copy C around the payload of copy B, bounded retries of one value,
//! no retries for a closed file, and an odd sequence read as no value.

mod common;

use std::cell::Cell;
use std::io;

use mmstats_reader::reread::ReadAt;
use mmstats_reader::v2::layout::{header, string, STATE_CLOSED};
use mmstats_reader::v2::{self, Value};

/// A file that is `versions[i]` at its i-th read (the last one from then on); counts the reads.
struct Changing {
    versions: Vec<Vec<u8>>,
    reads: Cell<usize>,
}

impl Changing {
    fn new(versions: Vec<Vec<u8>>) -> Changing {
        Changing { versions, reads: Cell::new(0) }
    }
}

impl ReadAt for Changing {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let n = self.reads.get();
        self.reads.set(n + 1);
        let data = &self.versions[n.min(self.versions.len() - 1)];
        let start = (offset as usize).min(data.len());
        let len = buf.len().min(data.len() - start);
        buf[..len].copy_from_slice(&data[start..start + len]);
        Ok(len)
    }
}

/// The spec's first example: a string "state" with "idle" behind sequence 6.
fn basic() -> (Vec<u8>, usize) {
    let path = common::conformance_dir().join("v2/valid/spec/basic.mmstats");
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let w = v2::walk(&data, true);
    assert!(w.problems.is_empty(), "{:?}", w.problems);
    let at = w.entries.iter().find(|e| e.label == "state").expect("the string field").at;
    assert_eq!(u64::from_le_bytes(data[at..at + 8].try_into().unwrap()), 6, "the example's sequence");
    (data, at)
}

/// `data` with the string at `at` set to `text` behind sequence `seq`.
fn with_string(data: &[u8], at: usize, seq: u64, text: &str) -> Vec<u8> {
    let mut out = data.to_vec();
    out[at + string::SEQ..at + string::SEQ + 8].copy_from_slice(&seq.to_le_bytes());
    out[at + string::LENGTH..at + string::LENGTH + 4].copy_from_slice(&(text.len() as u32).to_le_bytes());
    out[at + string::TEXT..at + string::TEXT + text.len()].copy_from_slice(text.as_bytes());
    out
}

fn state_value(file: &v2::File) -> Option<Value> {
    file.fields.iter().find(|f| f.label == "state").expect("the string field").value.clone()
}

#[test]
fn a_value_being_written_in_copy_a_is_read_again_alone() {
    let (data, at) = basic();
    let first = with_string(&data, at, 7, "idle"); // A: the writer is inside an update
    let src = Changing::new(vec![with_string(&data, at, 8, "busy")]);
    let file = v2::read_from(&src, &first).unwrap();
    assert_eq!(state_value(&file), Some(Value::Text("busy".into())));
    // B and C, then one retry of three small reads.
    assert_eq!(src.reads.get(), 2 + 3);
}

#[test]
fn a_sequence_that_changed_between_b_and_c_is_read_again() {
    let (data, at) = basic();
    let b = with_string(&data, at, 6, "half");
    let c = with_string(&data, at, 8, "done");
    let src = Changing::new(vec![b, c]);
    let file = v2::read_from(&src, &data).unwrap();
    assert_eq!(state_value(&file), Some(Value::Text("done".into())));
    assert_eq!(src.reads.get(), 2 + 3);
}

#[test]
fn a_consistent_value_takes_the_payload_of_copy_b() {
    let (data, at) = basic();
    let src = Changing::new(vec![with_string(&data, at, 6, "copy")]);
    let file = v2::read_from(&src, &data).unwrap();
    assert_eq!(state_value(&file), Some(Value::Text("copy".into())));
    assert_eq!(src.reads.get(), 2, "no retry");
}

#[test]
fn a_sequence_that_stays_odd_is_null_after_the_retry_bound() {
    let (data, at) = basic();
    let stuck = with_string(&data, at, 9, "half");
    let src = Changing::new(vec![stuck.clone()]);
    let file = v2::read_from(&src, &stuck).unwrap();
    assert_eq!(state_value(&file), None);
    assert_eq!(src.reads.get(), 2 + 3 * v2::layout::RETRIES);
    // The other fields keep their values.
    let counter = file.fields.iter().find(|f| f.label == "http.requests").unwrap();
    assert_eq!(counter.value, Some(Value::UInt(17)));
}

#[test]
fn a_closed_file_gets_no_retries() {
    let (data, at) = basic();
    let mut stuck = with_string(&data, at, 9, "half");
    stuck[header::STATE..header::STATE + 4].copy_from_slice(&STATE_CLOSED.to_le_bytes());
    let src = Changing::new(vec![stuck.clone()]);
    let file = v2::read_from(&src, &stuck).unwrap();
    assert_eq!(state_value(&file), None);
    assert_eq!(src.reads.get(), 2);
}

#[test]
fn a_file_that_shrank_is_decoded_from_copy_a() {
    let (data, _) = basic();
    let src = Changing::new(vec![Vec::new()]);
    let file = v2::read_from(&src, &data).unwrap();
    assert_eq!(state_value(&file), Some(Value::Text("idle".into())));
}
