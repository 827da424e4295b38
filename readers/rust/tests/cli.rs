//! The two commands, run as the conformance harness runs them.

mod common;

use std::process::{Command, Output};

use common::{file, hex, page, record, TempDir};
use mmstats_reader::compare::diff;
use mmstats_reader::json;

fn run(bin: &str, args: &[&std::ffi::OsStr]) -> Output {
    Command::new(bin).args(args).output().unwrap()
}

fn read_cmd(args: &[&std::ffi::OsStr]) -> Output {
    run(env!("CARGO_BIN_EXE_mmstats-rust-read"), args)
}

fn validate_cmd(args: &[&std::ffi::OsStr]) -> Output {
    run(env!("CARGO_BIN_EXE_mmstats-rust-validate"), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn read_prints_canonical_json() {
    let dir = TempDir::new("cli");
    let path = dir.write(
        "ok.mmstats",
        &file(&[record(b"requests", b"Q", 1, &hex("12 00*7 0d 00*7")), record(b"up", b"?", 0xff, &[1])]),
    );
    let out = read_cmd(&[path.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty());
    let got = json::parse(&text(&out.stdout)).unwrap();
    let want = json::parse(&format!(
        r#"{{"path": {:?}, "format_version": 1, "fields": [
        {{"label": "requests", "type": "Q", "buffered": true, "value": 18}},
        {{"label": "up", "type": "?", "buffered": false, "value": true}}]}}"#,
        path.to_str().unwrap()
    ))
    .unwrap();
    assert_eq!(diff(&want, &got), Vec::<String>::new());
    assert_eq!(got.get("path"), want.get("path"));
    assert_eq!(validate_cmd(&[path.as_os_str()]).status.code(), Some(0));
}

#[test]
fn invalid_files_give_one_line_per_problem() {
    let dir = TempDir::new("cli");
    // Two bad labels, then a bad write buffer (offsets counted in tests/errors.rs), and a bad size.
    let mut data = file(&[record(b"\xffa", b"B", 0xff, &[1]), record(b"b", b"B", 7, &[1])]);
    data.truncate(100);
    let path = dir.write("bad.mmstats", &data);
    let name = path.to_str().unwrap();

    let out = validate_cmd(&[path.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let lines: Vec<String> = text(&out.stderr).lines().map(str::to_string).collect();
    let prefixes: Vec<String> =
        lines.iter().map(|l| l.splitn(4, ": ").take(3).collect::<Vec<_>>().join(": ")).collect();
    assert_eq!(
        prefixes,
        vec![
            format!("{name}: offset 3: bad_label_utf8"),
            format!("{name}: offset 16: bad_write_buffer"),
            format!("{name}: offset 100: bad_file_size"),
        ]
    );
    assert!(lines[1].ends_with("(at 0x10)"), "{}", lines[1]);

    let out = read_cmd(&[path.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(text(&out.stderr).lines().count(), 1);
    assert!(text(&out.stderr).starts_with(&format!("{name}: offset 3: bad_label_utf8: ")));
}

#[test]
fn max_size_option_and_file_too_large() {
    let dir = TempDir::new("cli");
    let path = dir.write("two-pages.mmstats", &common::padded(&hex("01 01 00 61 01 00 42 ff 07"), 8192));
    let p = path.as_os_str();
    for args in [vec!["--max-size".as_ref(), "4096".as_ref(), p], vec!["--max-size=4096".as_ref(), p]] {
        let out = validate_cmd(&args);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains(": offset 4096: file_too_large: "), "{}", text(&out.stderr));
        let out = read_cmd(&args);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains(": offset 4096: file_too_large: "));
    }
    assert_eq!(read_cmd(&["--max-size".as_ref(), "8192".as_ref(), p]).status.code(), Some(0));
}

#[test]
fn usage_and_io_errors_exit_2() {
    let dir = TempDir::new("cli");
    let missing = dir.0.join("missing.mmstats");
    for cmd in [read_cmd, validate_cmd] {
        let out = cmd(&[missing.as_os_str()]);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out.stderr).contains("cannot read"), "{}", text(&out.stderr));
        assert_eq!(cmd(&[]).status.code(), Some(2));
        assert_eq!(cmd(&["a".as_ref(), "b".as_ref()]).status.code(), Some(2));
        assert_eq!(cmd(&["--max-size".as_ref(), "lots".as_ref(), "a".as_ref()]).status.code(), Some(2));
        assert_eq!(cmd(&[dir.0.as_os_str()]).status.code(), Some(2), "a directory cannot be read");
        let help = cmd(&["--help".as_ref()]);
        assert_eq!(help.status.code(), Some(0));
        assert!(text(&help.stdout).starts_with("usage: "));
    }
    // not_ready is a problem of the file (exit 1), not an I/O error.
    let empty = dir.write("empty.mmstats", b"");
    let out = read_cmd(&[empty.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(": offset 0: not_ready: "));
    let creating = dir.write("creating.mmstats", &page(&[0]));
    assert_eq!(validate_cmd(&[creating.as_os_str()]).status.code(), Some(1));
}
