//! Every way this crate opens a file refuses what is not a regular file, at once: a FIFO planted where a
//! stats file was expected must not block a reader forever.

mod common;

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use common::{file, record, TempDir};
use mmstats_reader::{read, read_bytes, validate, ReadError, StatsReader, DEFAULT_MAX_SIZE};

fn mkfifo(path: &Path) {
    let name = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a NUL-terminated path and a mode; no other precondition.
    let rc = unsafe { libc::mkfifo(name.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo {}: {}", path.display(), std::io::Error::last_os_error());
}

/// `f()` from a thread: a call still blocked after 20 s fails the test.
fn within_20s<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(f()).unwrap());
    rx.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| panic!("{what}: still blocked after 20 s"))
}

/// A call that returns its I/O error text, None when the file was read.
type Call = fn(&Path) -> Option<String>;

/// The I/O error text of `f(path)`.
fn error_within_20s(what: &str, path: &Path, f: Call) -> String {
    let owned: PathBuf = path.to_path_buf();
    within_20s(what, move || f(&owned)).unwrap_or_else(|| panic!("{what}: {} was read", path.display()))
}

fn io_error(e: ReadError) -> Option<String> {
    match e {
        ReadError::Io(e) => Some(e.to_string()),
        ReadError::Format(e) => panic!("a format error, not an I/O error: {e}"),
    }
}

#[test]
fn fifo_and_directory_are_io_errors_that_say_not_a_regular_file() {
    let dir = TempDir::new("not-regular");
    let fifo = dir.0.join("fifo.mmstats");
    mkfifo(&fifo);
    let subdir = dir.0.join("dir.mmstats");
    std::fs::create_dir(&subdir).unwrap();
    let calls: [(&str, Call); 4] = [
        ("read", |p| read(p, DEFAULT_MAX_SIZE).err().and_then(io_error)),
        ("read_bytes", |p| read_bytes(p, DEFAULT_MAX_SIZE).err().and_then(io_error)),
        ("validate", |p| validate(p, DEFAULT_MAX_SIZE).err().map(|e| e.to_string())),
        ("StatsReader", |p| StatsReader::new(p).read().err().and_then(io_error)),
    ];
    for (what, f) in calls {
        let e = error_within_20s(what, &fifo, f);
        assert_eq!(e, "not a regular file: it is a FIFO", "{what}");
        let e = error_within_20s(what, &subdir, f);
        assert_eq!(e, "not a regular file: it is a directory", "{what}");
    }
}

#[test]
fn a_polled_file_swapped_for_a_fifo_is_refused() {
    let dir = TempDir::new("not-regular");
    let path = dir.write("swapped.mmstats", &file(&[record(b"n", b"B", 0xff, &[5])]));
    let mut reader = StatsReader::new(&path);
    assert_eq!(reader.read().unwrap().len(), 1);
    std::fs::remove_file(&path).unwrap();
    mkfifo(&path);
    let e = error_within_20s("a new StatsReader", &path, |p| StatsReader::new(p).read().err().and_then(io_error));
    assert!(e.starts_with("not a regular file"), "{e}");
    // The reader that polled the regular file before: a new identity, opened afresh and refused.
    let e = within_20s("the polling StatsReader", move || reader.read().err().and_then(io_error));
    let e = e.expect("the FIFO was read");
    assert!(e.starts_with("not a regular file"), "{e}");
}
