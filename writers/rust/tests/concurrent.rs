//! A writer thread updating while a reader polls the same file: the file stays valid throughout, and
//! the reader ends up with the writer's last values. (Torn samples are possible by design, so the
//! values seen in between are not asserted.)

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::TempDir;
use mmstats_reader::{StatsReader, Value};
use mmstats_writer::defaults::path_from;
use mmstats_writer::{default_fields, FieldDesc, MmstatsFile};

const UPDATES: u64 = 200_000;

#[test]
fn reader_polls_while_a_writer_thread_updates() {
    let tmp = TempDir::new("concurrent");
    let path = tmp.path("c.mmstats");
    let mut fields = vec![FieldDesc::new("requests", "Q", true), FieldDesc::new("status", "16s", true)];
    fields.extend(default_fields("app."));
    let file = MmstatsFile::create(&path, &fields).unwrap();
    let done = Arc::new(AtomicBool::new(false));

    let writer_done = Arc::clone(&done);
    let writer = std::thread::spawn(move || {
        // The file moves to this thread; its handles stay here.
        let mut requests = file.slot::<u64>("requests").unwrap();
        let mut status = file.text("status").unwrap();
        status.set("running");
        for _ in 0..UPDATES {
            requests.incr(1);
        }
        status.set("done");
        drop((requests, status));
        file.close();
        writer_done.store(true, Ordering::Release);
    });

    let mut reader = StatsReader::new(&path);
    let mut polls = 0u64;
    loop {
        let finished = done.load(Ordering::Acquire);
        let values = reader.read().unwrap_or_else(|e| panic!("poll {polls}: {e}"));
        polls += 1;
        assert_eq!(values.len(), 8);
        if finished {
            assert_eq!(values[0], Value::UInt(UPDATES));
            assert_eq!(values[1], Value::Text("done".into()));
            assert_eq!(values[2], Value::UInt(std::process::id().into()));
            break;
        }
    }
    writer.join().unwrap();
    assert!(polls >= 1);
}

#[test]
fn default_path_names_this_process_and_thread() {
    // The values MMSTATS_PATH and MMSTATS_FILES have when unset, whatever this test's environment holds.
    let path = path_from(None, Some("".into()));
    assert_eq!(path.parent(), Some(std::env::temp_dir().as_path()));
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let want_suffix = format!("-{}-{}.mmstats", std::process::id(), mmstats_writer::defaults::thread_id());
    assert!(name.ends_with(&want_suffix), "{name}");
    assert!(name.len() > want_suffix.len(), "{{CMD}} is not empty: {name}");
}
