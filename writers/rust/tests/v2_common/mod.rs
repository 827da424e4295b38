//! Helpers of the version 2 tests: temporary directories, the Rust and the Python readers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use mmstats_reader::json::{self, Json};
use mmstats_reader::v2::{File, Value};
use mmstats_reader::{read_document, Document, DEFAULT_MAX_SIZE};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mmstats-writer-v2-{tag}-{}-{}",
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

/// The file decoded by the Rust reader (the copy protocol of spec/v2.md).
pub fn read(path: &Path) -> File {
    match read_document(path, DEFAULT_MAX_SIZE).unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
        Document::V2(f) => f,
        Document::V1(_) => panic!("{}: a version 1 file", path.display()),
    }
}

/// The value of the only field named `name`.
pub fn value(file: &File, name: &str) -> Value {
    let mut found = file.fields.iter().filter(|f| f.label == name);
    let f = found.next().unwrap_or_else(|| panic!("no field {name}"));
    assert!(found.next().is_none(), "two fields {name}");
    f.value.clone().unwrap_or_else(|| panic!("{name}: no consistent value"))
}

/// The canonical JSON the repository's Python reader prints for `path` (`.venv`, made by
/// `make setup`; without it this fails: the cross-check is the point of the test).
pub fn python_read(path: &Path) -> Json {
    let mmstats = repo().join(".venv/bin/mmstats");
    assert!(mmstats.exists(), "{} is missing: run `make setup` first", mmstats.display());
    let out = Command::new(&mmstats).arg("read").arg("--json").arg(path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    json::parse(std::str::from_utf8(&out.stdout).unwrap().trim()).unwrap()
}

/// `want` completed with the members it leaves out, taken from `got`: the scenarios do not state the
/// producer's identity, which the comparison then ignores.
pub fn stated(want: &Json, got: &Json) -> Json {
    let (Json::Object(w), Json::Object(g)) = (want, got) else { panic!("not objects") };
    let mut out = w.clone();
    out.extend(g.iter().filter(|(k, _)| !w.iter().any(|(wk, _)| wk == k)).cloned());
    Json::Object(out)
}
