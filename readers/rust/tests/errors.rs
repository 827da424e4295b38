//! Every error code at its offset, counted by hand from the bytes (spec "Errors").

mod common;

use common::{file, hex, padded, page, record};
use mmstats_reader::{scan, ErrorCode, ErrorCode::*};

/// (code, offset) of every problem, in the order reported.
fn problems(data: &[u8]) -> Vec<(ErrorCode, u64)> {
    scan(data).1.iter().map(|e| (e.code, e.offset)).collect()
}

/// The spec's worked examples ("What readers and validators must do"): first problem of each.
#[test]
fn spec_error_examples() {
    let rows: &[(&str, usize, ErrorCode, u64)] = &[
        ("", 0, NotReady, 0),
        ("00 01 00 61", 4096, NotReady, 0),
        ("02", 4096, BadVersion, 0),
        ("01 ff ff 61", 4096, PastEof, 3),
        ("01 fc 0f 61*4092", 4096, TruncatedRecord, 4095),
        ("01 fa 0f 61*4090 01 00 42", 4096, TruncatedRecord, 4096),
        ("01 03 00 70 61 64 05 00 34 30 38 31 73 ff 00*4081 01", 4096, TruncatedRecord, 4095),
        ("01 02 00 c3 28 01 00 42 ff 07", 4096, BadLabelUtf8, 3),
        ("01 01 00 61 01 00 6c ff 07", 4096, UnknownType, 6),
        ("01 01 00 61 03 00 30 35 73 ff", 4096, UnknownType, 6),
        ("01 01 00 61 00 00 ff 07", 4096, UnknownType, 6),
        ("01 01 00 61 01 00 42 02 07", 4096, BadWriteBuffer, 7),
        ("01 f9 0f 61*4089 01 00 51 ff", 4096, PastEof, 4096),
        ("01 00 00 00 2a", 4096, TrailingGarbage, 4),
        ("01 01 00 61 01 00 42 ff 07", 100, BadFileSize, 100),
    ];
    for &(bytes, size, code, offset) in rows {
        let data = padded(&hex(bytes), size);
        let found = problems(&data);
        assert_eq!(found.first(), Some(&(code, offset)), "{bytes} ({size} bytes): {found:?}");
    }
}

#[test]
fn not_ready_stops_everything() {
    // Version 0x00 with garbage after it and a bad size: only not_ready.
    assert_eq!(problems(&hex("00 ff ff ff")), vec![(NotReady, 0)]);
    assert_eq!(problems(&[]), vec![(NotReady, 0)]);
    assert_eq!(problems(&[0]), vec![(NotReady, 0)]);
}

#[test]
fn bad_version_skips_the_records_but_not_the_size() {
    assert_eq!(problems(&page(&hex("02 ff ff"))), vec![(BadVersion, 0)]);
    assert_eq!(problems(&hex("ff 01 00 61")), vec![(BadVersion, 0), (BadFileSize, 4)]);
    // A v2 file is bad_version to a v1 reader.
    assert_eq!(problems(&page(&[2])), vec![(BadVersion, 0)]);
}

#[test]
fn truncated_record_points_at_the_cut_field() {
    // 01 | 01 00 'a' | 01 00 'B' | ff 07 | 01 : one non-zero byte left where a label size starts (offset 9).
    assert_eq!(problems(&hex("01 01 00 61 01 00 42 ff 07 01")), vec![(TruncatedRecord, 9), (BadFileSize, 10)]);
    // Type size cut: label "ab" ends at 5, one byte of type size at 5.
    assert_eq!(problems(&hex("01 02 00 61 62 01")), vec![(TruncatedRecord, 5), (BadFileSize, 6)]);
    // No byte left for write_buffer: label "a", type "Q" ends at 7.
    assert_eq!(problems(&hex("01 01 00 61 01 00 51")), vec![(TruncatedRecord, 7), (BadFileSize, 7)]);
    // A lone zero byte is zero fill, not a cut label size.
    assert_eq!(problems(&hex("01 01 00 61 01 00 42 ff 07 00")), vec![(BadFileSize, 10)]);
}

#[test]
fn past_eof_points_at_the_area_that_does_not_fit() {
    // Label of 5 bytes at offset 3, 2 left.
    assert_eq!(problems(&hex("01 05 00 61 62")), vec![(PastEof, 3), (BadFileSize, 5)]);
    // Type of 3 bytes at offset 6, 1 left.
    assert_eq!(problems(&hex("01 01 00 61 03 00 31")), vec![(PastEof, 6), (BadFileSize, 7)]);
    // Buffered Q needs 16 bytes at 8; 8 left.
    assert_eq!(problems(&hex("01 01 00 61 01 00 51 00 00*8")), vec![(PastEof, 8), (BadFileSize, 16)]);
    // Unbuffered Q fits exactly: valid records, only the size is wrong.
    assert_eq!(problems(&hex("01 01 00 61 01 00 51 ff 00*8")), vec![(BadFileSize, 16)]);
}

#[test]
fn bad_label_utf8_is_not_structural() {
    // Two bad labels: both reported, each at its first ill-formed byte, and the walk goes on to a
    // bad write buffer in the third record.
    let data = file(&[
        record(b"\xffa", b"B", 0xff, &[1]),      // label at 3: bad at 3
        record(b"ok\xe2\x82", b"B", 0xff, &[1]), // record at 10, label at 12: cut sequence at 14
        record(b"c", b"B", 7, &[1]),             // record at 21, write buffer at 21+2+1+2+1 = 27
    ]);
    assert_eq!(problems(&data), vec![(BadLabelUtf8, 3), (BadLabelUtf8, 14), (BadWriteBuffer, 27)]);
    // Only the first ill-formed sequence of a label is reported.
    let data = file(&[record(b"a\x80\x80\xff", b"B", 0xff, &[1])]);
    assert_eq!(problems(&data), vec![(BadLabelUtf8, 4)]);
    // Surrogates, overlong forms and code points above U+10FFFF are ill-formed; the offset is the lead byte.
    for (label, at) in
        [(&b"\xed\xa0\x80"[..], 3), (b"x\xc0\x80", 4), (b"xy\xe0\x80\x80", 5), (b"\xf4\x90\x80\x80", 3), (b"\xf5", 3)]
    {
        assert_eq!(problems(&file(&[record(label, b"B", 0xff, &[1])])), vec![(BadLabelUtf8, at)], "{label:?}");
    }
    // U+10FFFF and U+FFFF are well-formed.
    assert!(problems(&file(&[record("\u{10FFFF}\u{FFFF}".as_bytes(), b"B", 0xff, &[1])])).is_empty());
}

#[test]
fn unknown_type_at_the_first_signature_byte() {
    for sig in [&b"l"[..], b"L", b"<Q", b"2Q", b"05s", b"1000000000s", b"Q\0", b"\xc3\xa9", b"s"] {
        // label "ab": type at 1 + 2 + 2 + 2 = 7
        let data = file(&[record(b"ab", sig, 0xff, &[0; 8])]);
        assert_eq!(problems(&data), vec![(UnknownType, 7)], "{sig:?}");
    }
    // An empty signature: its offset is where it would start, the write buffer's offset.
    assert_eq!(problems(&file(&[record(b"ab", b"", 0xff, &[0])])), vec![(UnknownType, 7)]);
}

#[test]
fn trailing_garbage_after_the_terminator() {
    // Record 1..9, terminator at 9, garbage at 4000; a second non-zero byte is not reported.
    let mut data = file(&[record(b"a", b"B", 0xff, &[7])]);
    data[4000] = 0x2a;
    data[4001] = 0x2b;
    assert_eq!(problems(&data), vec![(TrailingGarbage, 4000)]);
    // A second page of zeros after the terminator is fine; garbage in it is found.
    let mut data = padded(&hex("01 01 00 61 01 00 42 ff 07"), 8192);
    assert!(problems(&data).is_empty());
    data[8191] = 1;
    assert_eq!(problems(&data), vec![(TrailingGarbage, 8191)]);
}

#[test]
fn bad_file_size_sorts_last_on_a_tie() {
    // Size 10: a lone non-zero byte at 9 is truncated_record at 9; the size problem at 10.
    assert_eq!(problems(&hex("01 01 00 61 01 00 42 ff 07 05")), vec![(TruncatedRecord, 9), (BadFileSize, 10)]);
    // Both at offset 7: truncated_record (write buffer missing at 7) first, then bad_file_size at 7.
    assert_eq!(problems(&hex("01 01 00 61 01 00 42")), vec![(TruncatedRecord, 7), (BadFileSize, 7)]);
    // past_eof at the end of the file and bad_file_size at the same offset.
    assert_eq!(problems(&hex("01 01 00 61 01 00 51 ff")), vec![(PastEof, 8), (BadFileSize, 8)]);
}

#[test]
fn problems_are_sorted_by_offset() {
    // bad_label_utf8 found first at 3, then bad_file_size at 13: sorted as found.
    let data = hex("01 02 00 c3 28 01 00 42 ff 07 00 00 00");
    assert_eq!(problems(&data), vec![(BadLabelUtf8, 3), (BadFileSize, 13)]);
}

#[test]
fn valid_files_have_no_problems_and_every_field() {
    let data = file(&[
        record(b"requests", b"Q", 1, &[18, 0, 0, 0, 0, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0]),
        record(b"empty", b"0s", 0xff, &[]),
        record(&[b'L'; 256], b"B", 0xff, &[7]),
    ]);
    let (fields, errors) = scan(&data);
    assert!(errors.is_empty(), "{errors:?}");
    let got: Vec<_> = fields.iter().map(|f| (f.label.len(), f.type_signature.as_str(), f.buffered, f.offset)).collect();
    // requests: 1 + 2 + 8 + 2 + 1 + 1 + 16 = 31; empty: 31 + 2 + 5 + 2 + 2 + 1 = 43.
    assert_eq!(got, vec![(8, "Q", true, 1), (5, "0s", false, 31), (256, "B", false, 43)]);
    assert_eq!((fields[0].write_buffer_offset, fields[0].value_offset, fields[0].end()), (14, 15, 31));
}

#[test]
fn messages_name_the_bad_value_and_the_limit() {
    let (_, errors) = scan(&page(&hex("01 01 00 61 01 00 42 02 07")));
    let line = errors[0].to_string();
    assert_eq!(line, "offset 7: bad_write_buffer: write buffer of \"a\" is 0x02; allowed: 0x00, 0x01, 0xff (at 0x7)");
    let (_, errors) = scan(&hex("01 01 00 61 01 00 42 ff 07"));
    assert!(errors[0].to_string().contains("file size 9 is not a multiple of 4096"), "{}", errors[0]);
}
