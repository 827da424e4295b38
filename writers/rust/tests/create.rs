//! The creation protocol and the life of a file: exclusive creation, mode, publication, handles,
//! close and remove, and replacing only provably stale files.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::TempDir;
use mmstats_reader::{read, scan, Value, DEFAULT_MAX_SIZE};
use mmstats_writer::image::build;
use mmstats_writer::{CreateError, FieldDesc, Initial, MmstatsFile, Options, SlotError};

fn fields() -> Vec<FieldDesc> {
    vec![FieldDesc::new("requests", "Q", true), FieldDesc::new("name", "8s", false), FieldDesc::new("up", "?", false)]
}

/// A file as another (possibly dead) writer left it, with its sys.pid.
fn foreign_file(pid: u32) -> Vec<u8> {
    let (mut image, _) =
        build(&[FieldDesc::new("web.sys.pid", "I", false).with_initial(Initial::Int(pid.into()))]).unwrap();
    image[0] = 1;
    image
}

/// A pid that names no process now: past the kernel's pid_max.
fn dead_pid() -> u32 {
    let max: u32 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4_194_304);
    max + 1
}

#[test]
fn a_published_file_is_valid_and_ready() {
    let tmp = TempDir::new("create");
    let path = tmp.path("a.mmstats");
    let file = MmstatsFile::create(&path, &fields()).unwrap();
    let data = std::fs::read(&path).unwrap();
    assert_eq!(data[0], 1, "version byte stored last");
    assert_eq!(data.len(), 4096);
    assert_eq!(file.size(), 4096);
    let (layouts, errors) = scan(&data);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(layouts.len(), 3);
    assert_eq!(layouts[0].write_buffer_offset, file.layout()[0].write_buffer_offset);
    // mode 0644 filtered by the umask (the test process's umask is at least 022 or less strict).
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode & !0o644, 0, "mode {mode:o}");
    file.close();
    assert!(path.exists(), "close keeps the file");
}

#[test]
fn configured_mode() {
    let tmp = TempDir::new("create");
    let path = tmp.path("m.mmstats");
    let options = Options { mode: 0o600, ..Options::default() };
    MmstatsFile::create_with(&path, &fields(), &options).unwrap().remove().unwrap();
    let path = tmp.path("m2.mmstats");
    MmstatsFile::create_with(&path, &fields(), &options).unwrap().close();
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn never_reuses_an_existing_name() {
    let tmp = TempDir::new("create");
    // A file that is not an mmstats file: kept, untouched.
    let path = tmp.path("taken.mmstats");
    std::fs::write(&path, b"user data").unwrap();
    match MmstatsFile::create(&path, &fields()) {
        Err(e @ CreateError::Exists { .. }) => assert!(e.to_string().contains("taken.mmstats: cannot create"), "{e}"),
        other => panic!("{:?}", other.err()),
    }
    assert_eq!(std::fs::read(&path).unwrap(), b"user data");

    // A symbolic link is never followed, even to a stale-looking file.
    let target = tmp.path("target.mmstats");
    std::fs::write(&target, foreign_file(dead_pid())).unwrap();
    let link = tmp.path("link.mmstats");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert!(MmstatsFile::create(&link, &fields()).is_err());
    assert_eq!(std::fs::read(&target).unwrap(), foreign_file(dead_pid()));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());

    // A bad description creates nothing.
    let nothing = tmp.path("nothing.mmstats");
    assert!(matches!(
        MmstatsFile::create(&nothing, &[FieldDesc::new("a", "L", true)]),
        Err(CreateError::Description(_))
    ));
    assert!(!nothing.exists());
    // A file too large for any reader (300 MB for one string) is refused before anything is created.
    let huge = tmp.path("huge.mmstats");
    let e = MmstatsFile::create(&huge, &[FieldDesc::new("s", "300000000s", false)]).err().unwrap();
    assert!(matches!(e, CreateError::Description(_)) && e.to_string().contains("file_too_large"), "{e}");
    assert!(!huge.exists());
    // A missing directory is an I/O error naming the path.
    let e = MmstatsFile::create(tmp.path("no/such/dir.mmstats"), &fields()).err().unwrap();
    assert!(matches!(e, CreateError::Io { step: "open", .. }) && e.to_string().contains("no/such/dir.mmstats"), "{e}");
}

#[test]
fn replaces_only_provably_stale_files() {
    let tmp = TempDir::new("stale");
    // Dead writer, our file: replaced.
    let path = tmp.path("stale.mmstats");
    std::fs::write(&path, foreign_file(dead_pid())).unwrap();
    let file = MmstatsFile::create(&path, &fields()).unwrap();
    assert_eq!(read(&path, DEFAULT_MAX_SIZE).unwrap()[0].label, "requests");
    file.remove().unwrap();
    assert!(!path.exists(), "remove deletes the file");

    // Live writer (this process): kept.
    std::fs::write(&path, foreign_file(std::process::id())).unwrap();
    let e = MmstatsFile::create(&path, &fields()).err().unwrap();
    assert!(e.to_string().contains("may be alive"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), foreign_file(std::process::id()));

    // Being created (version 0x00) or without sys.pid: kept.
    let mut creating = foreign_file(dead_pid());
    creating[0] = 0;
    std::fs::write(&path, &creating).unwrap();
    assert!(MmstatsFile::create(&path, &fields()).err().unwrap().to_string().contains("not_ready"));
    let (mut no_pid, _) = build(&[FieldDesc::new("x", "I", false)]).unwrap();
    no_pid[0] = 1;
    std::fs::write(&path, &no_pid).unwrap();
    assert!(MmstatsFile::create(&path, &fields()).err().unwrap().to_string().contains("no integer sys.pid"));

    // Replacement switched off: even a stale file is kept.
    std::fs::write(&path, foreign_file(dead_pid())).unwrap();
    let off = Options { replace_stale: false, ..Options::default() };
    assert!(matches!(MmstatsFile::create_with(&path, &fields(), &off), Err(CreateError::Exists { .. })));
    assert_eq!(std::fs::read(&path).unwrap(), foreign_file(dead_pid()));
}

#[test]
fn one_live_handle_per_field() {
    let tmp = TempDir::new("handles");
    let file = MmstatsFile::create(tmp.path("h.mmstats"), &fields()).unwrap();
    let mut requests = file.slot::<u64>("requests").unwrap();
    assert_eq!(file.slot::<u64>("requests").err(), Some(SlotError::AlreadyTaken("requests".into())));
    assert!(matches!(file.slot::<u32>("up"), Err(SlotError::WrongType { .. })));
    assert!(matches!(file.slot::<u64>("name"), Err(SlotError::WrongType { .. })));
    assert!(matches!(file.text("requests"), Err(SlotError::WrongType { .. })));
    assert_eq!(file.slot::<u64>("nope").err(), Some(SlotError::NoSuchField("nope".into())));
    requests.incr(5);
    requests.incr(1);
    drop(requests);
    // Taken again: the handle starts from what is in the file (value 6, write buffer 0 after 2 updates).
    let mut again = file.slot::<u64>("requests").unwrap();
    assert_eq!(again.get(), 6);
    again.incr(1);
    assert_eq!(again.get(), 7);
    drop(again);
    let fields = read(file.path(), DEFAULT_MAX_SIZE).unwrap();
    assert_eq!(fields[0].value, Value::UInt(7));
    let data = std::fs::read(file.path()).unwrap();
    let wb = file.layout()[0].write_buffer_offset;
    assert_eq!(data[wb], 1, "3 updates: write buffer 3 mod 2");
    assert_eq!(&data[wb + 1..wb + 9], &7u64.to_le_bytes(), "value[0] was written last");
    assert_eq!(&data[wb + 9..wb + 17], &6u64.to_le_bytes(), "value[1] holds the previous value");
    file.sync().unwrap();
}

#[test]
fn remove_deletes_only_its_own_file_never_one_renamed_over_its_path() {
    let tmp = TempDir::new("remove-own");
    let path = tmp.path("a.mmstats");
    let file = MmstatsFile::create(&path, &fields()).unwrap();
    let other = tmp.path("other.mmstats");
    std::fs::write(&other, b"someone else's file").unwrap();
    std::fs::rename(&other, &path).unwrap();
    let err = file.remove().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(std::fs::read(&path).unwrap(), b"someone else's file");
}
