//! The unpublished image: bytes counted by hand, page rounding, and refused descriptions.

use mmstats_reader::DEFAULT_MAX_SIZE;
use mmstats_writer::image::{build, layout};
use mmstats_writer::{FieldDesc, Initial};

#[test]
fn image_bytes_by_hand() {
    let fields =
        [FieldDesc::new("n", "Q", true), FieldDesc::new("s", "3s", false).with_initial(Initial::Text("hey!".into()))];
    let (image, slots) = build(&fields).unwrap();
    let mut want = vec![
        0x00, // version: not ready until published
        0x01, 0x00, b'n', 0x01, 0x00, b'Q', 0x00, // label_size, label, type_size, type, write_buffer 0
    ];
    want.extend([0u8; 16]); // value[0], value[1]
    want.extend([0x01, 0x00, b's', 0x02, 0x00, b'3', b's', 0xff]); // unbuffered
    want.extend(b"hey"); // cut to 3 bytes, no NUL
    assert_eq!(&image[..want.len()], &want[..]);
    assert!(image[want.len()..].iter().all(|&b| b == 0), "zero fill (the terminator is its first two bytes)");
    assert_eq!(image.len(), 4096);
    // Offsets: wb of "n" at 1+2+1+2+1 = 7, values at 8; record "s" at 24, its wb at 24+2+1+2+2 = 31.
    assert_eq!((slots[0].write_buffer_offset, slots[0].value_offset), (7, 8));
    assert_eq!((slots[1].write_buffer_offset, slots[1].value_offset, slots[1].end()), (31, 32, 35));
}

#[test]
fn initial_values_go_where_readers_read() {
    let fields = [
        FieldDesc::new("q", "q", true).with_initial(Initial::Int(-2)),
        FieldDesc::new("f", "f", false).with_initial(Initial::Float(0.1)),
        FieldDesc::new("b", "?", false).with_initial(Initial::Bool(true)),
        FieldDesc::new("h", "h", false).with_initial(Initial::Int(40000)),
    ];
    let (image, slots) = build(&fields).unwrap();
    // Buffered: write buffer 0, so readers read value[1].
    assert_eq!(&image[slots[0].value_at(0)..slots[0].value_at(1)], &[0; 8]);
    assert_eq!(&image[slots[0].value_at(1)..slots[0].end()], &(-2i64).to_le_bytes());
    assert_eq!(&image[slots[1].value_offset..slots[1].end()], &[0xcd, 0xcc, 0xcc, 0x3d]);
    assert_eq!(image[slots[2].value_offset], 1);
    assert_eq!(&image[slots[3].value_offset..slots[3].end()], &(-25536i16).to_le_bytes());
}

#[test]
fn size_is_rounded_up_to_pages() {
    // One record of 13 + N bytes after the version byte: N = 4082 ends exactly at 4096 (no terminator).
    let size_for = |n: usize| layout(&[FieldDesc::new("pad", format!("{n}s"), false)]).unwrap().1;
    assert_eq!(size_for(4082), 4096);
    assert_eq!(size_for(4083), 8192);
    assert_eq!(size_for(4081), 4096); // one lone zero byte at the end
    assert_eq!(layout(&[]).unwrap().1, 4096); // no fields: still one page
    let (image, _) = build(&[FieldDesc::new("pad", "4082s", false).with_initial(Initial::Text("end".into()))]).unwrap();
    assert_eq!(image.len(), 4096);
    assert_eq!(&image[14..18], b"end\0");
}

#[test]
fn a_file_no_reader_accepts_is_refused() {
    // After the version byte, a record of 2 + 3 + 2 + 10 + 1 + N bytes ("big", "<N>s" with 9 digits):
    // N = 268435437 ends exactly at the readers' limit of 256 MiB, one more byte is past it.
    assert_eq!(DEFAULT_MAX_SIZE, 256 * 1024 * 1024);
    let at_limit = 268_435_437;
    let big = |n: usize| vec![FieldDesc::new("small", "Q", true), FieldDesc::new("big", format!("{n}s"), false)];
    let sized = |n: usize| layout(&big(n)[1..]);
    assert_eq!(sized(at_limit).unwrap().1 as u64, DEFAULT_MAX_SIZE);
    let e = sized(at_limit + 1).unwrap_err();
    assert_eq!((e.index, e.label.as_str()), (0, "big"));
    assert!(e.reason.contains("268439552") && e.reason.contains("file_too_large"), "{}", e.reason);
    // The field that crosses the limit is named, also after others; 300000000s is the case readers met.
    let e = layout(&big(300_000_000)).unwrap_err();
    assert_eq!((e.index, e.label.as_str()), (1, "big"));
    assert!(e.to_string().contains("268435456"), "{e}");
}

#[test]
fn refused_descriptions_name_the_field() {
    let refused = |fields: &[FieldDesc]| build(fields).unwrap_err();
    let e = refused(&[FieldDesc::new("ok", "Q", true), FieldDesc::new("", "Q", true)]);
    assert_eq!((e.index, e.label.as_str()), (1, ""));
    assert!(refused(&[FieldDesc::new("x".repeat(65536), "B", false)]).reason.contains("65535"));
    assert!(build(&[FieldDesc::new("x".repeat(65535), "B", false)]).is_ok());
    for bad in ["L", "l", "<Q", "05s", "1000000000s", ""] {
        assert!(refused(&[FieldDesc::new("a", bad, false)]).reason.contains("type table"), "{bad:?}");
    }
    let e = refused(&[FieldDesc::new("a", "Q", true), FieldDesc::new("a", "d", true)]);
    assert_eq!(e.index, 1);
    assert!(e.to_string().contains("field 1 (\"a\")"), "{e}");
    assert!(refused(&[FieldDesc::new("a", "Q", true).with_initial(Initial::Text("1".into()))])
        .reason
        .contains("does not fit"));
    assert!(refused(&[FieldDesc::new("a", "4s", true).with_initial(Initial::Int(1))]).reason.contains("does not fit"));
}
