//! Helpers shared by the integration tests: where the corpora are, and building small files by hand.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mmstats_reader::json::{self, Json};

pub const PAGE: usize = 4096;

/// The repository root (this crate is readers/rust).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `dir` inside the repository; a missing fixture fails the test that needs it, naming the path.
fn fixture_dir(relative: &str) -> PathBuf {
    let dir = repo().join(relative);
    assert!(dir.is_dir(), "missing fixture folder {}", dir.display());
    dir
}

/// The 0.8 corpus: real files written by mmstats 0.8 and the values its own reader returns.
pub fn golden_08_dir() -> PathBuf {
    fixture_dir("conformance/golden/mmstats-0.8")
}

/// The conformance directory, with its manifest.
pub fn conformance_dir() -> PathBuf {
    let dir = fixture_dir("conformance");
    assert!(dir.join("manifest.json").is_file(), "missing {}", dir.join("manifest.json").display());
    dir
}

/// Every `.mmstats` file in `dir` (not recursive), sorted, each with its `.json` beside it.
pub fn pairs(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "mmstats"))
        .map(|p| {
            let json = p.with_extension("json");
            (p, json)
        })
        .collect();
    out.sort();
    out
}

pub fn load_json(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    json::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `bytes` followed by zeros up to `size`.
pub fn padded(bytes: &[u8], size: usize) -> Vec<u8> {
    assert!(bytes.len() <= size);
    let mut out = bytes.to_vec();
    out.resize(size, 0);
    out
}

/// `bytes` zero-filled to one page.
pub fn page(bytes: &[u8]) -> Vec<u8> {
    padded(bytes, PAGE)
}

/// Bytes from a hex dump like "01 03 00 61*4": spaces between bytes, `HH*N` repeats a byte.
pub fn hex(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let (byte, count) = word.split_once('*').unwrap_or((word, "1"));
        let byte = u8::from_str_radix(byte, 16).unwrap_or_else(|_| panic!("bad hex {word:?}"));
        out.extend(std::iter::repeat_n(byte, count.parse().unwrap()));
    }
    out
}

/// One record: label_size, label, type_size, type, write_buffer, value area.
pub fn record(label: &[u8], signature: &[u8], write_buffer: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend((label.len() as u16).to_le_bytes());
    out.extend(label);
    out.extend((signature.len() as u16).to_le_bytes());
    out.extend(signature);
    out.push(write_buffer);
    out.extend(value);
    out
}

/// A version 1 file: version byte, the records, zero fill to a whole page (at least one).
pub fn file(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![1u8];
    for r in records {
        out.extend(r);
    }
    let size = out.len().div_ceil(PAGE).max(1) * PAGE;
    padded(&out, size)
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mmstats-reader-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
