//! The version 2 corpus (conformance/v2): every valid file equal by value to its JSON, every invalid
//! file its code and offset (from conformance/manifest.json), every valid file cut at every byte.

mod common;

use std::path::{Path, PathBuf};

use mmstats_reader::compare::diff;
use mmstats_reader::json::{self, Json};
use mmstats_reader::{read, read_document, scan, v2, validate, Document, ErrorCode, ReadError, DEFAULT_MAX_SIZE};

fn v2_dir(part: &str) -> PathBuf {
    let dir = common::conformance_dir().join("v2").join(part);
    assert!(dir.is_dir(), "missing fixture folder {}", dir.display());
    dir
}

/// Every `.mmstats` file one folder below `dir` (dir/topic/case.mmstats), sorted.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for topic in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        out.extend(common::pairs(&topic.unwrap().path()).into_iter().map(|(f, _)| f));
    }
    out.sort();
    out
}

fn decoded_json(path: &Path, file: &v2::File) -> Json {
    let text = v2::canonical::to_json(&path.to_string_lossy(), file);
    json::parse(&text).unwrap_or_else(|e| panic!("{}: our own JSON does not parse: {e}", path.display()))
}

#[test]
fn every_valid_v2_file_reads_as_its_json() {
    let files = files_below(&v2_dir("valid"));
    assert!(files.len() >= 50, "only {} valid v2 files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let json_path = path.with_extension("json");
        assert!(json_path.is_file(), "missing {}", json_path.display());
        let want = common::load_json(&json_path);
        let file = match read_document(path, DEFAULT_MAX_SIZE) {
            Ok(Document::V2(file)) => file,
            other => {
                failures.push(format!("{}: want a version 2 file, got {other:?}", path.display()));
                continue;
            }
        };
        failures
            .extend(diff(&want, &decoded_json(path, &file)).into_iter().map(|d| format!("{}: {d}", path.display())));
        // The copy at rest decodes the same as the reader protocol on the open file.
        let data = std::fs::read(path).unwrap();
        let at_rest = v2::decode(&data).map(|f| v2::canonical::to_json("", &f));
        if at_rest != Ok(v2::canonical::to_json("", &file)) {
            failures.push(format!("{}: decode of the bytes differs from read_document", path.display()));
        }
        match validate(path, DEFAULT_MAX_SIZE) {
            Ok(problems) if problems.is_empty() => {}
            other => failures.push(format!("{}: validate: want no problems, got {other:?}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// (path, code, offset, max_size) of every invalid version 2 case of the manifest.
fn invalid_cases() -> Vec<(PathBuf, ErrorCode, u64, u64)> {
    let root = common::conformance_dir();
    let manifest = common::load_json(&root.join("manifest.json"));
    let cases = manifest.get("cases").and_then(Json::as_array).expect("manifest has cases");
    let mut out = Vec::new();
    for case in cases {
        let version = case.get("format_version").and_then(Json::as_integer_text);
        if version != Some("2") || case.get("kind").and_then(Json::as_str) != Some("invalid") {
            continue;
        }
        let expect = case.get("expect").unwrap();
        let name = expect.get("code").and_then(Json::as_str).unwrap();
        let code = ErrorCode::from_name(name).unwrap_or_else(|| panic!("unknown code {name}"));
        let offset = expect.get("offset").and_then(Json::as_integer_text).unwrap().parse().unwrap();
        let max_size = case
            .get("options")
            .and_then(|o| o.get("max_size"))
            .and_then(Json::as_integer_text)
            .map_or(DEFAULT_MAX_SIZE, |t| t.parse().unwrap());
        out.push((root.join(case.get("path").and_then(Json::as_str).unwrap()), code, offset, max_size));
    }
    out
}

#[test]
fn every_invalid_v2_file_gives_its_code_and_offset() {
    let cases = invalid_cases();
    // The manifest lists every file of the invalid tree, each in the folder of its code.
    let listed: Vec<_> = cases.iter().map(|c| c.0.canonicalize().unwrap()).collect();
    for file in files_below(&v2_dir("invalid")) {
        assert!(listed.contains(&file.canonicalize().unwrap()), "{} is not in the manifest", file.display());
    }
    assert!(cases.len() >= 60, "only {} invalid v2 cases", cases.len());
    let mut failures = Vec::new();
    for (path, code, offset, max_size) in &cases {
        let folder = path.parent().and_then(Path::file_name).and_then(|n| n.to_str()).unwrap();
        assert_eq!(folder, code.as_str(), "{}", path.display());
        let problems = validate(path, *max_size).unwrap();
        let first = problems.first().map(|e| (e.code, e.offset));
        if first != Some((*code, *offset)) {
            failures.push(format!("{}: validate: want {code} at {offset}, got {problems:?}", path.display()));
        }
        // Not sorted: version 2 keeps its walk's order (tests/corpus.rs checks cases that list every problem).
        match read_document(path, *max_size) {
            Err(ReadError::Format(e)) if (e.code, e.offset) == (*code, *offset) => {}
            other => failures.push(format!("{}: read: want {code} at {offset}, got {other:?}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_prefix_of_every_valid_v2_file_is_a_clean_error() {
    let files = files_below(&v2_dir("valid"));
    assert!(files.len() >= 50, "only {} valid v2 files", files.len());
    for path in &files {
        let data = std::fs::read(path).unwrap();
        for len in 0..data.len() {
            let prefix = &data[..len];
            let at = |what: &str| format!("{} cut at {len}: {what}", path.display());
            let (fields, problems) = scan(prefix);
            assert!(fields.is_empty(), "{}", at("v1 fields of a v2 file"));
            let want = match len {
                0 => (ErrorCode::NotReady, 0),
                _ if len % common::PAGE != 0 => (ErrorCode::BadFileSize, len as u64),
                // A page boundary of a longer file: the regions run past the end (checked below).
                _ => (ErrorCode::BadRegion, 0),
            };
            let got: Vec<_> = problems.iter().map(|p| (p.code, p.offset)).collect();
            if want.0 == ErrorCode::BadRegion {
                assert!(!got.is_empty(), "{}", at("a page-aligned cut"));
            } else {
                assert_eq!(got, vec![want], "{}", at("problems"));
            }
            let decoded = v2::decode(prefix).map(|_| ()).map_err(|e| (e.code, e.offset));
            assert_eq!(decoded, Err(got[0]), "{}", at("decode"));
        }
    }
}

#[test]
fn version_1_functions_refuse_a_version_2_file() {
    let path = v2_dir("valid").join("spec/basic.mmstats");
    match read(&path, DEFAULT_MAX_SIZE) {
        Err(ReadError::Format(e)) => assert_eq!((e.code, e.offset), (ErrorCode::BadVersion, 0)),
        other => panic!("want bad_version, got {other:?}"),
    }
    let data = std::fs::read(&path).unwrap();
    assert_eq!(mmstats_reader::decode_bytes(&data).map_err(|e| e.code), Err(ErrorCode::BadVersion));
    assert!(mmstats_reader::CompiledLayout::parse(&data).is_err());
}

#[test]
fn every_byte_of_every_valid_v2_file_changed_is_read_or_refused_cleanly() {
    let files = files_below(&v2_dir("valid"));
    assert!(files.len() >= 50, "only {} valid v2 files", files.len());
    let mut changed = 0;
    for path in &files {
        let data = std::fs::read(path).unwrap();
        // Bytes after the last non-zero one are zero fill; changing one of the first few is enough there.
        let end = data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1).min(data.len() - 8) + 8;
        // From byte 1: another version byte makes it a version 1 file, or not one at all.
        for at in 1..end {
            for byte in [0x00, 0x02, 0x80, 0xff] {
                if data[at] == byte {
                    continue;
                }
                let mut bad = data.clone();
                bad[at] = byte;
                changed += 1;
                let (_, problems) = scan(&bad);
                let what = format!("{} with 0x{byte:02x} at {at}", path.display());
                match v2::decode(&bad) {
                    Ok(file) => {
                        assert!(problems.is_empty(), "{what}: decoded, but the validator found {problems:?}");
                        let text = v2::canonical::to_json("x", &file);
                        assert!(json::parse(&text).is_ok(), "{what}: our JSON does not parse");
                    }
                    Err(e) => assert!(
                        problems.iter().any(|p| (p.code, p.offset) == (e.code, e.offset)),
                        "{what}: the reader's {e} is not among {problems:?}"
                    ),
                }
            }
        }
    }
    assert!(changed > 10_000, "only {changed} files changed");
}
