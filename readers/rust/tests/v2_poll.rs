//! `v2::Poller`: fields appended at run time are picked up without parsing the old entries again, values
//! are read afresh on every poll, and a file rewritten in place is parsed again.

mod common;

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::Path;

use mmstats_reader::v2::layout::header;
use mmstats_reader::v2::{self, Poller, Value};
use mmstats_reader::{ErrorCode, ReadError};

/// The corpus file with three counters a (1), route./users (2), route./items (3), and the slot-0
/// offset of each value.
fn three_counters() -> (Vec<u8>, Vec<usize>) {
    let path = common::conformance_dir().join("v2/valid/runtime/added-in-order.mmstats");
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let w = v2::walk(&data, true);
    assert!(w.problems.is_empty(), "{:?}", w.problems);
    assert_eq!(w.entries.len(), 3);
    let at = w.entries.iter().map(|e| e.at).collect();
    (data, at)
}

fn put(path: &Path, at: usize, bytes: &[u8]) {
    let file = OpenOptions::new().write(true).open(path).unwrap();
    file.write_all_at(bytes, at as u64).unwrap();
}

fn labels_and_values(file: &v2::File) -> Vec<(String, Option<Value>)> {
    file.fields.iter().map(|f| (f.label.clone(), f.value.clone())).collect()
}

#[test]
fn appended_fields_are_parsed_once() {
    let (data, at) = three_counters();
    let mut first = data.clone();
    // Only the first entry published: the other two are bytes after it, which carry no meaning yet.
    first[header::FIELD_COUNT..header::FIELD_COUNT + 4].copy_from_slice(&1u32.to_le_bytes());
    let dir = common::TempDir::new("v2-poll");
    let path = dir.write("app.mmstats", &first);
    let mut poller = Poller::new(&path);

    let file = poller.read().unwrap();
    assert_eq!(labels_and_values(&file), vec![("a".to_string(), Some(Value::UInt(1)))]);
    assert_eq!(poller.entries_parsed(), 1);

    // The writer bumps the counter and publishes the two other fields (in place: same inode and size).
    put(&path, at[0], &41u64.to_le_bytes());
    put(&path, header::FIELD_COUNT, &3u32.to_le_bytes());
    let file = poller.read().unwrap();
    let want = vec![
        ("a".to_string(), Some(Value::UInt(41))),
        ("route./users".to_string(), Some(Value::UInt(2))),
        ("route./items".to_string(), Some(Value::UInt(3))),
    ];
    assert_eq!(labels_and_values(&file), want);
    assert_eq!(poller.entries_parsed(), 3, "only the two new entries were parsed");

    // A poll with nothing new parses nothing and reads the values again.
    put(&path, at[2], &7u64.to_le_bytes());
    let file = poller.read().unwrap();
    assert_eq!(file.fields[2].value, Some(Value::UInt(7)));
    assert_eq!(poller.entries_parsed(), 3);
}

#[test]
fn a_file_rewritten_in_place_is_parsed_again_and_problems_are_reported() {
    let (data, _) = three_counters();
    let dir = common::TempDir::new("v2-poll");
    let path = dir.write("app.mmstats", &data);
    let mut poller = Poller::new(&path);
    assert_eq!(poller.read().unwrap().fields.len(), 3);
    assert_eq!(poller.entries_parsed(), 3);

    // field_count going down is no writer's doing: the file is walked from scratch.
    put(&path, header::FIELD_COUNT, &2u32.to_le_bytes());
    assert_eq!(poller.read().unwrap().fields.len(), 2);
    assert_eq!(poller.entries_parsed(), 5);

    put(&path, header::STATE, &7u32.to_le_bytes());
    match poller.read() {
        Err(ReadError::Format(e)) => assert_eq!((e.code, e.offset), (ErrorCode::BadState, header::STATE as u64)),
        other => panic!("want bad_state, got {other:?}"),
    }
}

#[test]
fn a_replaced_file_is_opened_again() {
    let (data, _) = three_counters();
    let dir = common::TempDir::new("v2-poll");
    let path = dir.write("app.mmstats", &data);
    let mut poller = Poller::new(&path);
    assert_eq!(poller.read().unwrap().fields.len(), 3);
    let basic = std::fs::read(common::conformance_dir().join("v2/valid/spec/basic.mmstats")).unwrap();
    let other = dir.write("other.mmstats", &basic);
    std::fs::rename(&other, &path).unwrap();
    let labels: Vec<_> = poller.read().unwrap().fields.into_iter().map(|f| f.label).collect();
    assert_eq!(labels, ["http.requests", "queue.length", "state"]);
}
