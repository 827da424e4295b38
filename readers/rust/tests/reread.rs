//! The re-reader: layout parsed once, values re-read, and the spec's write-buffer re-check.

mod common;

use std::cell::Cell;
use std::io;
use std::os::unix::fs::FileExt;

use common::{file, record, TempDir};
use mmstats_reader::reread::{settle, ReadAt};
use mmstats_reader::{read, scan, ErrorCode, ReadError, StatsReader, Value, RETRIES};

/// A buffered Q "n" (wb at 7, value[0] at 8, value[1] at 16) and an unbuffered B "u".
fn image(wb: u8, v0: u64, v1: u64) -> Vec<u8> {
    let mut area = v0.to_le_bytes().to_vec();
    area.extend(v1.to_le_bytes());
    file(&[record(b"n", b"Q", wb, &area), record(b"u", b"B", 0xff, &[9])])
}

const WB: usize = 7;

/// Each read returns the next image of a list (the last one forever): a file a writer is changing.
struct Changing {
    images: Vec<Vec<u8>>,
    reads: Cell<usize>,
}

impl ReadAt for Changing {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let n = self.reads.get();
        self.reads.set(n + 1);
        let image = &self.images[n.min(self.images.len() - 1)];
        let from = (offset as usize).min(image.len());
        let len = buf.len().min(image.len() - from);
        buf[..len].copy_from_slice(&image[from..from + len]);
        Ok(len)
    }
}

/// The value of "n" after settling `first` (the first copy) against `later` copies; and the reads made.
fn settled(first: Vec<u8>, later: Vec<Vec<u8>>) -> (Result<Value, ReadError>, usize) {
    let (fields, errors) = scan(&first);
    assert!(errors.is_empty());
    let src = Changing { images: later, reads: Cell::new(0) };
    let mut data = first;
    let result = settle(&src, &mut data, &mut Vec::new(), &fields)
        .map(|()| mmstats_reader::value::field_value(&data, &fields[0]));
    (result, src.reads.get())
}

#[test]
fn a_value_whose_write_buffer_did_not_flip_is_kept() {
    // wb 1: readers read value[0] = 5. The second copy shows the same wb: one extra read, value kept.
    let (v, reads) = settled(image(1, 5, 4), vec![image(1, 5, 4)]);
    assert_eq!((v.unwrap(), reads), (Value::UInt(5), 1));
}

#[test]
fn a_flip_during_the_copy_takes_the_newer_copy() {
    // First copy: wb 1 and a torn value[0] (999). The re-read shows wb 0: the writer flipped during
    // the copy. The newer copy (value[1] = 6) is checked against a third copy and kept.
    let (v, reads) = settled(image(1, 999, 4), vec![image(0, 5, 6), image(0, 5, 6)]);
    assert_eq!((v.unwrap(), reads), (Value::UInt(6), 2));
}

#[test]
fn a_value_that_keeps_flipping_is_taken_after_three_retries() {
    let later: Vec<_> = (0..10).map(|i| image((i % 2) as u8, 100 + i, 200 + i)).collect();
    let (v, reads) = settled(image(1, 1, 1), later);
    // One check of the first copy, then RETRIES newer copies each checked by one more read.
    assert_eq!(reads, 1 + RETRIES);
    // The last copy taken is the RETRIES-th later image (index RETRIES - 1), read from value[wb ^ 1].
    let last = (RETRIES - 1) as u64;
    let want = if last.is_multiple_of(2) { 200 + last } else { 100 + last };
    assert_eq!(v.unwrap(), Value::UInt(want));
}

#[test]
fn a_file_changing_under_the_reader_is_reported() {
    let mut bad_wb = image(1, 5, 4);
    bad_wb[WB] = 7;
    match settled(image(1, 5, 4), vec![bad_wb]).0 {
        Err(ReadError::Format(e)) => assert_eq!((e.code, e.offset), (ErrorCode::BadWriteBuffer, WB as u64)),
        other => panic!("{other:?}"),
    }
    match settled(image(1, 5, 4), vec![image(1, 5, 4)[..20].to_vec()]).0 {
        Err(ReadError::Format(e)) => assert_eq!((e.code, e.offset), (ErrorCode::PastEof, 20)),
        other => panic!("{other:?}"),
    }
    let mut unready = image(1, 5, 4);
    unready[0] = 0;
    match settled(image(1, 5, 4), vec![unready]).0 {
        Err(ReadError::Format(e)) => assert_eq!((e.code, e.offset), (ErrorCode::BadVersion, 0)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn stats_reader_polls_values_and_follows_a_replaced_file() {
    let dir = TempDir::new("reread");
    let path = dir.write("a.mmstats", &image(0, 1, 2));
    let mut reader = StatsReader::new(&path);
    assert_eq!(reader.read().unwrap(), &[Value::UInt(2), Value::UInt(9)]);

    // The writer's next update: value[0] = 3, then wb 0 -> 1. Same file: the layout is kept.
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.write_at(&3u64.to_le_bytes(), 8).unwrap();
    f.write_at(&[1], WB as u64).unwrap();
    assert_eq!(reader.read().unwrap(), &[Value::UInt(3), Value::UInt(9)]);

    // Another file at the same path (new inode): parsed afresh.
    let other = file(&[record(b"only", b"d", 0xff, &2.5f64.to_le_bytes())]);
    let tmp = dir.write("b.mmstats", &other);
    std::fs::rename(&tmp, &path).unwrap();
    assert_eq!(reader.read().unwrap(), &[Value::Float(2.5)]);
    assert_eq!(reader.layout().unwrap().fields()[0].label, "only");

    // A file rewritten in place is parsed again and reports what scan finds: version 0x00 is a
    // writer creating it again (not_ready, spec "Reading a file"); a fixed one reads again.
    let mut broken = other.clone();
    broken[0] = 0;
    std::fs::write(&path, &broken).unwrap();
    match reader.read() {
        Err(ReadError::Format(e)) => assert_eq!(e.code, ErrorCode::NotReady),
        other => panic!("{other:?}"),
    }
    broken[0] = 2;
    std::fs::write(&path, &broken).unwrap();
    match reader.read() {
        Err(ReadError::Format(e)) => assert_eq!(e.code, ErrorCode::BadVersion),
        other => panic!("{other:?}"),
    }
    std::fs::write(&path, image(1, 7, 8)).unwrap();
    assert_eq!(reader.read().unwrap(), &[Value::UInt(7), Value::UInt(9)]);

    // Over the size limit: file_too_large at the limit.
    let mut small = StatsReader::with_max_size(&path, 100);
    match small.read() {
        Err(ReadError::Format(e)) => assert_eq!((e.code, e.offset), (ErrorCode::FileTooLarge, 100)),
        other => panic!("{other:?}"),
    }
    // A missing file is an I/O error.
    assert!(matches!(StatsReader::new(dir.0.join("nope")).read(), Err(ReadError::Io(_))));
}

#[test]
fn read_applies_the_recheck_to_a_file_at_rest() {
    let dir = TempDir::new("read");
    let path = dir.write("a.mmstats", &image(1, 42, 41));
    let fields = read(&path, 1 << 20).unwrap();
    assert_eq!(fields[0].value, Value::UInt(42));
    assert_eq!(fields[1].value, Value::UInt(9));
    match read(&path, 4095) {
        Err(ReadError::Format(e)) => assert_eq!((e.code, e.offset), (ErrorCode::FileTooLarge, 4095)),
        other => panic!("{other:?}"),
    }
    assert!(read(&path, 4096).is_ok());
}
