//! `v2::MappedPoller`: every version 2 corpus case as the copying poller and the case's JSON have it, the
//! same first problem for every invalid one, and a mapped file changing under the poller: values, fields
//! appended (each entry parsed once), a sequence left odd, a truncated and a replaced file.

mod common;

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use mmstats_reader::compare::diff;
use mmstats_reader::json::{self, Json};
use mmstats_reader::v2::layout::header;
use mmstats_reader::v2::{self, MappedPoller, Poller, Value};
use mmstats_reader::{ErrorCode, ReadError, DEFAULT_MAX_SIZE};

/// Offsets in the spec's example conformance/v2/valid/spec/basic.mmstats.
const STR_SEQ: usize = 0x188;
const SLOT0_REQ: usize = 0x200;
const FREE_META: usize = 0x150;
const G_VALUE: usize = 0x180 + 40;

/// (path, expected JSON or None, max_size, expected code and offset or None) of the manifest's v2 cases.
type Case = (PathBuf, Option<PathBuf>, u64, Option<(ErrorCode, u64)>);

fn v2_cases(kind: &str) -> Vec<Case> {
    let root = common::conformance_dir();
    let manifest = common::load_json(&root.join("manifest.json"));
    let cases = manifest.get("cases").and_then(Json::as_array).expect("manifest has cases");
    let mut out = Vec::new();
    for case in cases {
        let version = case.get("format_version").and_then(Json::as_integer_text);
        if version != Some("2") || case.get("kind").and_then(Json::as_str) != Some(kind) {
            continue;
        }
        let path = root.join(case.get("path").and_then(Json::as_str).unwrap());
        let json = case.get("expect").and_then(Json::as_str).map(|p| root.join(p));
        let max_size = case
            .get("options")
            .and_then(|o| o.get("max_size"))
            .and_then(Json::as_integer_text)
            .map_or(DEFAULT_MAX_SIZE, |t| t.parse().unwrap());
        let problem = case.get("expect").filter(|e| e.get("code").is_some()).map(|e| {
            let code = e.get("code").and_then(Json::as_str).unwrap();
            let offset = e.get("offset").and_then(Json::as_integer_text).unwrap().parse().unwrap();
            (ErrorCode::from_name(code).unwrap_or_else(|| panic!("unknown code {code}")), offset)
        });
        out.push((path, json, max_size, problem));
    }
    out
}

fn decoded_json(path: &Path, file: &v2::File) -> Json {
    json::parse(&v2::canonical::to_json(&path.to_string_lossy(), file)).unwrap()
}

#[test]
fn every_valid_v2_case_reads_as_its_json_and_as_the_copying_poller() {
    let cases = v2_cases("valid");
    assert!(cases.len() >= 58, "only {} valid v2 cases", cases.len());
    let mut failures = Vec::new();
    for (path, json_path, _, _) in &cases {
        let json_path = json_path.as_ref().unwrap_or_else(|| panic!("{}: no expected JSON", path.display()));
        let want = common::load_json(json_path);
        let mut mapped = MappedPoller::new(path);
        let (got, copied) = match (mapped.read(), Poller::new(path).read()) {
            (Ok(m), Ok(c)) => (m, c),
            other => {
                failures.push(format!("{}: want two decoded files, got {other:?}", path.display()));
                continue;
            }
        };
        let got_json = decoded_json(path, &got);
        failures.extend(diff(&want, &got_json).into_iter().map(|d| format!("{}: .json: {d}", path.display())));
        let copied_json = decoded_json(path, &copied);
        failures.extend(diff(&copied_json, &got_json).into_iter().map(|d| format!("{}: copying: {d}", path.display())));
        // A second poll parses nothing and reads the same (compared as text: NaN is not equal to itself).
        let (parsed, text) = (mapped.entries_parsed(), v2::canonical::to_json("", &got));
        match mapped.read() {
            Ok(again) if v2::canonical::to_json("", &again) == text && mapped.entries_parsed() == parsed => {}
            other => failures.push(format!("{}: second poll: {other:?}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_invalid_v2_case_gives_the_copying_pollers_code_and_offset() {
    let cases = v2_cases("invalid");
    assert!(cases.len() >= 68, "only {} invalid v2 cases", cases.len());
    let mut failures = Vec::new();
    for (path, _, max_size, want) in &cases {
        let want = want.unwrap_or_else(|| panic!("{}: no expected code", path.display()));
        let code_of = |r: Result<v2::File, ReadError>| match r {
            Err(ReadError::Format(e)) => Some((e.code, e.offset)),
            _ => None,
        };
        let mapped = code_of(MappedPoller::with_max_size(path, *max_size).read());
        let copied = code_of(Poller::with_max_size(path, *max_size).read());
        if mapped != Some(want) || copied != mapped {
            failures.push(format!("{}: want {want:?}, mapped {mapped:?}, copying {copied:?}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

fn basic(dir: &common::TempDir, name: &str) -> (PathBuf, Vec<u8>) {
    let src = common::conformance_dir().join("v2/valid/spec/basic.mmstats");
    let data = std::fs::read(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    assert_eq!(data.len(), 4096);
    (dir.write(name, &data), data)
}

/// Stores bytes as a writer's mapping does: the page the poller has mapped changes under it.
fn put(path: &Path, at: usize, bytes: &[u8]) {
    OpenOptions::new().write(true).open(path).unwrap().write_all_at(bytes, at as u64).unwrap();
}

fn value(file: &v2::File, label: &str) -> Option<Value> {
    file.fields.iter().find(|f| f.label == label).unwrap_or_else(|| panic!("no field {label}")).value.clone()
}

#[test]
fn values_and_appended_fields_are_picked_up_and_each_entry_is_parsed_once() {
    const ENTRY: [u8; 40] = {
        let mut e = [0u8; 40];
        (e[0], e[4], e[5], e[8], e[12], e[16], e[32]) = (40, 2, 1, 40, 8, 1, b'g'); // gauge u64 "g" at +40
        e
    };
    let dir = common::TempDir::new("v2-mapped");
    let (path, _) = basic(&dir, "append.mmstats");
    let mut poller = MappedPoller::new(&path);
    assert_eq!(value(&poller.read().unwrap(), "http.requests"), Some(Value::UInt(17)));
    assert_eq!(poller.entries_parsed(), 3);

    put(&path, SLOT0_REQ, &30u64.to_le_bytes());
    assert_eq!(value(&poller.read().unwrap(), "http.requests"), Some(Value::UInt(42)));
    assert_eq!(poller.entries_parsed(), 3);

    put(&path, FREE_META, &ENTRY);
    put(&path, G_VALUE, &9u64.to_le_bytes());
    put(&path, header::FIELD_COUNT, &4u32.to_le_bytes());
    let file = poller.read().unwrap();
    let labels: Vec<_> = file.fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels, ["http.requests", "queue.length", "state", "g"]);
    assert_eq!(value(&file, "g"), Some(Value::UInt(9)));
    assert_eq!(value(&file, "state"), Some(Value::Text("idle".into())));
    assert_eq!(poller.entries_parsed(), 4, "only the new entry was parsed");

    // A published entry changed afterwards (no writer does that): the checked copy stays in use.
    put(&path, FREE_META + 32, b"h");
    let labels: Vec<_> = poller.read().unwrap().fields.into_iter().map(|f| f.label).collect();
    assert_eq!(labels.last().map(String::as_str), Some("g"));
    assert_eq!(poller.entries_parsed(), 4);

    // field_count going down (a file rewritten in place): walked again from the start.
    put(&path, header::FIELD_COUNT, &2u32.to_le_bytes());
    assert_eq!(poller.read().unwrap().fields.len(), 2);
    assert_eq!(poller.entries_parsed(), 6);
}

#[test]
fn a_sequence_left_odd_reads_as_null_and_numbers_never_do() {
    let dir = common::TempDir::new("v2-mapped");
    let (path, _) = basic(&dir, "odd.mmstats");
    let mut poller = MappedPoller::new(&path);
    assert_eq!(value(&poller.read().unwrap(), "state"), Some(Value::Text("idle".into())));
    put(&path, STR_SEQ, &7u64.to_le_bytes()); // a writer stuck inside an update: null after the retries
    let file = poller.read().unwrap();
    assert_eq!(value(&file, "state"), None);
    assert_eq!(value(&file, "http.requests"), Some(Value::UInt(17)));
    put(&path, header::STATE, &2u32.to_le_bytes()); // closed: null at once
    let file = poller.read().unwrap();
    assert_eq!((value(&file, "state"), file.header.state), (None, 2));
    put(&path, STR_SEQ, &8u64.to_le_bytes());
    assert_eq!(value(&poller.read().unwrap(), "state"), Some(Value::Text("idle".into())));
}

#[test]
fn a_file_truncated_between_polls_is_bad_file_size_then_read_again_when_restored() {
    let dir = common::TempDir::new("v2-mapped");
    let (path, data) = basic(&dir, "cut.mmstats");
    let mut poller = MappedPoller::new(&path);
    assert!(poller.read().is_ok());
    OpenOptions::new().write(true).open(&path).unwrap().set_len(100).unwrap();
    match poller.read() {
        Err(ReadError::Format(e)) => assert_eq!((e.code, e.offset), (ErrorCode::BadFileSize, 100)),
        other => panic!("want bad_file_size, got {other:?}"),
    }
    OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
    match poller.read() {
        Err(ReadError::Format(e)) => assert_eq!((e.code, e.offset), (ErrorCode::NotReady, 0)),
        other => panic!("want not_ready, got {other:?}"),
    }
    std::fs::write(&path, &data).unwrap();
    assert_eq!(value(&poller.read().unwrap(), "http.requests"), Some(Value::UInt(17)));
}

#[test]
fn a_file_replaced_by_rename_is_mapped_again() {
    let dir = common::TempDir::new("v2-mapped");
    let (path, mut data) = basic(&dir, "app.mmstats");
    let mut poller = MappedPoller::new(&path);
    assert_eq!(value(&poller.read().unwrap(), "http.requests"), Some(Value::UInt(17)));
    data[SLOT0_REQ] = 100;
    let next = dir.write("next.mmstats", &data);
    std::fs::rename(&next, &path).unwrap();
    assert_eq!(value(&poller.read().unwrap(), "http.requests"), Some(Value::UInt(112)));
    assert_eq!(poller.entries_parsed(), 6, "the new file's three entries");
    assert_eq!(value(&poller.read().unwrap(), "http.requests"), Some(Value::UInt(112)));
    // The old files' mappings are gone: one mapping of the path after more replacements, none after drop.
    let mappings = || {
        let maps = std::fs::read_to_string("/proc/self/maps").expect("/proc/self/maps");
        maps.lines().filter(|l| l.contains(path.to_str().unwrap())).count()
    };
    for _ in 0..5 {
        std::fs::rename(dir.write("next.mmstats", &data), &path).unwrap();
        poller.read().unwrap();
    }
    assert_eq!(mappings(), 1);
    drop(poller);
    assert_eq!(mappings(), 0);
}

#[test]
fn a_version_1_file_is_bad_version_and_a_missing_one_an_io_error() {
    let v1 = common::golden_08_dir().join("average.mmstats");
    assert!(v1.is_file(), "missing {}", v1.display());
    match MappedPoller::new(&v1).read() {
        Err(ReadError::Format(e)) => assert_eq!((e.code, e.offset), (ErrorCode::BadVersion, 0)),
        other => panic!("want bad_version, got {other:?}"),
    }
    let dir = common::TempDir::new("v2-mapped");
    assert!(matches!(MappedPoller::new(dir.0.join("missing")).read(), Err(ReadError::Io(_))));
}
