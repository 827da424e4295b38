//! Helpers shared by the writer's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mmstats_reader::json::{self, Json};
use mmstats_writer::FieldDesc;

/// The repository root (this crate is writers/rust).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `relative` inside the repository; a missing fixture fails the test that needs it, naming the path.
pub fn fixture_dir(relative: &str) -> PathBuf {
    let dir = repo().join(relative);
    assert!(dir.is_dir(), "missing fixture folder {}", dir.display());
    dir
}

/// The 0.8 corpus: real files written by mmstats 0.8 (conformance/golden/mmstats-0.8/README.md).
pub fn golden_08_dir() -> PathBuf {
    fixture_dir("conformance/golden/mmstats-0.8")
}

pub fn load_json(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    json::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fields (label, type, buffered) of a canonical JSON object, in file order.
pub fn fields_of(canonical: &Json) -> Vec<FieldDesc> {
    canonical
        .get("fields")
        .and_then(Json::as_array)
        .unwrap()
        .iter()
        .map(|f| {
            FieldDesc::new(
                f.get("label").and_then(Json::as_str).unwrap(),
                f.get("type").and_then(Json::as_str).unwrap(),
                f.get("buffered").and_then(Json::as_bool).unwrap(),
            )
        })
        .collect()
}

/// The offset of the first differing byte, with both bytes, for a readable failure.
pub fn first_difference(want: &[u8], got: &[u8]) -> Option<(usize, Option<u8>, Option<u8>)> {
    (0..want.len().max(got.len()))
        .find(|&i| want.get(i) != got.get(i))
        .map(|i| (i, want.get(i).copied(), got.get(i).copied()))
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mmstats-writer-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
