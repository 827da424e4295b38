//! conformance/writer-scenarios/*.json: the file decodes to `expect` (compared by value) and equals
//! `expect_image` byte for byte when the scenario has one; and the command's protocol.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{first_difference, fixture_dir, load_json, TempDir};
use mmstats_reader::compare::diff;
use mmstats_reader::json::{self, Json};
use mmstats_reader::{canonical, read, DEFAULT_MAX_SIZE};
use mmstats_writer::scenario;

fn scenario_files() -> Vec<PathBuf> {
    let dir = fixture_dir("conformance/writer-scenarios");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<_> =
        entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    files.sort();
    files
}

#[test]
fn every_scenario_reads_as_expected_and_matches_its_image() {
    let files = scenario_files();
    let tmp = TempDir::new("scenarios");
    let mut failures = Vec::new();
    let mut images = 0;
    for path in &files {
        let doc = load_json(path);
        let parsed = scenario::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        let out = tmp.path(&format!("{}.mmstats", path.file_stem().unwrap().to_string_lossy()));
        scenario::run(&parsed, &out).unwrap();
        let fields = read(&out, DEFAULT_MAX_SIZE).unwrap();
        let got = json::parse(&canonical::to_json("out", &fields)).unwrap();
        for d in diff(doc.get("expect").unwrap(), &got) {
            failures.push(format!("{}: {d}", path.display()));
        }
        if let Some(image) = doc.get("expect_image").and_then(Json::as_str) {
            images += 1;
            let want = std::fs::read(path.with_file_name(image)).unwrap();
            let got = std::fs::read(&out).unwrap();
            if let Some(d) = first_difference(&want, &got) {
                failures.push(format!("{}: image differs at (offset, want, got) {d:?}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(files.len() >= 10 && images >= 10, "{} scenarios, {images} images", files.len());
}

fn write_cmd(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mmstats-rust-write")).args(args).output().unwrap()
}

#[test]
fn command_protocol() {
    let tmp = TempDir::new("cli");
    let scenario = tmp.path("s.json");
    std::fs::write(
        &scenario,
        r#"{"id": "x", "fields": [{"label": "n", "type": "Q", "buffered": true}, {"label": "s", "type": "4s", "buffered": false}],
            "updates": [{"field": "n", "value": -1}, {"field": "s", "value": "abcdé"}], "expect": {}}"#,
    )
    .unwrap();
    let out = tmp.path("out.mmstats");
    let r = write_cmd(&[scenario.as_os_str(), out.as_os_str()]);
    assert_eq!(r.status.code(), Some(0), "{}", String::from_utf8_lossy(&r.stderr));
    let fields = read(&out, DEFAULT_MAX_SIZE).unwrap();
    assert_eq!(fields[0].value, mmstats_reader::Value::UInt(u64::MAX));
    assert_eq!(fields[1].value, mmstats_reader::Value::Text("abcd".into()));

    // OUT exists: exit 1, and the file is left exactly as it was.
    let before = std::fs::read(&out).unwrap();
    let r = write_cmd(&[scenario.as_os_str(), out.as_os_str()]);
    assert_eq!(r.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("out.mmstats: cannot create"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(std::fs::read(&out).unwrap(), before);

    // A bad scenario: exit 1 and no file.
    let bad = tmp.path("bad.json");
    std::fs::write(
        &bad,
        r#"{"fields": [{"label": "n", "type": "Q", "buffered": true}], "updates": [{"field": "n", "value": 1.5}]}"#,
    )
    .unwrap();
    let out2 = tmp.path("out2.mmstats");
    let r = write_cmd(&[bad.as_os_str(), out2.as_os_str()]);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("bad.json: updates[0].value"));
    assert!(!out2.exists());
    // An unknown type: refused before creation too.
    std::fs::write(&bad, r#"{"fields": [{"label": "n", "type": "L", "buffered": true}], "updates": []}"#).unwrap();
    assert_eq!(write_cmd(&[bad.as_os_str(), out2.as_os_str()]).status.code(), Some(1));
    assert!(!out2.exists());

    // A file no reader would accept: exit 1, a message saying so, and no file.
    std::fs::write(&bad, r#"{"fields": [{"label": "s", "type": "300000000s", "buffered": false}], "updates": []}"#)
        .unwrap();
    let r = write_cmd(&[bad.as_os_str(), out2.as_os_str()]);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("file_too_large"), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(!out2.exists());

    // Usage.
    assert_eq!(write_cmd(&[scenario.as_os_str()]).status.code(), Some(2));
    assert_eq!(write_cmd(&[]).status.code(), Some(2));
    assert_eq!(write_cmd(&[tmp.path("missing.json").as_os_str(), out2.as_os_str()]).status.code(), Some(1));
}

#[test]
fn file_names_are_escaped_in_error_lines_and_opened_by_their_bytes() {
    use std::os::unix::ffi::OsStringExt;
    let tmp = TempDir::new("cli-names");
    let scenario = tmp.path("s.json");
    std::fs::write(&scenario, r#"{"fields": [{"label": "n", "type": "B", "buffered": false}], "updates": []}"#)
        .unwrap();
    // A name with a terminal escape (clear screen), a backslash and bytes that are not UTF-8.
    let out = tmp.0.join(std::ffi::OsString::from_vec(b"o\x1b[2J\\\xff\xfe.mmstats".to_vec()));
    let r = write_cmd(&[scenario.as_os_str(), out.as_os_str()]);
    assert_eq!(r.status.code(), Some(0), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(read(&out, DEFAULT_MAX_SIZE).unwrap().len(), 1);
    // Again: OUT exists, and the line names it escaped, with no raw control character or bad byte.
    let r = write_cmd(&[scenario.as_os_str(), out.as_os_str()]);
    assert_eq!(r.status.code(), Some(1));
    let line = String::from_utf8(r.stderr).expect("the error line is UTF-8");
    let want = format!("{}/o\\x1b[2J\\\\\\xff\\xfe.mmstats: cannot create: ", tmp.0.display());
    assert!(line.starts_with(&want), "{line:?}");
    assert!(!line.trim_end_matches('\n').chars().any(char::is_control), "{line:?}");
}
