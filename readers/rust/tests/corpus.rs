//! The 0.8 corpus (conformance/golden/mmstats-0.8) and the conformance corpus, read and compared by value with their JSON.

mod common;

use std::path::Path;

use mmstats_reader::compare::diff;
use mmstats_reader::json::{self, Json};
use mmstats_reader::{canonical, read, read_document, v2, validate, Document, ErrorCode, ReadError, DEFAULT_MAX_SIZE};

/// Reads `path`, prints it as canonical JSON, parses that back and compares it with `expect`.
fn check_valid(path: &Path, expect: &Json, max_size: u64) -> Vec<String> {
    let text = match read_document(path, max_size) {
        Ok(Document::V1(fields)) => canonical::to_json(&path.to_string_lossy(), &fields),
        Ok(Document::V2(file)) => v2::canonical::to_json(&path.to_string_lossy(), &file),
        Err(e) => return vec![format!("read failed: {e}")],
    };
    let got = json::parse(&text).unwrap_or_else(|e| panic!("{}: our own JSON does not parse: {e}", path.display()));
    let mut out = diff(expect, &got);
    match validate(path, max_size) {
        Ok(problems) if problems.is_empty() => {}
        other => out.push(format!("validate: want no problems, got {other:?}")),
    }
    out
}

fn check_golden_folder(dir: &Path) -> usize {
    let pairs = common::pairs(dir);
    assert!(!pairs.is_empty(), "no files in {}", dir.display());
    let mut failures = Vec::new();
    for (file, json) in &pairs {
        for d in check_valid(file, &common::load_json(json), DEFAULT_MAX_SIZE) {
            failures.push(format!("{}: {d}", file.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    pairs.len()
}

#[test]
fn golden_08_corpus_reads_as_its_json() {
    let dir = common::golden_08_dir();
    let n = check_golden_folder(&dir) + check_golden_folder(&dir.join("cpython2.7"));
    assert!(n >= 40, "only {n} 0.8 files");
}

#[test]
fn golden_08_string_invalid_utf8_reads_as_u_fffd() {
    // The one place where version 1 deliberately differs from 0.8's own reader.
    let dir = common::golden_08_dir();
    let fields = read(&dir.join("string-invalid-utf8.mmstats"), DEFAULT_MAX_SIZE).unwrap();
    let cut = fields.iter().find(|f| f.label == "str.cut_bytes").unwrap();
    assert_eq!(cut.value, mmstats_reader::Value::Text("abcdef\u{FFFD}".into()));
}

#[test]
fn conformance_manifest_cases() {
    let root = common::conformance_dir();
    let manifest = common::load_json(&root.join("manifest.json"));
    let cases = manifest.get("cases").and_then(Json::as_array).expect("manifest has cases");
    let (mut valid, mut invalid, mut failures) = (0, 0, Vec::new());
    for case in cases {
        let id = case.get("id").and_then(Json::as_str).unwrap();
        let kind = case.get("kind").and_then(Json::as_str).unwrap();
        let path = root.join(case.get("path").and_then(Json::as_str).unwrap());
        let max_size = case
            .get("options")
            .and_then(|o| o.get("max_size"))
            .and_then(Json::as_integer_text)
            .map_or(DEFAULT_MAX_SIZE, |t| t.parse().unwrap());
        let expect = case.get("expect").unwrap();
        match kind {
            "valid" => {
                valid += 1;
                let want = common::load_json(&root.join(expect.as_str().unwrap()));
                failures.extend(check_valid(&path, &want, max_size).into_iter().map(|d| format!("{id}: {d}")));
            }
            "invalid" => {
                invalid += 1;
                let code = ErrorCode::from_name(expect.get("code").and_then(Json::as_str).unwrap()).unwrap();
                let offset: u64 = expect.get("offset").and_then(Json::as_integer_text).unwrap().parse().unwrap();
                let problems = validate(&path, max_size).unwrap();
                let first = problems.first().map(|e| (e.code, e.offset));
                if first != Some((code, offset)) {
                    failures.push(format!("{id}: validate: want {code} at {offset}, got {problems:?}"));
                }
                // Version 1 sorts by offset; version 2 keeps its walk's order, which may step back.
                let version = case.get("format_version").and_then(Json::as_integer_text).unwrap_or("1");
                if version == "1" && !problems.windows(2).all(|w| w[0].offset <= w[1].offset) {
                    failures.push(format!("{id}: problems not sorted: {problems:?}"));
                }
                if let Some(every) = expect.get("problems").and_then(Json::as_array) {
                    let want: Vec<(ErrorCode, u64)> = every
                        .iter()
                        .map(|p| {
                            let code = ErrorCode::from_name(p.get("code").and_then(Json::as_str).unwrap()).unwrap();
                            (code, p.get("offset").and_then(Json::as_integer_text).unwrap().parse().unwrap())
                        })
                        .collect();
                    let got: Vec<(ErrorCode, u64)> = problems.iter().map(|e| (e.code, e.offset)).collect();
                    if got != want {
                        failures.push(format!("{id}: want every problem {want:?} in walk order, got {got:?}"));
                    }
                }
                match read_document(&path, max_size) {
                    Err(ReadError::Format(e)) if (e.code, e.offset) == (code, offset) => {}
                    other => failures.push(format!("{id}: read: want {code} at {offset}, got {other:?}")),
                }
            }
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(valid > 50 && invalid > 50, "{valid} valid, {invalid} invalid cases");
}
