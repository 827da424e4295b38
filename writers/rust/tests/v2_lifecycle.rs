//! Fields added at run time, full files, creation and liveness (lock, state, removal), fork.

mod v2_common;

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

use mmstats_reader::v2::{Poller, Value};
use mmstats_writer::v2::{FieldError, Stats, StatsError};
use v2_common::{read, value, TempDir};

/// What the spec's lock probe finds: true when another open file description holds the lock.
fn locked(path: &Path) -> bool {
    let f = File::open(path).unwrap();
    // SAFETY: a valid descriptor; the lock is released when `f` is dropped.
    let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) };
    let e = std::io::Error::last_os_error();
    match r {
        0 => false,
        _ => {
            assert_eq!(e.raw_os_error(), Some(libc::EWOULDBLOCK), "{e}");
            true
        }
    }
}

fn state(path: &Path) -> u32 {
    let raw = std::fs::read(path).unwrap();
    u32::from_le_bytes(raw[12..16].try_into().unwrap())
}

#[test]
fn a_field_added_at_run_time_is_seen_by_a_reader_that_opened_before() {
    let tmp = TempDir::new("runtime");
    let path = tmp.path("r.mmstats");
    let stats = Stats::create(&path).unwrap();
    stats.counter("first").build().unwrap().add(1);
    let mut poller = Poller::new(&path);
    assert_eq!(poller.read().unwrap().fields.len(), 1);
    let later = stats.gauge_i64("later").unit("{item}").attr("queue", "in").build().unwrap();
    later.set(-5);
    let file = poller.read().unwrap();
    assert_eq!(file.fields.len(), 2);
    let f = &file.fields[1];
    assert_eq!((f.label.as_str(), f.unit.as_str(), f.value.clone()), ("later", "{item}", Some(Value::Int(-5))));
    assert_eq!(f.attributes, [("queue".to_string(), "in".to_string())]);
    assert_eq!(poller.entries_parsed(), 2, "the first entry is not parsed again");
}

#[test]
fn a_full_file_counts_overflow_and_hands_out_working_unpublished_fields() {
    let tmp = TempDir::new("full");
    let path = tmp.path("f.mmstats");
    // 80 bytes of metadata: two entries of 40 ("a", "b"); 16 bytes of process area: two numbers.
    let stats = Stats::builder().path(&path).meta_capacity(80).process_capacity(16).slot_size(64).create().unwrap();
    let a = stats.counter("a").build().unwrap();
    let g = stats.gauge_u64("g").build().unwrap();
    let c = stats.counter("c").build().unwrap(); // no room in the metadata
    a.add(2);
    g.set(9);
    c.add(40); // works, into private memory
    assert!(a.is_published() && g.is_published() && !c.is_published());
    let file = read(&path);
    assert_eq!(file.header.overflow_count, 1);
    assert_eq!(file.fields.iter().map(|f| f.label.as_str()).collect::<Vec<_>>(), ["a", "g"]);
    assert_eq!(value(&file, "a"), Value::UInt(2));
    // The process area is full too, with room left in the metadata of another file.
    let path2 = tmp.path("p.mmstats");
    let stats2 = Stats::builder().path(&path2).process_capacity(8).create().unwrap();
    stats2.gauge("x").build().unwrap().set(1.0);
    let text = stats2.string("s").capacity(8).build().unwrap(); // 24 bytes: does not fit in 8
    text.set("ignored");
    assert!(!text.is_published());
    assert!(!stats2.constant("k", 1u64).build().unwrap());
    let file = read(&path2);
    assert_eq!((file.header.overflow_count, file.fields.len()), (2, 1));
    drop((stats, stats2));
}

#[test]
fn bad_descriptions_are_refused_before_anything_is_written() {
    let tmp = TempDir::new("bad");
    let path = tmp.path("b.mmstats");
    let stats = Stats::create(&path).unwrap();
    assert!(matches!(stats.counter("").build(), Err(FieldError::BadName(_))));
    assert!(matches!(stats.counter("x").unit("m s").build(), Err(FieldError::BadUnit { .. })));
    assert!(matches!(stats.counter("x").attr("k", "1").attr("k", "2").build(), Err(FieldError::BadAttributes { .. })));
    assert!(matches!(stats.histogram("h", &[1.0, 1.0]).build(), Err(FieldError::BadBounds(_))));
    assert!(matches!(stats.histogram("h", &[f64::NAN]).build(), Err(FieldError::BadBounds(_))));
    stats.counter("x").attr("a", "1").attr("b", "2").build().unwrap();
    assert!(matches!(stats.counter("x").attr("b", "2").attr("a", "1").build(), Err(FieldError::Duplicate(_))));
    let file = read(&path);
    assert_eq!((file.fields.len(), file.header.overflow_count), (1, 0));
}

#[test]
fn the_lock_is_held_while_open_and_the_file_goes_at_close() {
    let tmp = TempDir::new("live");
    let path = tmp.path("l.mmstats");
    let stats = Stats::create(&path).unwrap();
    let c = stats.counter("c").build().unwrap();
    assert!(locked(&path), "the writer holds its lock");
    assert_eq!(state(&path), 1);
    let header = read(&path).header;
    assert_eq!(header.pid, u64::from(std::process::id()));
    assert!(header.start_ticks > 0 && header.created_unix_ns > 1_700_000_000_000_000_000);
    let names: Vec<_> = std::fs::read_dir(&tmp.0).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["l.mmstats"], "no temporary file is left");
    stats.close().unwrap();
    assert!(!path.exists(), "removed at close by default");
    c.add(1); // a handle that outlives its file keeps working on the unlinked mapping
}

#[test]
fn a_kept_file_is_closed_and_its_lock_released_with_the_last_handle() {
    let tmp = TempDir::new("keep");
    let path = tmp.path("k.mmstats");
    let stats = Stats::builder().path(&path).keep_on_close(true).create().unwrap();
    let c = stats.counter("c").build().unwrap();
    c.add(3);
    stats.close().unwrap();
    assert_eq!(state(&path), 2, "closed: the values are final");
    assert!(locked(&path), "a live handle keeps the file mapped and locked");
    drop(c);
    assert!(!locked(&path), "the descriptor is closed last");
    let file = read(&path);
    assert_eq!(value(&file, "c"), Value::UInt(3));
    // Dropping without close also closes (and removes, the default).
    let path2 = tmp.path("d.mmstats");
    drop(Stats::create(&path2).unwrap());
    assert!(!path2.exists());
}

#[test]
fn creation_never_replaces_a_file_and_names_the_path_on_error() {
    let tmp = TempDir::new("create");
    let path = tmp.path("x.mmstats");
    std::fs::write(&path, b"someone's data").unwrap();
    let err = Stats::create(&path).unwrap_err();
    assert!(matches!(err, StatsError::Io { .. }));
    assert!(err.to_string().starts_with(&format!("{}: cannot create: ", path.display())), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"someone's data");
    let names: Vec<_> = std::fs::read_dir(&tmp.0).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["x.mmstats"], "the temporary file was removed");
    let bad = Stats::builder().path(tmp.path("y.mmstats")).slot_size(100).create().unwrap_err();
    assert!(matches!(bad, StatsError::Geometry(_)), "{bad}");
    assert!(!tmp.path("y.mmstats").exists());
}

#[test]
fn a_forked_child_never_writes_its_parents_file_nor_keeps_its_lock() {
    let tmp = TempDir::new("fork");
    let path = tmp.path("p.mmstats");
    let stats = Stats::builder().path(&path).keep_on_close(true).create().unwrap();
    let c = stats.counter("c").build().unwrap();
    let s = stats.string("s").build().unwrap();
    c.add(1);
    s.set("parent");
    let (mut to_parent, mut to_child) = ([0; 2], [0; 2]);
    // SAFETY: two arrays of two descriptors each.
    assert!(unsafe { libc::pipe(to_parent.as_mut_ptr()) == 0 && libc::pipe(to_child.as_mut_ptr()) == 0 });
    // SAFETY: the child only updates handles (atomic stores), uses pipes and exits with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        c.add(1000);
        s.set("child");
        stats.counter("child.field").build().map(|f| f.add(1)).ok();
        drop(stats); // must neither close nor remove the parent's file
        let byte = [0u8; 1];
        let mut told = libc::pollfd { fd: to_child[0], events: libc::POLLIN, revents: 0 };
        // SAFETY: our pipe ends; the child stays alive (holding whatever it inherited) until told to go,
        // or 10 s at most should the parent have failed before telling it.
        unsafe {
            libc::write(to_parent[1], byte.as_ptr().cast(), 1);
            libc::poll(&mut told, 1, 10_000);
            libc::_exit(0);
        }
    }
    let mut byte = [0u8; 1];
    // SAFETY: our pipe end; waits until the child has written and dropped everything it could.
    assert_eq!(unsafe { libc::read(to_parent[0], byte.as_mut_ptr().cast(), 1) }, 1);
    let file = read(&path);
    assert_eq!((file.header.state, file.fields.len()), (1, 2));
    assert_eq!(value(&file, "c"), Value::UInt(1));
    assert_eq!(value(&file, "s"), Value::Text("parent".into()));
    c.add(1);
    assert_eq!(value(&read(&path), "c"), Value::UInt(2), "the parent goes on writing");
    // The parent lets go of its file while the child lives: the lock must be free (the child closed its
    // descriptor and no longer maps the file, which would keep the lock too).
    stats.close().unwrap();
    drop((c, s));
    let lock_free_while_child_lives = !locked(&path);
    // SAFETY: our pipe end; then wait for our own child.
    unsafe { libc::write(to_child[1], byte.as_ptr().cast(), 1) };
    let mut status = 0;
    // SAFETY: waits for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child status {status}");
    assert!(lock_free_while_child_lives, "the child kept its parent's file locked");
    assert_eq!(state(&path), 2);
    for fd in to_parent.into_iter().chain(to_child) {
        // SAFETY: our descriptors, closed once.
        unsafe { libc::close(fd) };
    }
}

#[test]
fn the_heartbeat_is_promised_in_the_header_and_stored_on_request() {
    let tmp = TempDir::new("heartbeat");
    let path = tmp.path("h.mmstats");
    let stats = Stats::builder().path(&path).heartbeat_interval_ms(1000).create().unwrap();
    let before = read(&path).header;
    assert_eq!((before.heartbeat_interval_ms, before.heartbeat_unix_ns), (1000, 0));
    stats.heartbeat();
    let after = read(&path).header;
    assert!(after.heartbeat_unix_ns >= after.created_unix_ns, "{after:?}");
}
