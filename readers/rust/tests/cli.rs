//! The two commands, run as the conformance harness runs them.

mod common;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{file, hex, page, record, TempDir};
use mmstats_reader::compare::diff;
use mmstats_reader::json::{self, Json};

/// Runs a command to its end; one that is still running after 20 s (blocked on a FIFO, say) is killed
/// and fails the test.
fn run(bin: &str, args: &[&OsStr]) -> Output {
    let mut child = Command::new(bin).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{bin} {args:?} still running after 20 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

fn read_cmd(args: &[&OsStr]) -> Output {
    run(env!("CARGO_BIN_EXE_mmstats-rust-read"), args)
}

fn validate_cmd(args: &[&OsStr]) -> Output {
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

/// Makes a FIFO at `path` (nobody ever opens its other end).
fn mkfifo(path: &std::path::Path) {
    let name = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a NUL-terminated path and a mode; no other precondition.
    let rc = unsafe { libc::mkfifo(name.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo {}: {}", path.display(), std::io::Error::last_os_error());
}

#[test]
fn a_fifo_is_refused_at_once_not_waited_on() {
    let dir = TempDir::new("cli");
    let fifo = dir.0.join("planted.mmstats");
    mkfifo(&fifo);
    for cmd in [read_cmd, validate_cmd] {
        let out = cmd(&[fifo.as_os_str()]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
        let want = format!("{}: cannot read: not a regular file", fifo.display());
        assert!(text(&out.stderr).starts_with(&want), "{}", text(&out.stderr));
    }
}

/// A name with a terminal escape (clear screen), a newline, a backslash and bytes that are not UTF-8.
fn hostile_name() -> OsString {
    OsString::from_vec(b"x\x1b[2J\n\\ caf\xe9\xff.mmstats".to_vec())
}
const HOSTILE_ESCAPED: &str = "x\\x1b[2J\\x0a\\\\ caf\\xe9\\xff.mmstats";

/// No raw control character in a human-readable line but the newline that ends it.
fn assert_escaped(stderr: &[u8]) {
    let line = text(stderr);
    assert!(line.ends_with('\n') && line.lines().count() >= 1, "{line:?}");
    for l in line.lines() {
        assert!(!l.chars().any(|c| c.is_control()), "raw control character in {l:?}");
    }
}

#[test]
fn file_names_are_escaped_in_error_lines() {
    let dir = TempDir::new("cli");
    let mut bad = file(&[record(b"b", b"B", 7, &[1])]);
    bad.truncate(100);
    let path = dir.0.join(hostile_name());
    std::fs::write(&path, &bad).unwrap();
    let shown = format!("{}/{HOSTILE_ESCAPED}", dir.0.display());
    for cmd in [read_cmd, validate_cmd] {
        let out = cmd(&[path.as_os_str()]);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        assert_escaped(&out.stderr);
        assert!(
            text(&out.stderr).starts_with(&format!("{shown}: offset 7: bad_write_buffer: ")),
            "{:?}",
            text(&out.stderr)
        );
    }
    // The same name, missing, and as a FIFO: the I/O lines are escaped too.
    std::fs::remove_file(&path).unwrap();
    for make_fifo in [false, true] {
        if make_fifo {
            mkfifo(&path);
        }
        for cmd in [read_cmd, validate_cmd] {
            let out = cmd(&[path.as_os_str()]);
            assert_eq!(out.status.code(), Some(2));
            assert_escaped(&out.stderr);
            assert!(text(&out.stderr).starts_with(&format!("{shown}: cannot read: ")), "{:?}", text(&out.stderr));
        }
    }
    // An unknown option is shown escaped as well.
    let out = read_cmd(&[OsStr::from_bytes(b"--\x1b[2J"), path.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert_escaped(&out.stderr);
}

#[test]
fn a_name_that_is_not_utf8_opens_and_its_json_is_utf8() {
    let dir = TempDir::new("cli");
    let path = dir.0.join(hostile_name());
    std::fs::write(&path, file(&[record(b"n", b"Q", 0xff, &hex("2a 00*7"))])).unwrap();
    let out = read_cmd(&[path.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // `text` fails unless the whole output is valid UTF-8.
    let got = json::parse(&text(&out.stdout)).unwrap();
    // 0xe9 (a lead byte the next byte does not continue) and 0xff are one U+FFFD each; the rest is kept.
    let want = format!("{}/x\u{1b}[2J\n\\ caf\u{fffd}\u{fffd}.mmstats", dir.0.display());
    assert_eq!(got.get("path").and_then(Json::as_str), Some(want.as_str()));
    let value = got.get("fields").and_then(Json::as_array).unwrap()[0].get("value").cloned();
    assert_eq!(value, Some(Json::Number("42".into())));
    assert_eq!(validate_cmd(&[path.as_os_str()]).status.code(), Some(0));
}
